/**
 * The in-memory transport: core's `Transport` inside one process, fast enough that no cell is ever
 * tempted to call another directly. Three choices make it fast:
 * - subscriptions live in a token trie with a per-subject match cache ({@link SubjectTrie}), so a
 *   publish costs one Map lookup for a subject seen before and O(subject depth) otherwise, however many
 *   subscriptions exist;
 * - deliveries are batched: a publish appends (match, envelope) to a queue and one microtask delivers
 *   the whole batch, so publishing never runs handlers re-entrantly and costs no promise per message;
 *   the bus's fast path ({@link MemoryTransport.publishParts}) even defers building the envelope to
 *   delivery, so a burst of publishes retains no per-message objects;
 * - request/reply is multiplexed over one inbox (no subscription per request: a reply subject under the
 *   inbox prefix is recognised by a string compare and resolves its pending entry directly), and all
 *   request timeouts share one timer armed for the earliest deadline (no timer per request).
 * Durable streams are delegated to {@link MemoryStreams}.
 */
import { assertPattern, assertSubject, CellularError, HEADERS, silentLogger, systemClock, toCellularError } from '@cellular/core';
import type {
  Clock,
  ConsumerConfig,
  DurableHandler,
  Envelope,
  Logger,
  MessageHandler,
  PublishAck,
  StreamConfig,
  Transport,
  TransportCapabilities,
  TransportRequestOptions,
  TransportStatus,
  TransportSubscribeOptions,
  TransportSubscription,
} from '@cellular/core';
import { BatchClock, BusEnvelope, isBusEnvelope, type ReplyTarget } from './internal/bus-envelope.js';
import { MemoryStreams } from './internal/memory-streams.js';
import { SubjectTrie, type MatchResult } from './internal/subject-trie.js';
import type { StreamJournal } from './stream-journal.js';

/** Options for {@link createMemoryTransport}. */
export interface MemoryTransportOptions {
  /** Clock for request deadlines and stream timing. Defaults to the system clock. */
  readonly clock?: Clock;
  /** Where handler failures are logged when no `onError` is given. Defaults to a silent logger. */
  readonly logger?: Logger;
  /**
   * Called when a subscription handler throws or rejects. The transport never rethrows: a handler's
   * failure is the subscriber's problem. Defaults to logging at error level.
   */
  readonly onError?: (error: CellularError, info: { readonly subject: string | undefined; readonly pattern: string }) => void;
  /**
   * Journal that makes durable streams survive a process restart (for example `createFileJournal()`).
   * Without one, `capabilities.durability` is `'process'`, with one `'persistent'`.
   */
  readonly journal?: StreamJournal;
  /** Most distinct subjects whose subscription match is cached. Defaults to 4096. */
  readonly matchCacheSize?: number;
}

const noop = (): void => undefined;

/** What a pending request needs from the transport that sent it. */
interface PendingOwner {
  readonly inboxPrefix: string;
  /** Index a request by number once its reply subject exists. */
  address(p: PendingRequest): void;
}

/**
 * A request waiting for its reply; also the {@link ReplyTarget} its envelope routes the reply to.
 * Kept small (every field is written once per request): the abort wiring lives in its own object,
 * made only for requests with a signal, and the pending table is an array of these rather than a
 * linked list, so answering a request writes one flag instead of relinking its neighbours.
 */
class PendingRequest implements ReplyTarget {
  // Fields are assigned in the constructor, not initialised in the class body: initialisers compile
  // to a separate function that the optimiser did not inline into the request path.
  declare resolve: (value: unknown) => void;
  declare reject: (error: CellularError) => void;
  declare abort: PendingAbort | undefined;
  /** Still waiting (not answered, timed out, cancelled or closed). */
  declare live: boolean;
  /** Its reply subject was built, so it is indexed by number. */
  declare addressed: boolean;
  declare readonly id: number;
  declare readonly owner: PendingOwner;
  declare readonly deadline: number;
  declare readonly subject: string;
  /** When set, the request resolves with `decode(decodeArg, payload, isError)` instead of an envelope. */
  declare readonly decode: ReplyDecoder | undefined;
  declare readonly decodeArg: unknown;
  /** The request envelope while it waits in the delivery queue (the queue holds this entry instead). */
  declare request: Envelope | undefined;

  constructor(id: number, owner: PendingOwner, deadline: number, subject: string, decode: ReplyDecoder | undefined, decodeArg: unknown) {
    this.request = undefined;
    this.resolve = noop;
    this.reject = noop;
    this.abort = undefined;
    this.live = true;
    this.addressed = false;
    this.id = id;
    this.owner = owner;
    this.deadline = deadline;
    this.subject = subject;
    this.decode = decode;
    this.decodeArg = decodeArg;
  }

  replySubject(): string {
    if (!this.addressed && this.live) {
      this.addressed = true;
      this.owner.address(this);
    }
    return this.owner.inboxPrefix + this.id.toString(36);
  }
}

/** The abort listener of a request made with a signal. */
interface PendingAbort {
  readonly signal: AbortSignal;
  readonly listener: () => void;
}

/**
 * Turns a reply into the request's result (internal, for the bus): gets the reply payload and whether
 * it carries an error; returns the value or throws the CellularError the caller should see.
 */
export type ReplyDecoder = (arg: unknown, payload: unknown, isError: boolean) => unknown;

/** The contract named by a message (core's `Envelope['contract']`), or `undefined`. */
type ContractRef = Envelope['contract'];

/**
 * A handler that takes a message as its parts (the bus's subscriptions whose handler reads no
 * context): no envelope is built for it. `envelope` is the message's envelope when one already exists
 * (a message published as an envelope), otherwise `undefined` and the handler builds one only if it
 * needs it (telemetry). @internal
 */
export type PartsHandler = (
  payload: unknown,
  subject: string,
  headers: Record<string, string> | undefined,
  contract: ContractRef,
  timestamp: number,
  envelope: Envelope | undefined,
) => void | Promise<void>;

const EMPTY_MATCH_DRAINED = Promise.resolve();

/** Slots per queued message. */
const STRIDE = 4;
/** Marks a queued item that is already an envelope. */
const AS_ENVELOPE = Symbol('envelope');
/** Marks a queued item that is a request's PendingRequest (its envelope in `request`). */
const AS_REQUEST = Symbol('request');
/** Queue slots kept for reuse after a flush; a larger array is dropped to give its memory back. */
const MAX_RETAINED_QUEUE = 1 << 20;
/** Messages per {@link MemoryTransport.deliverSlice} call. */
const FLUSH_SLICE = 256;

let transportSeq = 0;
let subscriptionSeq = 0;

function closedError(op: string): CellularError {
  return new CellularError('TRANSPORT_CLOSED', `The memory transport is closed; cannot ${op}`, { data: { transport: 'memory', op } });
}

/** A callback subscription on the memory transport. */
class MemorySubscription implements TransportSubscription {
  /** `active`: receives; `draining`: finishes queued messages only; `closed`: done. */
  state: 'active' | 'draining' | 'closed' = 'active';
  inflight = 0;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private idleWaiters: (() => void)[] | undefined;
  /** Creation order: subscribers of one message are called in subscription order. */
  readonly order = ++subscriptionSeq;

  constructor(
    readonly pattern: string,
    readonly queue: string | undefined,
    private readonly handler: MessageHandler,
    private readonly transport: MemoryTransport,
    /** Set for a subscription that takes messages as parts (see {@link PartsHandler}). */
    readonly parts: PartsHandler | undefined,
  ) {}

  get closed(): Promise<void> {
    if (this.closedPromise === undefined) {
      if (this.state === 'closed') this.closedPromise = EMPTY_MATCH_DRAINED;
      else this.closedPromise = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    }
    return this.closedPromise;
  }

  /** Run the handler; exceptions and rejections are reported, never thrown. */
  deliver(envelope: Envelope): void {
    let result: void | Promise<void>;
    try {
      result = this.handler(envelope);
    } catch (e) {
      this.transport.report(e, envelope.subject, this.pattern);
      return;
    }
    this.track(result);
  }

  /** {@link MemorySubscription.deliver} for a parts subscription. */
  deliverParts(
    payload: unknown,
    subject: string,
    headers: Record<string, string> | undefined,
    contract: ContractRef,
    timestamp: number,
    envelope: Envelope | undefined,
  ): void {
    let result: void | Promise<void>;
    try {
      result = this.parts!(payload, subject, headers, contract, timestamp, envelope);
    } catch (e) {
      this.transport.report(e, subject, this.pattern);
      return;
    }
    this.track(result);
  }

  /** Count a handler's promise as in flight until it settles; a rejection is reported. */
  private track(result: void | Promise<void>): void {
    if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') {
      this.inflight++;
      result.then(this.settled, this.failed);
    }
  }

  private readonly settled = (): void => {
    if (--this.inflight === 0 && this.idleWaiters !== undefined) {
      const waiters = this.idleWaiters;
      this.idleWaiters = undefined;
      for (const w of waiters) w();
    }
  };

  private readonly failed = (error: unknown): void => {
    this.transport.report(error, undefined, this.pattern);
    this.settled();
  };

  /** Resolves when no handler call is in flight. */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  unsubscribe(): void {
    if (this.state === 'closed') return;
    this.transport.removeSubscription(this);
    this.finish();
  }

  async drain(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'active') {
      this.state = 'draining';
      this.transport.removeSubscription(this);
      await this.transport.flushed();
    }
    await this.idle();
    this.finish();
  }

  /** Mark closed and resolve `closed`. */
  finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.resolveClosed?.();
    this.closedPromise ??= EMPTY_MATCH_DRAINED;
  }
}

/** The in-memory transport. Create it with {@link createMemoryTransport}. */
export class MemoryTransport implements Transport {
  /** Always `memory`. */
  readonly name = 'memory';
  readonly capabilities: TransportCapabilities;
  private currentStatus: TransportStatus = 'connected';
  private readonly trie: SubjectTrie<MemorySubscription>;
  private lastMatch: MatchResult<MemorySubscription> | undefined;
  private lastMatchVersion = -1;
  private readonly subscriptions = new Set<MemorySubscription>();
  private readonly streams: MemoryStreams;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onError: MemoryTransportOptions['onError'];
  private readonly listeners = new Set<(status: TransportStatus) => void>();

  // Delivery batch: one flat array reused across batches, STRIDE slots per message: (match, envelope
  // or payload or a request's PendingRequest, headers or AS_ENVELOPE or AS_REQUEST, contract).
  // Messages from the bus's fast path carry their parts and get their envelope built at delivery, so a
  // long synchronous publish loop retains no per-message objects; reusing the array avoids regrowing
  // (and re-promoting) it for every batch.
  private queue: unknown[] = [];
  private queueLength = 0;
  private flushScheduled = false;
  private flushWaiters: (() => void)[] | undefined;

  // Request/reply: one inbox, one timer.
  /** Prefix of this transport's reply subjects (read by its pending requests). @internal */
  readonly inboxPrefix: string;
  /**
   * Waiting requests, oldest first, in `pending[0, pendingLength)`; answered ones stay in place (their
   * `live` is false) until the table empties, the timer scans it, or it grows past twice the waiting
   * count, when it is compacted. `pendingCount` counts the live ones.
   */
  private readonly pending: (PendingRequest | undefined)[] = [];
  private pendingLength = 0;
  private pendingCount = 0;
  /** Waiting requests whose reply subject was built, by number (replies that arrive by subject). */
  private readonly addressed = new Map<number, PendingRequest>();
  private requestSeq = 0;
  /** Request deadlines read the clock once per microtask batch. */
  private readonly batchClock: BatchClock;
  private timer: NodeJS.Timeout | undefined;
  private timerDeadline = Infinity;
  private drainPromise: Promise<void> | undefined;

  constructor(options: MemoryTransportOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.batchClock = new BatchClock(this.clock);
    this.logger = options.logger ?? silentLogger;
    this.onError = options.onError;
    this.trie = new SubjectTrie(options.matchCacheSize ?? 4096);
    this.inboxPrefix = `_INBOX.memory${String(++transportSeq)}_${process.pid.toString(36)}.`;
    this.capabilities = Object.freeze({
      durability: options.journal === undefined ? 'process' : 'persistent',
      pubsubDelivery: 'at-most-once',
      ordering: 'per-publisher',
      maxPayload: Infinity,
      wildcards: true,
      queueGroups: true,
      headers: true,
      noResponders: true,
      nackDelay: true,
      deadLetter: true,
    } satisfies TransportCapabilities);
    const streamOptions: ConstructorParameters<typeof MemoryStreams>[0] = {
      publishCore: (envelope) => {
        this.publish(envelope);
      },
      clock: this.clock,
      logger: this.logger,
      ...(options.journal === undefined ? {} : { journal: options.journal }),
    };
    this.streams = new MemoryStreams(streamOptions);
  }

  /** Index a pending request by number once its reply subject exists. @internal */
  address(p: PendingRequest): void {
    this.addressed.set(p.id, p);
  }

  get status(): TransportStatus {
    return this.currentStatus;
  }

  /** Number of live subscriptions (for stats and tests). */
  get subscriptionCount(): number {
    return this.trie.size;
  }

  /** Number of requests waiting for a reply. */
  get pendingRequests(): number {
    return this.pendingCount;
  }

  /** Messages accepted but not yet handed to subscribers. */
  get queueDepth(): number {
    return this.queueLength / STRIDE;
  }

  connect(): Promise<void> {
    if (this.currentStatus === 'closed') return Promise.reject(closedError('connect'));
    return Promise.resolve();
  }

  onStatusChange(listener: (status: TransportStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(status: TransportStatus): void {
    if (this.currentStatus === status) return;
    this.currentStatus = status;
    for (const l of this.listeners) {
      try {
        l(status);
      } catch (e) {
        this.logger.warn('transport status listener threw', { error: String(e) });
      }
    }
  }

  /** Report a handler failure to `onError` (or the logger); never throws. */
  report(error: unknown, subject: string | undefined, pattern: string): void {
    const err = toCellularError(error);
    try {
      if (this.onError) this.onError(err, { subject, pattern });
      else this.logger.error('subscription handler failed', { subject, pattern, code: err.code, error: err.message });
    } catch {
      // An error hook that throws must not take the transport down either.
    }
  }

  private match(subject: string): MatchResult<MemorySubscription> {
    // One-entry cache in front of the trie's cache: a burst on one subject skips even the Map lookup.
    const last = this.lastMatch;
    if (last !== undefined && last.subject === subject && this.lastMatchVersion === this.trie.version) return last;
    const m = this.trie.cached(subject) ?? (assertSubject(subject), this.trie.match(subject));
    this.lastMatch = m;
    this.lastMatchVersion = this.trie.version;
    return m;
  }

  publish(envelope: Envelope): void {
    const status = this.currentStatus;
    if (status !== 'connected' && status !== 'draining') throw closedError('publish');
    const subject = envelope.subject;
    // Replies go to `<inbox>.<n>`; `_` (95) is rare as a first character, so other subjects pay one compare.
    if (subject.charCodeAt(0) === 95 && subject.startsWith(this.inboxPrefix)) {
      this.settleReply(subject, envelope);
      return;
    }
    const m = this.match(subject);
    if (m.empty || status === 'draining') return;
    this.enqueue(m, envelope, AS_ENVELOPE, undefined);
  }

  /**
   * The bus's fast path (internal; not part of `Transport`): publish the parts of a message and let
   * the transport build the envelope at delivery, only if somebody subscribes. Same errors as
   * {@link MemoryTransport.publish}.
   * @internal
   */
  publishParts(
    subject: string,
    payload: unknown,
    headers: Record<string, string> | undefined,
    contract: ContractRef,
  ): void {
    const status = this.currentStatus;
    if (status !== 'connected' && status !== 'draining') throw closedError('publish');
    if (subject.charCodeAt(0) === 95 && subject.startsWith(this.inboxPrefix)) {
      this.settleReply(subject, new BusEnvelope(subject, payload, this.clock.now(), headers, contract));
      return;
    }
    const m = this.match(subject);
    if (m.empty || status === 'draining') return;
    this.enqueue(m, payload, headers, contract);
  }

  private enqueue(m: MatchResult<MemorySubscription>, item: unknown, headers: unknown, contract: unknown): void {
    const q = this.queue;
    const n = this.queueLength;
    q[n] = m;
    q[n + 1] = item;
    q[n + 2] = headers;
    q[n + 3] = contract;
    this.queueLength = n + STRIDE;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    const now = this.clock.now();
    // Handlers may publish while we deliver: those land after the current end and are delivered in
    // this same pass. The loop hands out slices of at most FLUSH_SLICE messages: a flush runs once per
    // batch, so a loop inside it would only ever be optimised on-stack (and V8 drops that code at
    // garbage collection), while the slice method is called often enough to keep optimised code.
    for (let i = 0; i < this.queueLength; ) {
      const end = Math.min(this.queueLength, i + FLUSH_SLICE * STRIDE);
      this.deliverSlice(i, end, now);
      i = end;
    }
    const q = this.queue;
    this.queueLength = 0;
    if (q.length > MAX_RETAINED_QUEUE) this.queue = [];
    this.flushScheduled = false;
    const waiters = this.flushWaiters;
    if (waiters !== undefined) {
      this.flushWaiters = undefined;
      for (const w of waiters) w();
    }
  };

  /** Deliver the queued messages in slots `[from, to)`; slots are cleared as they are read so the reused array retains nothing. */
  private deliverSlice(from: number, to: number, now: number): void {
    const q = this.queue;
    for (let i = from; i < to; i += STRIDE) {
      const m = q[i] as MatchResult<MemorySubscription>;
      const item = q[i + 1];
      const headers = q[i + 2];
      const contract = q[i + 3] as ContractRef;
      q[i] = q[i + 1] = q[i + 2] = q[i + 3] = undefined;
      // A message from the bus's fast path arrives as parts; its envelope is built for the first
      // subscriber that takes one, and not at all when every subscriber takes parts.
      let env: Envelope | undefined;
      let parts: Record<string, string> | undefined;
      let payload: unknown;
      let request: PendingRequest | undefined;
      // `typeof` first: comparing a slot that holds objects, undefined and symbols with `===` has
      // mixed type feedback and calls the generic StrictEqual builtin for every message.
      if (typeof headers !== 'symbol') {
        parts = headers as Record<string, string> | undefined;
        payload = item;
      } else {
        if (headers === AS_REQUEST) {
          request = item as PendingRequest;
          env = request.request!;
          request.request = undefined;
        } else env = item as Envelope;
        payload = env.payload;
      }
      const plain = m.plain;
      for (let j = 0; j < plain.length; j++) {
        const s = plain[j]!;
        if (s.state === 'closed') continue;
        if (s.parts !== undefined) s.deliverParts(payload, m.subject, parts, contract, now, env);
        else s.deliver((env ??= new BusEnvelope(m.subject, payload, now, parts, contract)));
      }
      const groups = m.groups;
      for (let g = 0; g < groups.length; g++) {
        const group = groups[g]!;
        const members = group.members;
        // Round robin over members still open; skip closed ones.
        for (let k = 0; k < members.length; k++) {
          const idx = group.next++ % members.length;
          const s = members[idx]!;
          if (s.state !== 'closed') {
            if (s.parts !== undefined) s.deliverParts(payload, m.subject, parts, contract, now, env);
            else s.deliver((env ??= new BusEnvelope(m.subject, payload, now, parts, contract)));
            break;
          }
        }
      }
      // Most requests are answered during their delivery; only the others enter the pending table.
      if (request?.live === true) this.tablePending(request);
    }
  }

  /** Resolves once every message accepted so far has been handed to its subscribers. */
  flushed(): Promise<void> {
    if (!this.flushScheduled) return Promise.resolve();
    return new Promise<void>((resolve) => (this.flushWaiters ??= []).push(resolve));
  }

  subscribe(pattern: string, handler: MessageHandler, options?: TransportSubscribeOptions): TransportSubscription {
    return this.addSubscription(pattern, handler, undefined, options);
  }

  /**
   * The bus's fast path (internal; not part of `Transport`): subscribe a handler that takes messages
   * as their parts, so that no envelope is built for a message whose subscribers all take parts.
   * A message that arrives as an envelope is passed with it. Same errors as {@link MemoryTransport.subscribe}.
   * @internal
   */
  subscribeParts(pattern: string, parts: PartsHandler, options?: TransportSubscribeOptions): TransportSubscription {
    const handler: MessageHandler = (env) => parts(env.payload, env.subject, undefined, env.contract, env.timestamp, env);
    return this.addSubscription(pattern, handler, parts, options);
  }

  private addSubscription(
    pattern: string,
    handler: MessageHandler,
    parts: PartsHandler | undefined,
    options: TransportSubscribeOptions | undefined,
  ): TransportSubscription {
    if (this.currentStatus !== 'connected') throw closedError('subscribe');
    assertPattern(pattern);
    const queue = options?.queue;
    if (queue !== undefined && (typeof queue !== 'string' || queue.length === 0)) {
      throw new CellularError('INVALID_CONFIG', 'A queue group name must be a non-empty string', { data: { queue } });
    }
    const sub = new MemorySubscription(pattern, queue, handler, this, parts);
    this.trie.insert(pattern, sub);
    this.subscriptions.add(sub);
    return sub;
  }

  /** Internal: take a subscription out of the index. */
  removeSubscription(sub: MemorySubscription): void {
    if (this.subscriptions.delete(sub)) this.trie.remove(sub.pattern, sub);
  }

  request(envelope: Envelope, options: TransportRequestOptions): Promise<Envelope> {
    return this.startRequest(envelope, options, undefined, undefined) as Promise<Envelope>;
  }

  /**
   * The bus's request fast path (internal; not part of `Transport`): like {@link MemoryTransport.request}
   * but resolves with `decode(arg, payload, isError)` of the reply, so no reply envelope and no extra
   * promise are needed.
   * @internal
   */
  requestDecoded(envelope: Envelope, options: TransportRequestOptions, decode: ReplyDecoder, arg: unknown): Promise<unknown> {
    return this.startRequest(envelope, options, decode, arg);
  }

  /**
   * The bus's request fast path (internal; not part of `Transport`): send a request built from its
   * parts and resolve with `decode(arg, payload, isError)` of the reply. The request envelope routes
   * its reply straight to its pending entry, so neither the reply subject nor the correlation id is
   * built unless somebody reads them. Same errors as {@link MemoryTransport.request}.
   * @internal
   */
  requestParts(
    subject: string,
    payload: unknown,
    headers: Record<string, string> | undefined,
    contract: ContractRef,
    timeout: number,
    signal: AbortSignal | undefined,
    decode: ReplyDecoder,
    arg: unknown,
  ): Promise<unknown> {
    const m = this.requestMatch(subject, timeout, signal);
    if (m instanceof Promise) return m;
    const p = new PendingRequest(++this.requestSeq, this, this.batchClock.now() + timeout, subject, decode, arg);
    const req = new BusEnvelope(subject, payload, this.batchClock.now(), headers, contract);
    req.routeReply(p, undefined);
    return this.track(m, p, req, signal);
  }

  private startRequest(
    envelope: Envelope,
    options: TransportRequestOptions,
    decode: ReplyDecoder | undefined,
    decodeArg: unknown,
  ): Promise<unknown> {
    const signal = options.signal;
    const subject = envelope.subject;
    const m = this.requestMatch(subject, options.timeout, signal);
    if (m instanceof Promise) return m;
    // One inbox per transport; each request gets its own reply subject under it, so the caller's
    // correlation id (if any) travels unchanged and the pending map is keyed by request number.
    const p = new PendingRequest(++this.requestSeq, this, this.batchClock.now() + options.timeout, subject, decode, decodeArg);
    let req: Envelope;
    if (isBusEnvelope(envelope)) {
      envelope.routeReply(p, envelope.correlationId);
      req = envelope;
    } else {
      req = { ...envelope, replyTo: p.replySubject(), correlationId: envelope.correlationId ?? p.id.toString(36) };
    }
    return this.track(m, p, req, signal);
  }

  /** Check a request can go out; returns its subscribers, or the rejected promise to return instead. */
  private requestMatch(subject: string, timeout: number, signal: AbortSignal | undefined): MatchResult<MemorySubscription> | Promise<never> {
    if (this.currentStatus !== 'connected') return Promise.reject(closedError('request'));
    if (signal?.aborted === true) return Promise.reject(cancelled(subject, signal));
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
      return Promise.reject(
        new CellularError('INVALID_CONFIG', `Request timeout must be a non-negative number of ms, got ${String(timeout)}`, {
          data: { timeout },
        }),
      );
    }
    let m: MatchResult<MemorySubscription>;
    try {
      m = this.match(subject);
    } catch (e) {
      return Promise.reject(toCellularError(e, 'INVALID_SUBJECT'));
    }
    if (m.empty) {
      return Promise.reject(new CellularError('NO_RESPONDERS', `No responders for "${subject}"`, { data: { subject } }));
    }
    return m;
  }

  /** Register a pending request, arm its deadline and signal, and send it. */
  private track(m: MatchResult<MemorySubscription>, p: PendingRequest, req: Envelope, signal: AbortSignal | undefined): Promise<unknown> {
    // A closure per request, not a module-level "current request" variable: storing the new entry in
    // long-lived memory costs a write-barrier slow path, allocating a small closure does not.
    const promise = new Promise<unknown>((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
    });
    if (signal !== undefined) {
      const listener = (): void => {
        if (p.live) {
          this.take(p);
          p.reject(cancelled(p.subject, signal));
        }
      };
      p.abort = { signal, listener };
      signal.addEventListener('abort', listener, { once: true });
    }
    if (this.pendingCount === 0) this.timer?.ref();
    // Counted now, entered in the table only if delivery did not answer it (see flush).
    this.pendingCount++;
    if (p.deadline < this.timerDeadline) this.armTimer(p.deadline);
    p.request = req;
    this.enqueue(m, p, AS_REQUEST, undefined);
    return promise;
  }

  /** Forget a pending request (answered, cancelled or timed out). */
  private take(p: PendingRequest): void {
    if (!p.live) return;
    p.live = false;
    if (p.addressed) this.addressed.delete(p.id);
    const abort = p.abort;
    if (abort !== undefined) abort.signal.removeEventListener('abort', abort.listener);
    if (--this.pendingCount === 0) {
      // Nothing waits: empty the table (clearing slots is a plain store, no write barrier).
      const table = this.pending;
      for (let i = 0; i < this.pendingLength; i++) table[i] = undefined;
      this.pendingLength = 0;
      this.timer?.unref();
    }
  }

  /** Enter a request its delivery did not answer in the table (for its deadline and for close). */
  private tablePending(p: PendingRequest): void {
    let n = this.pendingLength;
    if (n >= 32 && n > 2 * this.pendingCount) n = this.compactPending();
    this.pending[n] = p;
    this.pendingLength = n + 1;
  }

  /** Move the live requests to the front of the table, in order; returns the new length. */
  private compactPending(): number {
    const table = this.pending;
    const n = this.pendingLength;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const p = table[i]!;
      if (p.live) table[k++] = p;
    }
    for (let i = k; i < n; i++) table[i] = undefined;
    this.pendingLength = k;
    return k;
  }

  /** The pending request a reply subject under the inbox names, if it still waits. */
  private pendingFor(replyTo: string): PendingRequest | undefined {
    const suffix = replyTo.slice(this.inboxPrefix.length);
    const p = this.addressed.get(parseInt(suffix, 36));
    return p !== undefined && p.live && p.id.toString(36) === suffix ? p : undefined;
  }

  private settleReply(subject: string, envelope: Envelope): void {
    const p = this.pendingFor(subject);
    if (p === undefined) return; // late or duplicate replies find none
    this.take(p);
    if (p.decode === undefined) p.resolve(envelope);
    else {
      const isError = !(isBusEnvelope(envelope) && !envelope.hasHeaders) && envelope.headers[HEADERS.error] === '1';
      decodeInto(p, envelope.payload, isError);
    }
  }

  /**
   * The bus's reply fast path (internal; not part of `Transport`): answer the request whose reply
   * subject is `replyTo`, building an envelope only when the requester wants one.
   * @internal
   */
  reply(replyTo: string, correlationId: string | undefined, payload: unknown, isError: boolean): void {
    const status = this.currentStatus;
    if (status !== 'connected' && status !== 'draining') throw closedError('publish');
    if (replyTo.startsWith(this.inboxPrefix)) {
      const p = this.pendingFor(replyTo);
      if (p !== undefined) this.answerPending(p, replyTo, correlationId, payload, isError);
      return;
    }
    const env = new BusEnvelope(replyTo, payload, this.clock.now(), isError ? { [HEADERS.error]: '1' } : undefined, undefined);
    if (correlationId !== undefined) env.correlationId = correlationId;
    this.publish(env);
  }

  /**
   * The bus's direct reply (internal; not part of `Transport`): when `request` is a request this
   * transport routes, answer it without building a reply subject and return true; otherwise false.
   * @internal
   */
  answer(request: Envelope, payload: unknown, isError: boolean): boolean {
    if (!isBusEnvelope(request)) return false;
    // Reply targets are only ever made by memory transports; this one answers its own.
    const target = request.replyTarget as PendingRequest | undefined;
    if (target === undefined || target.owner !== this) return false;
    const status = this.currentStatus;
    if (status !== 'connected' && status !== 'draining') throw closedError('publish');
    // A late or duplicate reply finds its request gone (or replaced, never: numbers are not reused).
    if (!target.live) return true;
    // a decoding request never reads the correlation id (and reading it may build the string)
    this.answerPending(target, undefined, target.decode === undefined ? request.correlationId : undefined, payload, isError);
    return true;
  }

  private answerPending(p: PendingRequest, replyTo: string | undefined, correlationId: string | undefined, payload: unknown, isError: boolean): void {
    this.take(p);
    if (p.decode !== undefined) {
      decodeInto(p, payload, isError);
      return;
    }
    const env = new BusEnvelope(replyTo ?? p.replySubject(), payload, this.clock.now(), isError ? { [HEADERS.error]: '1' } : undefined, undefined);
    if (correlationId !== undefined) env.correlationId = correlationId;
    p.resolve(env);
  }

  private armTimer(deadline: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDeadline = deadline;
    if (deadline === Infinity) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(this.expire, Math.max(0, deadline - this.clock.now()));
  }

  /** The one timer: time out every expired request, then re-arm for the earliest remaining deadline. */
  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerDeadline = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    // Compact first so that the scan sees live requests only. Rejecting only queues reactions, but the
    // take that answers the last waiting request empties the table, so later slots read undefined.
    const n = this.compactPending();
    const table = this.pending;
    for (let i = 0; i < n; i++) {
      const p = table[i];
      if (p === undefined || !p.live) continue;
      if (p.deadline <= now) {
        this.take(p);
        p.reject(new CellularError('TIMEOUT', `Request to "${p.subject}" timed out`, { data: { subject: p.subject } }));
      } else if (p.deadline < next) next = p.deadline;
    }
    if (next !== Infinity) this.armTimer(next);
  };

  ensureStream(config: StreamConfig): Promise<void> {
    if (this.currentStatus !== 'connected') return Promise.reject(closedError('ensureStream'));
    return this.streams.ensureStream(config);
  }

  publishDurable(envelope: Envelope, options?: { readonly timeout?: number }): Promise<PublishAck> {
    if (this.currentStatus !== 'connected' && this.currentStatus !== 'draining') {
      return Promise.reject(closedError('publishDurable'));
    }
    const plain = isBusEnvelope(envelope) ? envelope.toJSON() : envelope;
    return this.streams.publishDurable(plain, options);
  }

  consume(config: ConsumerConfig, handler: DurableHandler): TransportSubscription {
    if (this.currentStatus !== 'connected') throw closedError('consume');
    return this.streams.consume(config, handler);
  }

  drain(): Promise<void> {
    if (this.currentStatus === 'closed') return Promise.resolve();
    return (this.drainPromise ??= this.runDrain());
  }

  private async runDrain(): Promise<void> {
    this.setStatus('draining');
    // Deliver what was accepted, then let every subscription finish its in-flight handlers (their
    // replies still reach pending requests: the inbox bypasses the index).
    await this.flushed();
    await Promise.all([...this.subscriptions].map((s) => s.drain()));
    await this.streams.drain();
    await this.flushed();
    await this.close();
  }

  async close(): Promise<void> {
    if (this.currentStatus === 'closed') return;
    this.setStatus('closed');
    for (const s of this.subscriptions) s.finish();
    this.subscriptions.clear();
    // Requests still queued for delivery are pending but not yet in the table.
    const waiting: PendingRequest[] = [];
    for (let i = 0; i < this.queueLength; i += STRIDE) {
      if (this.queue[i + 2] === AS_REQUEST) waiting.push(this.queue[i + 1] as PendingRequest);
    }
    this.queue = [];
    this.queueLength = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const table = [...this.pending.slice(0, this.pendingLength), ...waiting];
    for (const p of table) {
      if (p === undefined || !p.live) continue;
      this.take(p);
      p.reject(closedError('wait for a reply'));
    }
    const waiters = this.flushWaiters;
    this.flushWaiters = undefined;
    if (waiters) for (const w of waiters) w();
    this.flushScheduled = false;
    await this.streams.close();
  }
}

function decodeInto(p: PendingRequest, payload: unknown, isError: boolean): void {
  let value: unknown;
  try {
    value = p.decode!(p.decodeArg, payload, isError);
  } catch (e) {
    p.reject(toCellularError(e, 'INTERNAL'));
    return;
  }
  p.resolve(value);
}

function cancelled(subject: string, signal: AbortSignal): CellularError {
  return new CellularError('CANCELLED', `Request to "${subject}" was cancelled`, {
    data: { subject },
    cause: signal.reason,
  });
}

/**
 * Create an in-memory transport.
 *
 * @example
 * ```ts
 * const transport = createMemoryTransport();
 * const sub = transport.subscribe('orders.*', (env) => console.log(env.subject));
 * transport.publish(createEnvelope({ subject: 'orders.placed', payload: { id: 1 } }));
 * ```
 */
export function createMemoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  return new MemoryTransport(options);
}
