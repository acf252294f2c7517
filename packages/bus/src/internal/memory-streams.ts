/**
 * Durable streams of the in-memory transport: bounded stores of envelopes and the consumer groups that
 * work through them (JetStream semantics, in process).
 *
 * Design choices:
 * - Retention is by interest: a message is kept until every consumer group whose filter matches it has
 *   settled it (ack, term or dead letter); with no group yet, it waits for one. Limits (`maxMessages`,
 *   `maxBytes`, `maxAgeMs`) and the overflow policy bound memory whatever consumers do.
 * - Per-subject ordering is strict by default: a group has at most one message of a subject in
 *   flight, and a nacked message blocks the later messages of its subject until it is settled. Each
 *   group keeps a FIFO of pending sequence numbers per subject and a ready set of subjects whose head
 *   can go out, so every step is O(1). A group with `ordered: false` (a parallel work queue) keys its
 *   ready set by sequence number instead, so any number of messages of one subject (up to
 *   `maxAckPending`) are in flight at once, with the same ack, nack, backoff and dead-letter rules.
 * - All deadlines (ack wait, nack delay) share one timer ({@link TimerQueue}).
 * - With a journal, every change is appended to it and the journal is replayed at construction, so
 *   unsettled messages are redelivered after a restart (with their delivery count kept).
 */
import { assertPattern, assertSubject, CellularError, HEADERS, silentLogger, subjectMatches, systemClock } from '@cellular/core';
import type {
  Clock,
  ConsumerConfig,
  DurableHandler,
  DurableMessage,
  Envelope,
  Logger,
  PublishAck,
  StreamConfig,
  TransportSubscription,
} from '@cellular/core';
import { isStreamJournal } from '../stream-journal.js';
import type { JournalRecord, StreamJournal } from '../stream-journal.js';
import { Fifo } from './fifo.js';
import { TimerQueue } from './timer-queue.js';

/** What the MemoryTransport gives its streams. */
export interface MemoryStreamsOptions {
  /** Publishes on core pub/sub (used for dead letters). */
  readonly publishCore: (envelope: Envelope) => void;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Optional {@link StreamJournal} (e.g. `createFileJournal`) that makes streams survive a restart. */
  readonly journal?: unknown;
  /** How long a `block` publish waits for capacity without an explicit timeout. Defaults to 5000 ms. */
  readonly defaultBlockTimeoutMs?: number;
}

const DEFAULT_MAX_MESSAGES = 100_000;
const STREAM_NAME = /^[A-Za-z0-9_-]+$/u;
/** Ids of removed messages remembered for duplicate detection, per stream. */
const DEDUPE_WINDOW = 10_000;

interface StoredMessage {
  readonly seq: number;
  readonly envelope: Envelope;
  readonly bytes: number;
  readonly at: number;
  /** Groups that still have to settle it. */
  refs: number;
}

interface Pending {
  /** Where it queues: its subject when the group is ordered, its sequence number otherwise. */
  key: string | number;
  attempts: number;
  token: number;
  phase: 'queued' | 'inflight' | 'waiting';
}

interface Member {
  readonly handler: DurableHandler;
  readonly inFlight: Set<Promise<void>>;
  readonly end: () => void;
}

interface Waiter {
  readonly retry: () => void;
}

type GroupSettings = Required<Omit<ConsumerConfig, 'filterSubject' | 'stream' | 'durable'>>;

/** A ready-set key: a subject (ordered group, its queue's head goes out) or a sequence number (unordered). */
type ReadyKey = string | number;

function settingsOf(config: ConsumerConfig | undefined, stream: string, durable: string): GroupSettings {
  const backoff = config?.backoffMs !== undefined && config.backoffMs.length > 0 ? [...config.backoffMs] : [1000];
  return {
    maxDeliver: config?.maxDeliver ?? 5,
    backoffMs: backoff,
    ackWaitMs: config?.ackWaitMs ?? 30_000,
    deadLetterSubject: config?.deadLetterSubject ?? `dlq.${stream}.${durable}`,
    maxAckPending: config?.maxAckPending ?? 1000,
    ordered: config?.ordered ?? true,
  };
}

/** True when some subject matches both patterns. */
function patternsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined || q === undefined) return p === q;
    if (p === '>' || q === '>') return true;
    if (p !== '*' && q !== '*' && p !== q) return false;
  }
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new CellularError('INVALID_CONFIG', `${name} must be a positive number, got ${value}`, { data: { [name]: value } });
  return value;
}

/** A consumer group: the members sharing one durable name, and its position in the stream. */
class Group {
  settings: GroupSettings;
  readonly members: Member[] = [];
  private rr = 0;
  /** Unsettled sequence numbers per subject, in stream order (ordered groups only). */
  readonly queues = new Map<string, Fifo<number>>();
  /** Subjects whose head message can be delivered now (ordered), or sequence numbers (unordered). */
  readonly ready = new Set<ReadyKey>();
  readonly pending = new Map<number, Pending>();
  inFlight = 0;
  /** Ack-wait deadlines of deliveries, in delivery order (monotonic for a fixed ackWait). */
  readonly deadlines = new Fifo<{ readonly at: number; readonly seq: number; readonly token: number }>();
  /** When the group's ack-wait task is due in the timer queue (Infinity: none scheduled). */
  ackTimerAt = Infinity;
  private tokens = 0;
  private pumpScheduled = false;

  constructor(
    readonly stream: Stream,
    readonly durable: string,
    readonly filter: string | undefined,
    config: ConsumerConfig | undefined,
  ) {
    this.settings = settingsOf(config, stream.name, durable);
  }

  wants(subject: string): boolean {
    return this.filter === undefined || subjectMatches(this.filter, subject);
  }

  enqueue(seq: number, subject: string, attempts = 0): void {
    const p: Pending = { key: subject, attempts, token: 0, phase: 'queued' };
    this.pending.set(seq, p);
    this.place(seq, p);
  }

  /** Put a pending message where the group's ordering wants it (its subject's queue, or ready at once). */
  private place(seq: number, p: Pending): void {
    if (!this.settings.ordered) {
      p.key = seq;
      if (p.phase === 'queued') this.ready.add(seq);
      return;
    }
    const subject = p.key as string;
    let q = this.queues.get(subject);
    if (q === undefined) {
      q = new Fifo<number>();
      this.queues.set(subject, q);
    }
    q.push(seq);
    if (q.length === 1 && p.phase === 'queued') this.ready.add(subject);
  }

  /**
   * Switch between per-subject ordering and a parallel work queue (a consumer joined with another
   * `ordered` setting): re-key every pending message. Messages already in flight stay in flight.
   */
  reorder(ordered: boolean, subjectOf: (seq: number) => string | undefined): void {
    if (this.settings.ordered === ordered) return;
    this.settings = { ...this.settings, ordered };
    this.queues.clear();
    this.ready.clear();
    // The pending map is in stream order (each sequence number is enqueued once).
    for (const [seq, p] of this.pending) {
      const subject = subjectOf(seq);
      if (subject === undefined) continue;
      p.key = subject;
      this.place(seq, p);
    }
  }

  /** Remove a settled or dropped message; in an ordered group the next one of its subject becomes ready. */
  removeHead(seq: number): void {
    const p = this.pending.get(seq);
    if (p === undefined) return;
    this.pending.delete(seq);
    if (p.phase === 'inflight') this.inFlight--;
    const key = p.key;
    if (typeof key === 'number') {
      this.ready.delete(key);
      return;
    }
    const q = this.queues.get(key);
    if (q === undefined) return;
    if (q.peek() === seq) q.shift();
    else q.retain((s) => s !== seq);
    if (q.length === 0) {
      this.queues.delete(key);
      this.ready.delete(key);
    } else {
      this.ready.add(key);
    }
  }

  /** The sequence number a ready key stands for: the head of a subject's queue, or the number itself. */
  headOf(key: ReadyKey): number | undefined {
    return typeof key === 'number' ? key : this.queues.get(key)?.peek();
  }

  nextToken(): number {
    return ++this.tokens;
  }

  nextMember(): Member | undefined {
    if (this.members.length === 0) return undefined;
    const m = this.members[this.rr % this.members.length];
    this.rr = (this.rr + 1) % 1_000_000_007;
    return m;
  }

  schedulePump(pump: (g: Group) => void): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      pump(this);
    });
  }
}

/** One stream: its messages and groups. */
class Stream {
  readonly messages = new Map<number, StoredMessage>();
  readonly ids = new Map<string, number>();
  readonly recentIds = new Fifo<string>();
  readonly recentIdSet = new Map<string, number>();
  readonly groups = new Map<string, Group>();
  readonly waiters: Waiter[] = [];
  bytes = 0;
  lastSeq = 0;

  constructor(public config: StreamConfig) {}

  get name(): string {
    return this.config.name;
  }

  get maxMessages(): number {
    return this.config.maxMessages ?? DEFAULT_MAX_MESSAGES;
  }

  captures(subject: string): boolean {
    return this.config.subjects.some((p) => subjectMatches(p, subject));
  }

  full(bytes: number): boolean {
    if (this.messages.size >= this.maxMessages) return true;
    const maxBytes = this.config.maxBytes;
    return maxBytes !== undefined && this.messages.size > 0 && this.bytes + bytes > maxBytes;
  }

  rememberRemovedId(id: string, seq: number): void {
    this.recentIds.push(id);
    this.recentIdSet.set(id, seq);
    while (this.recentIds.length > DEDUPE_WINDOW) {
      const old = this.recentIds.shift();
      if (old !== undefined) this.recentIdSet.delete(old);
    }
  }
}

/** Stream store + durable consumers of one in-memory transport. */
export class MemoryStreams {
  private readonly streams = new Map<string, Stream>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly journal: StreamJournal | undefined;
  private readonly timers: TimerQueue;
  private readonly members = new Set<Member>();
  private draining = false;
  private closed = false;
  private replaying = false;

  constructor(readonly options: MemoryStreamsOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.timers = new TimerQueue(this.clock);
    if (options.journal !== undefined) {
      if (!isStreamJournal(options.journal)) {
        throw new CellularError('INVALID_CONFIG', 'journal must implement StreamJournal (load, append, setSnapshot, flush, close), e.g. createFileJournal()');
      }
      this.journal = options.journal;
      this.replay(this.journal.load());
      this.journal.setSnapshot(() => this.snapshot());
    }
  }

  /** Create or verify a stream. Reconfiguring an existing stream updates its limits. */
  ensureStream(config: StreamConfig): Promise<void> {
    try {
      this.assertOpen('ensureStream');
      const normalized = this.validateStream(config);
      const existing = this.streams.get(config.name);
      if (existing !== undefined && JSON.stringify(existing.config) === JSON.stringify(normalized)) return Promise.resolve();
      if (existing !== undefined) existing.config = normalized;
      else this.streams.set(config.name, new Stream(normalized));
      return this.record({ t: 'stream', config: normalized });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new CellularError('INTERNAL', String(e)));
    }
  }

  /** Store a message in the stream that captures its subject. */
  async publishDurable(envelope: Envelope, options?: { readonly timeout?: number }): Promise<PublishAck> {
    this.assertOpen('publishDurable');
    assertSubject(envelope.subject);
    const stream = this.streamFor(envelope.subject);
    if (stream === undefined) {
      throw new CellularError('NOT_FOUND', `No stream captures subject "${envelope.subject}"`, { data: { subject: envelope.subject } });
    }
    const timeout = options?.timeout ?? this.options.defaultBlockTimeoutMs ?? 5000;
    const deadline = this.clock.now() + timeout;
    for (;;) {
      this.assertOpen('publishDurable');
      const result = this.store(stream, envelope);
      if (result.kind === 'duplicate') return { stream: stream.name, seq: result.seq, duplicate: true };
      if (result.kind === 'stored') {
        await result.durable;
        return { stream: stream.name, seq: result.seq, duplicate: false };
      }
      await this.waitForCapacity(stream, deadline, timeout);
    }
  }

  /** Start a durable consumer (a member of the group named `config.durable`). */
  consume(config: ConsumerConfig, handler: DurableHandler): TransportSubscription {
    this.assertOpen('consume');
    const stream = this.streams.get(config.stream);
    if (stream === undefined) {
      throw new CellularError('NOT_FOUND', `Stream "${config.stream}" does not exist`, { data: { stream: config.stream } });
    }
    if (!STREAM_NAME.test(config.durable)) {
      throw new CellularError('INVALID_CONFIG', `Durable name "${config.durable}" may contain only letters, digits, "_" and "-"`, {
        data: { durable: config.durable },
      });
    }
    if (config.filterSubject !== undefined) assertPattern(config.filterSubject);
    positive(config.maxDeliver, 'maxDeliver', 5);
    positive(config.ackWaitMs, 'ackWaitMs', 30_000);
    positive(config.maxAckPending, 'maxAckPending', 1000);
    let group = stream.groups.get(config.durable);
    if (group === undefined) {
      group = this.createGroup(stream, config.durable, config.filterSubject, config);
    } else {
      if (group.filter !== config.filterSubject) {
        throw new CellularError('CONFLICT', `Consumer "${config.durable}" on "${stream.name}" already has filter "${group.filter ?? '(none)'}"`, {
          data: { stream: stream.name, durable: config.durable },
        });
      }
      const settings = settingsOf(config, stream.name, config.durable);
      group.reorder(settings.ordered, (seq) => stream.messages.get(seq)?.envelope.subject);
      group.settings = settings;
    }
    return this.addMember(group, handler, config);
  }

  /** Stop handing out messages and wait for in-flight durable handlers. */
  async drain(): Promise<void> {
    this.draining = true;
    await Promise.all([...this.members].flatMap((m) => [...m.inFlight]));
    await this.journal?.flush();
  }

  /** Stop everything now (timers included); the journal is flushed and closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.draining = true;
    this.timers.stop();
    for (const m of [...this.members]) m.end();
    for (const s of this.streams.values()) {
      for (const w of s.waiters.splice(0)) w.retry();
    }
    await this.journal?.close();
  }

  // ---- streams ----------------------------------------------------------------------------------

  private validateStream(config: StreamConfig): StreamConfig {
    if (typeof config.name !== 'string' || !STREAM_NAME.test(config.name)) {
      throw new CellularError('INVALID_CONFIG', `Stream name "${config.name}" may contain only letters, digits, "_" and "-"`, {
        data: { name: config.name },
      });
    }
    const subjects: unknown = config.subjects;
    if (!Array.isArray(subjects) || subjects.length === 0) {
      throw new CellularError('INVALID_CONFIG', `Stream "${config.name}" needs at least one subject`, { data: { name: config.name } });
    }
    for (const s of config.subjects) assertPattern(s);
    for (const other of this.streams.values()) {
      if (other.name === config.name) continue;
      for (const a of config.subjects) {
        for (const b of other.config.subjects) {
          if (patternsOverlap(a, b)) {
            throw new CellularError('CONFLICT', `Stream "${config.name}" subject "${a}" overlaps "${b}" of stream "${other.name}"`, {
              data: { stream: config.name, other: other.name },
            });
          }
        }
      }
    }
    const overflow = config.overflow ?? 'reject';
    if (overflow !== 'reject' && overflow !== 'drop-oldest' && overflow !== 'block') {
      throw new CellularError('INVALID_CONFIG', `Unknown overflow policy "${String(overflow)}"`, { data: { overflow } });
    }
    const out: { -readonly [K in keyof StreamConfig]: StreamConfig[K] } = {
      name: config.name,
      subjects: [...config.subjects],
      maxMessages: positive(config.maxMessages, 'maxMessages', DEFAULT_MAX_MESSAGES),
      overflow,
    };
    if (config.maxBytes !== undefined) out.maxBytes = positive(config.maxBytes, 'maxBytes', 0);
    if (config.maxAgeMs !== undefined) out.maxAgeMs = positive(config.maxAgeMs, 'maxAgeMs', 0);
    return out;
  }

  private streamFor(subject: string): Stream | undefined {
    for (const s of this.streams.values()) if (s.captures(subject)) return s;
    return undefined;
  }

  /** Try to store; never waits. */
  private store(
    stream: Stream,
    envelope: Envelope,
  ): { kind: 'stored'; seq: number; durable: Promise<void> } | { kind: 'duplicate'; seq: number } | { kind: 'full' } {
    this.expire(stream);
    const dup = stream.ids.get(envelope.id) ?? stream.recentIdSet.get(envelope.id);
    if (dup !== undefined) return { kind: 'duplicate', seq: dup };
    const env = structuredClone(envelope);
    env.attempt = 1;
    const bytes = stream.config.maxBytes === undefined ? 0 : Buffer.byteLength(JSON.stringify(env));
    if (stream.full(bytes)) {
      if (stream.config.overflow === 'drop-oldest') {
        while (stream.messages.size > 0 && stream.full(bytes)) this.dropOldest(stream);
      } else if (stream.config.overflow === 'block') {
        return { kind: 'full' };
      } else {
        throw new CellularError('BACKPRESSURE', `Stream "${stream.name}" is full (${stream.messages.size} messages)`, {
          data: { stream: stream.name, maxMessages: stream.maxMessages, maxBytes: stream.config.maxBytes },
        });
      }
    }
    const seq = ++stream.lastSeq;
    const at = this.clock.now();
    this.insert(stream, { seq, envelope: env, bytes, at, refs: 0 });
    return { kind: 'stored', seq, durable: this.record({ t: 'pub', stream: stream.name, seq, at, env }) };
  }

  private insert(stream: Stream, msg: StoredMessage): void {
    stream.messages.set(msg.seq, msg);
    stream.ids.set(msg.envelope.id, msg.seq);
    stream.bytes += msg.bytes;
    for (const g of stream.groups.values()) {
      if (!g.wants(msg.envelope.subject)) continue;
      msg.refs++;
      g.enqueue(msg.seq, msg.envelope.subject);
      this.schedulePump(g);
    }
  }

  private waitForCapacity(stream: Stream, deadline: number, timeout: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        reject(new CellularError('TIMEOUT', `Stream "${stream.name}" stayed full for ${timeout} ms`, { data: { stream: stream.name, timeout } }));
        return;
      }
      const waiter: Waiter = {
        retry: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const i = stream.waiters.indexOf(waiter);
        if (i >= 0) stream.waiters.splice(i, 1);
        resolve(); // the loop re-checks capacity, then fails on the deadline
      }, remaining);
      stream.waiters.push(waiter);
    });
  }

  private wakeWaiter(stream: Stream): void {
    stream.waiters.shift()?.retry();
  }

  /** Remove a message that every interested group has settled. */
  private removeSettled(stream: Stream, msg: StoredMessage): void {
    stream.messages.delete(msg.seq);
    stream.ids.delete(msg.envelope.id);
    stream.rememberRemovedId(msg.envelope.id, msg.seq);
    stream.bytes -= msg.bytes;
    this.wakeWaiter(stream);
  }

  /** Drop the oldest message because of the stream's limits, whatever groups think of it. */
  private dropOldest(stream: Stream): void {
    const first = stream.messages.values().next();
    if (first.done === true) return;
    const msg = first.value;
    for (const g of stream.groups.values()) {
      if (g.pending.has(msg.seq)) {
        g.removeHead(msg.seq);
        this.schedulePump(g);
      }
    }
    this.removeSettled(stream, msg);
    if (!this.replaying) void this.record({ t: 'del', stream: stream.name, seq: msg.seq }).catch(this.journalFailed);
    this.logger.debug('durable message dropped by stream limits', { stream: stream.name, seq: msg.seq });
  }

  private expire(stream: Stream): void {
    const maxAge = stream.config.maxAgeMs;
    if (maxAge === undefined) return;
    const cutoff = this.clock.now() - maxAge;
    for (;;) {
      const first = stream.messages.values().next();
      if (first.done === true || first.value.at > cutoff) return;
      this.dropOldest(stream);
    }
  }

  // ---- groups -----------------------------------------------------------------------------------

  private createGroup(stream: Stream, durable: string, filter: string | undefined, config: ConsumerConfig | undefined): Group {
    const group = new Group(stream, durable, filter, config);
    stream.groups.set(durable, group);
    for (const msg of stream.messages.values()) {
      if (!group.wants(msg.envelope.subject)) continue;
      msg.refs++;
      group.enqueue(msg.seq, msg.envelope.subject);
    }
    if (!this.replaying) {
      const rec: JournalRecord = filter === undefined ? { t: 'group', stream: stream.name, durable } : { t: 'group', stream: stream.name, durable, filter };
      void this.record(rec).catch(this.journalFailed);
    }
    return group;
  }

  private addMember(group: Group, handler: DurableHandler, config: ConsumerConfig): TransportSubscription {
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    let ended = false;
    const member: Member = {
      handler,
      inFlight: new Set(),
      end: () => {
        if (ended) return;
        ended = true;
        const i = group.members.indexOf(member);
        if (i >= 0) group.members.splice(i, 1);
        this.members.delete(member);
        resolveClosed();
      },
    };
    group.members.push(member);
    this.members.add(member);
    this.schedulePump(group);
    return {
      pattern: config.filterSubject ?? group.stream.config.subjects.join(','),
      queue: config.durable,
      unsubscribe: () => {
        member.end();
      },
      drain: async () => {
        const i = group.members.indexOf(member);
        if (i >= 0) group.members.splice(i, 1);
        await Promise.all([...member.inFlight]);
        member.end();
      },
      closed,
    };
  }

  private schedulePump(group: Group): void {
    if (this.closed || this.replaying) return;
    group.schedulePump(this.pump);
  }

  private readonly pump = (group: Group): void => {
    if (this.draining || this.closed) return;
    this.expire(group.stream);
    while (group.inFlight < group.settings.maxAckPending && group.ready.size > 0) {
      const member = group.nextMember();
      if (member === undefined) return;
      const key = group.ready.values().next().value as ReadyKey;
      group.ready.delete(key);
      const seq = group.headOf(key);
      // After a switch of ordering, the head of a subject may already be in flight.
      if (seq === undefined || group.pending.get(seq)?.phase !== 'queued') continue;
      this.deliver(group, member, seq);
    }
  };

  private deliver(group: Group, member: Member, seq: number): void {
    const p = group.pending.get(seq);
    const msg = group.stream.messages.get(seq);
    if (p === undefined || msg === undefined) return;
    if (p.attempts >= group.settings.maxDeliver) {
      // Deliveries already used up before a restart (the process died while handling it): a message
      // that crashes its consumer must not loop forever across restarts.
      void this.deadLetter(group, seq, `max deliveries reached (${p.attempts}, interrupted by a restart)`).catch(this.journalFailed);
      return;
    }
    p.attempts++;
    p.phase = 'inflight';
    const token = group.nextToken();
    p.token = token;
    group.inFlight++;
    const attempt = p.attempts;
    const stream = group.stream.name;
    void this.record({ t: 'try', stream, durable: group.durable, seq, n: attempt }).catch(this.journalFailed);
    group.deadlines.push({ at: this.clock.now() + group.settings.ackWaitMs, seq, token });
    this.armAckTimer(group);
    const envelope: Envelope = { ...msg.envelope, headers: { ...msg.envelope.headers }, attempt };
    let settled = false;
    const once = (fn: () => Promise<void>): Promise<void> => {
      if (settled || this.closed) return Promise.resolve();
      settled = true;
      return fn();
    };
    const message: DurableMessage = {
      envelope,
      deliveryAttempt: attempt,
      ack: () => once(() => this.settle(group, seq)),
      nack: (delayMs) => once(() => this.nack(group, seq, token, delayMs)),
      term: (reason) => once(() => this.deadLetter(group, seq, `terminated: ${reason ?? 'no reason given'}`)),
    };
    const run = (async () => {
      try {
        await member.handler(message);
        await message.ack();
      } catch (error) {
        this.logger.warn('durable handler failed; nacking', {
          stream,
          durable: group.durable,
          seq,
          attempt,
          error: error instanceof Error ? error.message : String(error),
        });
        try {
          await message.nack();
        } catch (nackError) {
          this.journalFailed(nackError);
        }
      }
    })();
    member.inFlight.add(run);
    void run.finally(() => member.inFlight.delete(run));
  }

  /** Ack (or the settling half of term / dead letter): the group never sees the message again. */
  private settle(group: Group, seq: number): Promise<void> {
    const p = group.pending.get(seq);
    if (p === undefined) return Promise.resolve();
    group.removeHead(seq);
    // Stale ack-wait deadlines of settled deliveries are dropped lazily; bound them here.
    if (group.deadlines.length > 2 * group.inFlight + 1024) {
      group.deadlines.retain((d) => group.pending.get(d.seq)?.token === d.token);
    }
    const msg = group.stream.messages.get(seq);
    if (msg !== undefined && --msg.refs <= 0) this.removeSettled(group.stream, msg);
    this.schedulePump(group);
    if (this.replaying) return Promise.resolve();
    return this.record({ t: 'ack', stream: group.stream.name, durable: group.durable, seq });
  }

  private nack(group: Group, seq: number, token: number, delayMs: number | undefined): Promise<void> {
    const p = group.pending.get(seq);
    if (p === undefined || p.token !== token || p.phase !== 'inflight') return Promise.resolve();
    group.inFlight--;
    p.phase = 'waiting';
    if (p.attempts >= group.settings.maxDeliver) {
      return this.deadLetter(group, seq, `max deliveries reached (${p.attempts})`);
    }
    const backoff = group.settings.backoffMs;
    const delay = delayMs ?? backoff[Math.min(p.attempts - 1, backoff.length - 1)] ?? 1000;
    this.timers.schedule(this.clock.now() + Math.max(0, delay), () => {
      if (p.token !== token || p.phase !== 'waiting' || group.pending.get(seq) !== p) return;
      p.phase = 'queued';
      group.ready.add(p.key);
      this.schedulePump(group);
    });
    this.schedulePump(group);
    return Promise.resolve();
  }

  /** One timer-queue task per group, for the earliest ack-wait deadline. */
  private armAckTimer(group: Group): void {
    const head = group.deadlines.peek();
    if (head === undefined || group.ackTimerAt <= head.at) return;
    group.ackTimerAt = head.at;
    this.timers.schedule(head.at, () => {
      group.ackTimerAt = Infinity;
      const now = this.clock.now();
      for (let d = group.deadlines.peek(); d !== undefined && d.at <= now; d = group.deadlines.peek()) {
        group.deadlines.shift();
        this.ackWaitExpired(group, d.seq, d.token);
      }
      this.armAckTimer(group);
    });
  }

  private ackWaitExpired(group: Group, seq: number, token: number): void {
    const p = group.pending.get(seq);
    if (p === undefined || p.token !== token || p.phase !== 'inflight') return;
    group.inFlight--;
    p.phase = 'waiting';
    if (p.attempts >= group.settings.maxDeliver) {
      void this.deadLetter(group, seq, `max deliveries reached (${p.attempts}, ack wait exceeded)`).catch(this.journalFailed);
      return;
    }
    this.logger.debug('ack wait exceeded; redelivering', { stream: group.stream.name, durable: group.durable, seq });
    p.phase = 'queued';
    group.ready.add(p.key);
    this.schedulePump(group);
  }

  /** Publish to the dead-letter subject (core, and durably where a stream captures it), then settle. */
  private deadLetter(group: Group, seq: number, reason: string): Promise<void> {
    const msg = group.stream.messages.get(seq);
    if (msg !== undefined) {
      const subject = group.settings.deadLetterSubject;
      const dead: Envelope = {
        ...msg.envelope,
        subject,
        headers: { ...msg.envelope.headers, [HEADERS.deadLetterReason]: reason, [HEADERS.originalSubject]: msg.envelope.subject },
        attempt: 1,
      };
      this.logger.warn('durable message dead-lettered', { stream: group.stream.name, durable: group.durable, seq, reason, subject });
      try {
        this.options.publishCore(dead);
      } catch (error) {
        this.logger.error('dead letter could not be published', { subject, error: error instanceof Error ? error.message : String(error) });
      }
      const target = this.streamFor(subject);
      if (target !== undefined && target !== group.stream) {
        try {
          const r = this.store(target, dead);
          if (r.kind === 'stored') void r.durable.catch(this.journalFailed);
          else if (r.kind === 'full') this.logger.error('dead-letter stream is full; dead letter kept on core pub/sub only', { stream: target.name });
        } catch (error) {
          this.logger.error('dead letter could not be stored', { stream: target.name, error: error instanceof Error ? error.message : String(error) });
        }
      }
    }
    return this.settle(group, seq);
  }

  // ---- journal ----------------------------------------------------------------------------------

  private record(rec: JournalRecord): Promise<void> {
    if (this.journal === undefined || this.replaying) return Promise.resolve();
    return this.journal.append(rec).catch((error: unknown) => {
      throw error instanceof CellularError ? error : new CellularError('TRANSPORT_ERROR', 'journal write failed', { cause: error });
    });
  }

  private readonly journalFailed = (error: unknown): void => {
    this.logger.error('journal write failed', { error: error instanceof Error ? error.message : String(error) });
  };

  /** Rebuild the state from journal records (no side effects: nothing is published or re-journaled). */
  private replay(records: readonly JournalRecord[]): void {
    this.replaying = true;
    try {
      for (const rec of records) {
        try {
          this.apply(rec);
        } catch (error) {
          this.logger.warn('journal record skipped', { type: rec.t, error: error instanceof Error ? error.message : String(error) });
        }
      }
    } finally {
      this.replaying = false;
    }
  }

  private apply(rec: JournalRecord): void {
    switch (rec.t) {
      case 'stream': {
        const existing = this.streams.get(rec.config.name);
        if (existing) existing.config = rec.config;
        else this.streams.set(rec.config.name, new Stream(rec.config));
        const s = this.streams.get(rec.config.name)!;
        if (rec.lastSeq !== undefined) s.lastSeq = Math.max(s.lastSeq, rec.lastSeq);
        return;
      }
      case 'group': {
        const s = this.streams.get(rec.stream);
        if (s !== undefined && !s.groups.has(rec.durable)) this.createGroup(s, rec.durable, rec.filter, undefined);
        return;
      }
      case 'pub': {
        const s = this.streams.get(rec.stream);
        if (s === undefined || s.messages.has(rec.seq)) return;
        s.lastSeq = Math.max(s.lastSeq, rec.seq);
        const bytes = s.config.maxBytes === undefined ? 0 : Buffer.byteLength(JSON.stringify(rec.env));
        this.insert(s, { seq: rec.seq, envelope: rec.env, bytes, at: rec.at, refs: 0 });
        return;
      }
      case 'try': {
        const p = this.streams.get(rec.stream)?.groups.get(rec.durable)?.pending.get(rec.seq);
        if (p !== undefined) p.attempts = Math.max(p.attempts, rec.n);
        return;
      }
      case 'ack': {
        const g = this.streams.get(rec.stream)?.groups.get(rec.durable);
        if (g !== undefined) void this.settle(g, rec.seq);
        return;
      }
      case 'del': {
        const s = this.streams.get(rec.stream);
        const msg = s?.messages.get(rec.seq);
        if (s === undefined || msg === undefined) return;
        for (const g of s.groups.values()) if (g.pending.has(rec.seq)) g.removeHead(rec.seq);
        this.removeSettled(s, msg);
        return;
      }
    }
  }

  /** The live state as journal records (what a compacted journal holds). */
  private *snapshot(): Generator<JournalRecord> {
    for (const s of this.streams.values()) {
      yield { t: 'stream', config: s.config, lastSeq: s.lastSeq };
      for (const msg of s.messages.values()) yield { t: 'pub', stream: s.name, seq: msg.seq, at: msg.at, env: msg.envelope };
      for (const g of s.groups.values()) {
        yield g.filter === undefined ? { t: 'group', stream: s.name, durable: g.durable } : { t: 'group', stream: s.name, durable: g.durable, filter: g.filter };
        for (const msg of s.messages.values()) {
          if (!g.wants(msg.envelope.subject)) continue;
          const p = g.pending.get(msg.seq);
          if (p === undefined) yield { t: 'ack', stream: s.name, durable: g.durable, seq: msg.seq };
          else if (p.attempts > 0) yield { t: 'try', stream: s.name, durable: g.durable, seq: msg.seq, n: p.attempts };
        }
      }
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new CellularError('TRANSPORT_CLOSED', `Cannot ${operation}: the transport is closed`, { data: { operation } });
  }
}
