/**
 * The Redis transport: core pub/sub on Redis PUBLISH/(P)SUBSCRIBE, request/reply over one reply
 * channel per instance, queue groups by claim, durable streams on Redis Streams consumer groups.
 *
 * Main design choices (the README has the long form):
 * - Three kinds of connection: one command connection (auto-pipelined, so everything issued in one
 *   tick leaves in one write), one subscriber connection for all pub/sub, and one blocking connection
 *   per durable consumer.
 * - NATS subject semantics on top of Redis globs: subscribe with a broader glob, filter exactly on
 *   receipt (subject-glob.ts). Several local subscriptions share one Redis subscription.
 * - Requests multiplex over `_INBOX.<instance>` with correlation ids and one deadline queue; a
 *   PUBLISH that reaches no subscriber fails NO_RESPONDERS at once.
 * - Queue groups: Redis pub/sub has none, so every member instance receives the message and the
 *   first `SET <prefix>q:<group>:<id> NX PX` wins; within one instance, members take turns.
 */
import {
  assertPattern,
  assertSubject,
  CellularError,
  jsonCodec,
  newMessageId,
  silentLogger,
  subjectMatches,
  toCellularError,
  type Codec,
  type ConsumerConfig,
  type DurableHandler,
  type Envelope,
  type Logger,
  type MessageHandler,
  type PublishAck,
  type StreamConfig,
  type Transport,
  type TransportCapabilities,
  type TransportRequestOptions,
  type TransportStatus,
  type TransportSubscribeOptions,
  type TransportSubscription,
} from '@cellular/core';
import { Redis, type RedisOptions } from 'ioredis';
import { DeadlineQueue, type DeadlineEntry } from './internal/deadline-queue.js';
import { QueueGroups } from './internal/queue-groups.js';
import { EnvelopeWire } from './internal/envelope-wire.js';
import { KeyLayout } from './internal/keys.js';
import { PublishBatcher } from './internal/publish-batcher.js';
import { LocalSubscription } from './internal/local-subscription.js';
import { StreamConsumer } from './internal/stream-consumer.js';
import { StreamStore } from './internal/stream-store.js';
import { subjectOfChannel, toRedisSubscription, type RedisSubscriptionKey } from './internal/subject-glob.js';

/** Options of {@link createRedisTransport}. */
export interface RedisTransportOptions {
  /** Redis URL. Defaults to `process.env.REDIS_URL`, then `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Extra ioredis options merged over the transport's (e.g. `tls`, `password`, `retryStrategy`). */
  readonly redis?: RedisOptions;
  /**
   * Prefix of every key and channel, so several deployments (or tests) share one Redis. Defaults to
   * `cellular:`.
   */
  readonly keyPrefix?: string;
  /** Envelope codec. Defaults to core's `jsonCodec`. */
  readonly codec?: Codec;
  readonly logger?: Logger;
  /** Largest encoded envelope in bytes; larger publishes fail PAYLOAD_TOO_LARGE. Defaults to 1 MiB. */
  readonly maxPayload?: number;
  /** Lifetime of a queue-group claim marker, in ms. Defaults to 30,000 ms. */
  readonly queueClaimTtlMs?: number;
  /**
   * How long a queue-group member stays listed without a heartbeat (sent every third of it). A
   * member of an instance that died without closing keeps its turns this long. Defaults to 10,000 ms.
   */
  readonly queueMemberTtlMs?: number;
  /** Window in which a durable publish with an already stored envelope id is a duplicate. Defaults to 120,000 ms. */
  readonly duplicateWindowMs?: number;
  /** Default timeout of `publishDurable`. Defaults to 5000 ms. */
  readonly publishTimeoutMs?: number;
  /** XREADGROUP / XAUTOCLAIM COUNT. Defaults to 500. */
  readonly readBatch?: number;
  /** XREADGROUP BLOCK in ms. Defaults to 2000 ms. */
  readonly blockMs?: number;
  /**
   * Durable consumers of a group idle this long with nothing pending (instances that died) are
   * removed by the live ones (`XGROUP DELCONSUMER`; at least 10 x `blockMs`). A consumer stopped
   * normally removes itself at once when nothing is pending on it. Defaults to 60,000 ms.
   */
  readonly deadConsumerIdleMs?: number;
  /**
   * What `capabilities.durability` declares. Redis keeps streams across a broker restart only with
   * AOF (`appendonly yes`, `appendfsync always` for no loss); declare `process` when your Redis runs
   * without it. Defaults to `persistent`.
   */
  readonly durability?: 'persistent' | 'process';
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

interface Route {
  readonly key: RedisSubscriptionKey;
  readonly subs: Set<LocalSubscription<Envelope>>;
  /** Its Redis SUBSCRIBE / PSUBSCRIBE. */
  readonly ready: Promise<unknown>;
}

/**
 * One outstanding request: a class, so a request costs one object and no closures besides the
 * promise's own; it is its own deadline-queue entry.
 */
class PendingRequest implements DeadlineEntry {
  slot = 0;
  private abort: { signal: AbortSignal; listener: () => void } | undefined;

  constructor(
    private readonly owner: RedisTransport,
    readonly correlationId: string,
    private readonly subject: string,
    private readonly timeout: number,
    private readonly resolveFn: (reply: Envelope) => void,
    private readonly rejectFn: (error: CellularError) => void,
  ) {}

  watch(signal: AbortSignal): void {
    const listener = (): void => {
      this.finish(new CellularError('CANCELLED', `Request to "${this.subject}" was aborted`, { data: { subject: this.subject } }), undefined);
    };
    signal.addEventListener('abort', listener, { once: true });
    this.abort = { signal, listener };
  }

  onExpire(): void {
    this.finish(
      new CellularError('TIMEOUT', `Request to "${this.subject}" timed out after ${this.timeout} ms`, {
        data: { subject: this.subject, timeout: this.timeout },
      }),
      undefined,
    );
  }

  noResponders(): void {
    this.finish(new CellularError('NO_RESPONDERS', `No responder for "${this.subject}"`, { data: { subject: this.subject } }), undefined);
  }

  /** Settle once: with `error`, or with `reply`. */
  finish(error: CellularError | undefined, reply: Envelope | undefined): void {
    if (!this.owner.forget(this)) return;
    if (this.abort) this.abort.signal.removeEventListener('abort', this.abort.listener);
    if (error) this.rejectFn(error);
    else this.resolveFn(reply!);
  }
}

/** A Transport on Redis. Create with {@link createRedisTransport}. */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  readonly capabilities: TransportCapabilities;
  /** Unique id of this instance (its reply subject is `_INBOX.<instanceId>`). */
  readonly instanceId: string;
  private readonly keys: KeyLayout;
  private readonly wire: EnvelopeWire;
  private readonly codec: Codec;
  private readonly logger: Logger;
  private readonly maxPayload: number;
  private readonly queues: QueueGroups;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly batcher: PublishBatcher;
  private readonly store: StreamStore;
  private readonly routes = new Map<string, Route>();
  /** The same routes by Redis channel and by Redis glob, for lookups on receipt without string building. */
  private readonly channelRoutes = new Map<string, Route>();
  private readonly patternRoutes = new Map<string, Route>();
  private readonly pendingSubscribes = new Set<Promise<unknown>>();
  private readonly pending = new Map<string, PendingRequest>();
  private readonly deadlines = new DeadlineQueue();
  private readonly inboxSubject: string;
  private readonly inboxChannel: string;
  private readonly consumers = new Set<StreamConsumer>();
  private readonly listeners = new Set<(status: TransportStatus) => void>();
  private readonly validSubjects = new Set<string>();
  private readonly options: RedisTransportOptions;
  private connecting: Promise<void> | undefined;
  private currentStatus: TransportStatus = 'idle';
  private everConnected = false;
  private requestCounter = 0;
  private consumerCounter = 0;

  constructor(options: RedisTransportOptions = {}) {
    this.options = options;
    this.keys = new KeyLayout(options.keyPrefix ?? 'cellular:');
    this.codec = options.codec ?? jsonCodec;
    this.logger = options.logger ?? silentLogger;
    this.maxPayload = options.maxPayload ?? 1024 * 1024;
    this.wire = new EnvelopeWire(this.codec, this.maxPayload);
    this.instanceId = newMessageId().toLowerCase();
    this.inboxSubject = `_INBOX.${this.instanceId}`;
    this.inboxChannel = this.keys.channel(this.inboxSubject);
    this.capabilities = Object.freeze({
      durability: options.durability ?? 'persistent',
      pubsubDelivery: 'at-most-once',
      ordering: 'per-publisher',
      maxPayload: this.maxPayload,
      wildcards: true,
      queueGroups: true,
      headers: true,
      noResponders: true,
      nackDelay: true,
      deadLetter: true,
    });
    const url = options.url ?? process.env.REDIS_URL ?? DEFAULT_URL;
    const base: RedisOptions = { lazyConnect: true, enableAutoPipelining: true, ...options.redis };
    this.cmd = new Redis(url, { ...base, connectionName: `cellular-cmd-${this.instanceId}` });
    this.sub = new Redis(url, { ...base, enableAutoPipelining: false, connectionName: `cellular-sub-${this.instanceId}` });
    this.batcher = new PublishBatcher(this.cmd, (e) => this.wrap(e));
    this.queues = new QueueGroups(this.cmd, this.keys, this.instanceId, options.queueClaimTtlMs ?? 30_000, options.queueMemberTtlMs ?? 10_000, this.logger);
    for (const conn of [this.cmd, this.sub]) {
      conn.on('error', (e: unknown) => {
        this.logger.warn('redis connection error', { error: String(e) });
      });
      conn.on('ready', () => {
        this.updateStatus();
        if (conn === this.cmd) this.queues.refresh();
      });
      conn.on('reconnecting', () => {
        this.updateStatus();
      });
      conn.on('close', () => {
        this.updateStatus();
      });
    }
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      this.onMessage(channel.toString(), undefined, message);
    });
    this.sub.on('pmessageBuffer', (pattern: string | Buffer, channel: Buffer, message: Buffer) => {
      this.onMessage(channel.toString(), pattern.toString(), message);
    });
    this.store = new StreamStore({
      redis: this.cmd,
      keys: this.keys,
      duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
      publishTimeoutMs: options.publishTimeoutMs ?? 5000,
      encode: (env) => this.encode(env),
      deadlines: this.deadlines,
      batcher: this.batcher,
      publishCore: (env) => this.publish(env),
    });
  }

  /** Lifecycle state: `connected` once both the command and the subscriber connection are ready. */
  get status(): TransportStatus {
    return this.currentStatus;
  }

  /** Listen for status changes (`reconnecting` while ioredis reconnects); returns the remover. */
  onStatusChange(listener: (status: TransportStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connect both connections and subscribe the reply channel (idempotent). Rejects TRANSPORT_ERROR. */
  connect(): Promise<void> {
    this.assertOpen();
    this.connecting ??= (async () => {
      this.setStatus('connecting');
      try {
        await Promise.all([whenConnected(this.cmd), whenConnected(this.sub)]);
        await this.sub.subscribe(this.inboxChannel);
      } catch (e) {
        this.connecting = undefined;
        this.setStatus('idle');
        throw new CellularError('TRANSPORT_ERROR', `Cannot connect to Redis: ${String(e)}`, { cause: e });
      }
      this.updateStatus();
    })();
    return this.connecting;
  }

  /** Close now: pending requests reject TRANSPORT_CLOSED, consumers stop, connections are dropped. */
  async close(): Promise<void> {
    if (this.currentStatus === 'closed') return;
    this.setStatus('closed');
    const closedError = new CellularError('TRANSPORT_CLOSED', 'Transport closed');
    for (const p of [...this.pending.values()]) p.finish(closedError, undefined);
    this.deadlines.clear();
    // Leave the queue groups first (awaited, so the ZREM is sent before the connection goes).
    await this.queues.close();
    for (const route of this.routes.values()) for (const s of route.subs) s.unsubscribe();
    this.routes.clear();
    this.channelRoutes.clear();
    this.patternRoutes.clear();
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  /** Stop intake, wait for in-flight handlers and requests, flush acks, then close. */
  async drain(): Promise<void> {
    if (this.currentStatus === 'closed') return;
    this.setStatus('draining');
    const subs = [...this.routes.values()].flatMap((r) => [...r.subs]);
    await Promise.all([...subs.map((s) => s.drain()), ...[...this.consumers].map((c) => c.subscription.drain())]);
    // Let outstanding requests finish or time out (they are bounded by their own timeouts).
    while (this.pending.size > 0) await new Promise((r) => setTimeout(r, 10));
    if (this.cmd.status === 'ready') await this.cmd.quit().catch(() => undefined);
    await this.close();
  }

  /**
   * Publish on core pub/sub (at-most-once). Pipelined with every publish of the same tick; the
   * promise resolves once Redis accepted the batch. Throws INVALID_SUBJECT, PAYLOAD_TOO_LARGE or
   * TRANSPORT_CLOSED synchronously.
   */
  publish(envelope: Envelope): Promise<void> {
    this.assertOpen();
    this.checkSubject(envelope.subject);
    const bytes = this.encode(envelope);
    const channel = this.keys.channel(envelope.subject);
    // A publish right after a local subscribe must not overtake it (they use two connections).
    if (this.pendingSubscribes.size > 0 || this.connecting === undefined) {
      return this.whenReady().then(() => this.batcher.publish(channel, bytes).done);
    }
    return this.batcher.publish(channel, bytes).done;
  }

  /** Publish and resolve with the number of Redis subscribers that received the message. */
  private publishCounted(channel: string, bytes: string | Buffer): Promise<number> {
    if (this.pendingSubscribes.size > 0 || this.connecting === undefined) {
      return this.whenReady().then(() => this.publishCounted(channel, bytes));
    }
    const slot = this.batcher.publish(channel, bytes);
    return slot.results.then((results) => {
      const [err, receivers] = results[slot.index] ?? [null, 0];
      if (err) throw this.wrap(err);
      return receivers as number;
    });
  }

  /** Connected, and every local subscribe issued so far acknowledged by Redis. */
  private async whenReady(): Promise<void> {
    await (this.connecting ?? this.connect());
    if (this.pendingSubscribes.size > 0) await Promise.all(this.pendingSubscribes);
  }

  /** Subscribe to a subject or NATS pattern, optionally in a queue group (claim-based, see README). */
  subscribe(pattern: string, handler: MessageHandler, options?: TransportSubscribeOptions): TransportSubscription {
    this.assertOpen();
    assertPattern(pattern);
    const queue = options?.queue;
    if (queue !== undefined && (typeof queue !== 'string' || queue.length === 0 || /\s/u.test(queue) || queue.includes('\0'))) {
      throw new CellularError('INVALID_CONFIG', `Queue group name ${JSON.stringify(queue)} is invalid`, { data: { queue } });
    }
    if (this.connecting === undefined) void this.connect().catch(() => undefined);
    const key = toRedisSubscription(this.keys.prefix, pattern);
    const routeId = key.kind[0]! + key.key;
    let route = this.routes.get(routeId);
    if (!route) {
      const ready = key.kind === 'channel' ? this.sub.subscribe(key.key) : this.sub.psubscribe(key.key);
      const created: Route = { key, subs: new Set(), ready };
      route = created;
      this.routes.set(routeId, created);
      (key.kind === 'channel' ? this.channelRoutes : this.patternRoutes).set(key.key, created);
      this.trackSubscribe(ready);
    }
    const owner = route;
    const subscription: LocalSubscription<Envelope> = new LocalSubscription<Envelope>(pattern, queue, handler, this.logger, () => {
      owner.subs.delete(subscription);
      if (queue !== undefined) this.queues.leave(subscription);
      if (owner.subs.size === 0 && this.routes.get(routeId) === owner) {
        this.routes.delete(routeId);
        (owner.key.kind === 'channel' ? this.channelRoutes : this.patternRoutes).delete(owner.key.key);
        if (this.currentStatus !== 'closed') {
          const off = owner.key.kind === 'channel' ? this.sub.unsubscribe(owner.key.key) : this.sub.punsubscribe(owner.key.key);
          void off.catch(() => undefined);
        }
      }
    });
    route.subs.add(subscription);
    // Listed as a group member once its SUBSCRIBE is active; a publish waits for that (whenReady).
    if (queue !== undefined) this.trackSubscribe(this.queues.join(subscription, queue, route.ready));
    return subscription;
  }

  /** Request over the instance reply channel. Rejects TIMEOUT, NO_RESPONDERS, CANCELLED or TRANSPORT_CLOSED. */
  request(envelope: Envelope, options: TransportRequestOptions): Promise<Envelope> {
    try {
      this.assertOpen();
      this.checkSubject(envelope.subject);
    } catch (e) {
      return Promise.reject(toCellularError(e, 'INTERNAL'));
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new CellularError('CANCELLED', 'Request aborted before it was sent'));
    let correlationId = envelope.correlationId ?? envelope.id;
    if (this.pending.has(correlationId)) correlationId = `${envelope.id}.${++this.requestCounter}`;
    const request: Envelope = { ...envelope, replyTo: this.inboxSubject, correlationId };
    let bytes: string | Buffer;
    try {
      bytes = this.encode(request);
    } catch (e) {
      return Promise.reject(toCellularError(e, 'INTERNAL'));
    }
    const channel = this.keys.channel(envelope.subject);
    return new Promise<Envelope>((resolve, reject) => {
      const entry = new PendingRequest(this, correlationId, envelope.subject, options.timeout, resolve, reject);
      entry.slot = this.deadlines.schedule(options.timeout, entry);
      if (signal) entry.watch(signal);
      this.pending.set(correlationId, entry);
      this.publishCounted(channel, bytes).then(
        (receivers) => {
          if (receivers === 0) entry.noResponders();
        },
        (e: unknown) => {
          entry.finish(this.wrap(e), undefined);
        },
      );
    });
  }

  /** @internal called by a settling {@link PendingRequest} */
  forget(entry: PendingRequest): boolean {
    if (this.pending.get(entry.correlationId) !== entry) return false;
    this.pending.delete(entry.correlationId);
    this.deadlines.unschedule(entry.slot, entry);
    return true;
  }

  /** Create or update a durable stream in the shared registry (idempotent). */
  async ensureStream(config: StreamConfig): Promise<void> {
    this.assertOpen();
    await (this.connecting ?? this.connect());
    try {
      await this.store.ensureStream(config);
    } catch (e) {
      throw this.wrap(e);
    }
  }

  /** Delete a durable stream with everything it stored (not part of `Transport`; for tests and operations). */
  async deleteStream(name: string): Promise<void> {
    this.assertOpen();
    try {
      await this.store.deleteStream(name);
    } catch (e) {
      throw this.wrap(e);
    }
  }

  /** Store in the stream capturing the subject (deduplicated by envelope id). Rejects NOT_FOUND, BACKPRESSURE, TIMEOUT. */
  publishDurable(envelope: Envelope, options?: { readonly timeout?: number }): Promise<PublishAck> {
    try {
      this.assertOpen();
      this.checkSubject(envelope.subject);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return this.store.publishDurable(envelope, options?.timeout).catch(this.rethrowWrapped);
  }

  /** `catch` handler of durable publishes: every rejection leaves as a CellularError. */
  private readonly rethrowWrapped = (e: unknown): never => {
    throw this.wrap(e);
  };

  /** Consume a stream as a member of the consumer group `config.durable`. */
  consume(config: ConsumerConfig, handler: DurableHandler): TransportSubscription {
    this.assertOpen();
    if (typeof config.durable !== 'string' || !/^[A-Za-z0-9_-]+$/u.test(config.durable)) {
      throw new CellularError('INVALID_CONFIG', `Durable name ${JSON.stringify(config.durable)} is invalid: use letters, digits, _ and -`, {
        data: { field: 'durable' },
      });
    }
    if (config.filterSubject !== undefined) assertPattern(config.filterSubject);
    if (this.connecting === undefined) void this.connect().catch(() => undefined);
    const consumer = new StreamConsumer(
      {
        cmd: this.cmd,
        connectBlocking: () => {
          const conn = this.cmd.duplicate({
            enableAutoPipelining: false,
            maxRetriesPerRequest: null,
            lazyConnect: false,
            connectionName: `cellular-consumer-${this.instanceId}`,
          });
          conn.on('error', (e: unknown) => {
            this.logger.warn('redis consumer connection error', { error: String(e) });
          });
          return conn;
        },
        keys: this.keys,
        store: this.store,
        wire: this.wire,
        logger: this.logger,
        readBatch: this.options.readBatch ?? 500,
        blockMs: this.options.blockMs ?? 2000,
        deadConsumerIdleMs: this.options.deadConsumerIdleMs ?? 60_000,
      },
      config,
      `${this.instanceId}-${++this.consumerCounter}`,
      handler,
    );
    this.consumers.add(consumer);
    void consumer.subscription.closed.then(() => this.consumers.delete(consumer));
    consumer.start();
    return consumer.subscription;
  }

  // ---------------------------------------------------------------- internals

  private onMessage(channel: string, pattern: string | undefined, message: Buffer): void {
    if (pattern === undefined && channel === this.inboxChannel) {
      this.onReply(message);
      return;
    }
    const route = pattern === undefined ? this.channelRoutes.get(channel) : this.patternRoutes.get(pattern);
    if (!route) return;
    // On a plain channel every local subscription has exactly this subject: no filtering needed.
    const exact = pattern === undefined;
    const subject = exact ? '' : subjectOfChannel(this.keys.prefix, channel);
    if (subject === undefined) return;
    let envelope: Envelope | undefined;
    let groups: Map<string, LocalSubscription<Envelope>[]> | undefined;
    for (const s of route.subs) {
      if (!s.isActive || (!exact && !subjectMatches(s.pattern, subject))) continue;
      if (envelope === undefined) {
        try {
          envelope = this.wire.decode(message);
        } catch (e) {
          this.logger.warn('dropping malformed message', { channel, error: String(e) });
          return;
        }
      }
      if (s.queue === undefined) void s.deliver(envelope);
      else {
        groups ??= new Map();
        const members = groups.get(s.queue);
        if (members) members.push(s);
        else groups.set(s.queue, [s]);
      }
    }
    if (groups && envelope) for (const [group, members] of groups) this.claimAndDeliver(group, members, envelope);
  }

  private claimAndDeliver(group: string, members: LocalSubscription<Envelope>[], envelope: Envelope): void {
    this.queues.claim(group, envelope.subject, envelope, members).then(
      (member) => {
        void member?.deliver(envelope);
      },
      (e: unknown) => {
        this.logger.warn('queue claim failed; message dropped (at-most-once)', { group, error: String(e) });
      },
    );
  }

  private onReply(message: Buffer): void {
    let reply: Envelope;
    try {
      reply = this.wire.decode(message);
    } catch (e) {
      this.logger.warn('dropping malformed reply', { error: String(e) });
      return;
    }
    const id = reply.correlationId;
    if (id === undefined) return;
    this.pending.get(id)?.finish(undefined, reply);
  }

  private trackSubscribe(p: Promise<unknown>): void {
    const tracked = p.catch((e: unknown) => {
      this.logger.error('redis subscribe failed', { error: String(e) });
    });
    this.pendingSubscribes.add(tracked);
    void tracked.finally(() => this.pendingSubscribes.delete(tracked));
  }

  private encode(envelope: Envelope): string | Buffer {
    return this.wire.encode(envelope);
  }

  private checkSubject(subject: string): void {
    if (this.validSubjects.has(subject)) return;
    assertSubject(subject);
    if (this.validSubjects.size >= 10_000) this.validSubjects.clear();
    this.validSubjects.add(subject);
  }

  private assertOpen(): void {
    if (this.currentStatus === 'closed') throw new CellularError('TRANSPORT_CLOSED', 'Transport is closed');
  }

  private wrap(e: unknown): CellularError {
    if (e instanceof CellularError) return e;
    if (this.currentStatus === 'closed') return new CellularError('TRANSPORT_CLOSED', 'Transport is closed', { cause: e });
    return new CellularError('TRANSPORT_ERROR', `Redis command failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }

  private updateStatus(): void {
    if (this.currentStatus === 'closed' || this.currentStatus === 'draining' || this.connecting === undefined) return;
    if (this.cmd.status === 'ready' && this.sub.status === 'ready') {
      this.everConnected = true;
      this.setStatus('connected');
    } else this.setStatus(this.everConnected ? 'reconnecting' : 'connecting');
  }

  private setStatus(status: TransportStatus): void {
    if (this.currentStatus === status) return;
    this.currentStatus = status;
    for (const l of this.listeners) {
      try {
        l(status);
      } catch (e) {
        this.logger.warn('status listener threw', { error: String(e) });
      }
    }
  }
}

/**
 * Resolve once `conn` is ready: start a lazy connection, or wait for one that a first command (or
 * ioredis's reconnect) already started. Rejects when the connection ends.
 */
function whenConnected(conn: Redis): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve();
  if (conn.status === 'wait') return conn.connect();
  return new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      conn.off('end', onEnd);
      resolve();
    };
    const onEnd = (): void => {
      conn.off('ready', onReady);
      reject(new Error('connection ended'));
    };
    conn.once('ready', onReady);
    conn.once('end', onEnd);
  });
}

/**
 * Create a Redis transport.
 *
 * @example
 * ```ts
 * const transport = createRedisTransport({ keyPrefix: 'shop:' });
 * await transport.connect();
 * ```
 */
export function createRedisTransport(options: RedisTransportOptions = {}): RedisTransport {
  return new RedisTransport(options);
}
