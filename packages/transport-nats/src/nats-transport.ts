/**
 * The Cellular {@link Transport} on NATS: core NATS for publish/subscribe/request, JetStream for
 * durable streams. Two choices shape it:
 * - Requests and JetStream publish acks share ONE reply subscription and ONE timer (see
 *   `internal/reply-mux.ts`) instead of the client's per-request inbox bookkeeping and timers.
 * - Envelope metadata travels in NATS headers and the payload is the body, so the messages are
 *   ordinary NATS messages any NATS tool can read, and JetStream deduplicates on the envelope id.
 * Reconnects are the client's (subscriptions and consumers are restored by nats.js). Publishes made
 * while disconnected are buffered HERE, in order and up to `maxPendingPublishes`: nats.js v3 resets
 * its outbound buffer on every reconnect attempt, so anything it buffered while down would be lost.
 */
import { connect, nuid, type NatsConnection, type NodeConnectionOptions, type Subscription } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import {
  CellularError,
  assertPattern,
  assertSubject,
  isWildcardPattern,
  jsonCodec,
  silentLogger,
  subjectMatches,
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
import { MsgHdrsImpl, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { ReplyMux } from './internal/reply-mux.js';
import { decodeCoreMessage, encodeBody, encodeMessage, headerBlock, replyOf } from './internal/envelope-message.js';
import { FrameWriter } from './internal/frame-writer.js';
import { DEFAULTS, resolveConsumer, streamDiff, toJsStreamConfig } from './internal/jetstream-config.js';
import { DurableConsumer } from './internal/durable-consumer.js';
import { fromNatsError, isNotFound } from './internal/nats-errors.js';

/** Options for {@link createNatsTransport}. */
export interface NatsTransportOptions {
  /** Server URL(s). Defaults to `process.env.NATS_URL`, else `nats://127.0.0.1:4222`. */
  readonly servers?: string | readonly string[];
  /** Connection name shown by the server (`nats server report connections`). Defaults to `cellular`. */
  readonly name?: string;
  /** Payload codec. Defaults to core's `jsonCodec`. */
  readonly codec?: Codec;
  /**
   * Most publishes (core and durable) accepted while disconnected; they are buffered by the transport
   * and sent on reconnect. Past the bound a publish throws BACKPRESSURE. Defaults to 10,000. Requests
   * are never buffered: while disconnected they are refused at once with TRANSPORT_ERROR.
   */
  readonly maxPendingPublishes?: number;
  /** Reconnect attempts before giving up and closing; `-1` retries forever. Defaults to -1. */
  readonly maxReconnectAttempts?: number;
  /** Milliseconds between reconnect attempts to the same server. Defaults to 1000 ms. */
  readonly reconnectTimeWaitMs?: number;
  /** Timeout of a durable publish's ack when the caller gives none. Defaults to 5000 ms. */
  readonly durablePublishTimeoutMs?: number;
  /** JetStream storage for streams this transport creates. Defaults to `file` (survives restarts). */
  readonly storage?: 'file' | 'memory';
  /** JetStream duplicate-detection window for streams this transport creates. Defaults to 120,000 ms. */
  readonly duplicateWindowMs?: number;
  /**
   * Durable consumers this transport creates are deleted by the server after this long with no
   * client pulling from them (JetStream `inactive_threshold`), so consumers of apps that went away
   * do not accumulate. Unset (the default), a durable consumer stays until deleted: it is the
   * group's position in the stream, kept across restarts. Use it for generated durable names.
   */
  readonly consumerInactiveMs?: number;
  /** Logger for events no caller can receive (handler errors, reconnects). Defaults to silent. */
  readonly logger?: Logger;
  /** Extra nats.js connection options (auth, TLS, ...), applied last. */
  readonly connectionOptions?: Partial<NodeConnectionOptions>;
}

/**
 * The NATS transport: core's {@link Transport} plus the live NATS connection for advanced use.
 *
 * When the connection is lost (the client's `disconnect`), requests and durable publishes waiting for
 * their reply or ack reject at once with TRANSPORT_ERROR (`data: { subject, status: 'reconnecting' }`)
 * instead of at their timeouts: the reply is lost with the connection. A request made while
 * disconnected is refused at once with the same code; durable publishes are buffered (see
 * `maxPendingPublishes`) and wait for the reconnect within their timeout.
 */
export interface NatsTransport extends Transport {
  /** The underlying connection, once connected. */
  readonly connection: NatsConnection | undefined;
  /**
   * Fire and forget (synchronous: never returns a promise). While disconnected the message is buffered
   * (see `maxPendingPublishes`). Throws PAYLOAD_TOO_LARGE, TRANSPORT_CLOSED, INVALID_SUBJECT or BACKPRESSURE.
   */
  publish(envelope: Envelope): void;
  /** Listen for status changes (`reconnecting` on disconnect, `connected` on reconnect); returns the remover. */
  onStatusChange(listener: (status: TransportStatus) => void): () => void;
}

const DEFAULT_URL = 'nats://127.0.0.1:4222';
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const SUBJECT_CACHE_SIZE = 1024;
/** How long "does a stream capture this subject?" answers are reused. */
const STREAM_LOOKUP_TTL_MS = 10_000;

interface StreamRoute {
  readonly subjects: readonly string[];
  readonly overflow: 'reject' | 'drop-oldest' | 'block';
}

/** A publish held while disconnected: a ready frame, or the parts for `nc.publish`. */
type BufferedPublish =
  | { readonly subject: string; readonly frame: Uint8Array }
  | { readonly subject: string; readonly frame?: undefined; readonly data: Uint8Array; readonly headers: MsgHdrs; readonly reply: string | undefined };

/** The parts of the client's protocol handler the frame path uses (checked at connect). */
interface FrameSink {
  sendCommand(frame: Uint8Array): void;
  isClosed(): boolean;
  noMorePublishing: boolean;
  outMsgs: number;
  outBytes: number;
}

/** The client's protocol handler if it has the shape the frame path needs, else `undefined`. */
export function frameSink(nc: NatsConnection): FrameSink | undefined {
  const p = (nc as unknown as { protocol?: Partial<FrameSink> }).protocol;
  if (p === undefined || typeof p.sendCommand !== 'function' || typeof p.isClosed !== 'function') return undefined;
  if (typeof p.noMorePublishing !== 'boolean' || typeof p.outMsgs !== 'number' || nc.info?.headers === false) return undefined;
  return p as FrameSink;
}

interface JsPubAckWire {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

const decoder = new TextDecoder();

/**
 * Create a NATS transport. Nothing connects until `connect()`.
 *
 * @example
 * ```ts
 * const transport = createNatsTransport({ name: 'orders' });
 * await transport.connect();
 * transport.subscribe('orders.*', (env) => console.log(env.subject, env.payload));
 * transport.publish(createEnvelope({ subject: 'orders.created', payload: { id: 1 } }));
 * ```
 */
export function createNatsTransport(options: NatsTransportOptions = {}): NatsTransport {
  return new NatsTransportImpl(options);
}

class NatsTransportImpl implements NatsTransport {
  readonly name = 'nats';
  readonly #opts: NatsTransportOptions;
  readonly #codec: Codec;
  readonly #logger: Logger;
  readonly #maxPending: number;
  readonly #listeners = new Set<(s: TransportStatus) => void>();
  readonly #mux = new ReplyMux(`_INBOX.${nuid.next()}`);
  readonly #validSubjects = new Set<string>();
  readonly #routes = new Map<string, StreamRoute>();
  readonly #streamLookup = new Map<string, { readonly captured: boolean; readonly at: number }>();
  readonly #subs = new Set<TransportSubscription>();
  #status: TransportStatus = 'idle';
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: Promise<JetStreamManager> | undefined;
  #connecting: Promise<void> | undefined;
  #buffered: BufferedPublish[] = [];
  #sink: FrameSink | undefined;
  readonly #frames = new FrameWriter();
  #inflight = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: NatsTransportOptions) {
    this.#opts = options;
    this.#codec = options.codec ?? jsonCodec;
    this.#logger = options.logger ?? silentLogger;
    this.#maxPending = options.maxPendingPublishes ?? 10_000;
  }

  get status(): TransportStatus {
    return this.#status;
  }

  get connection(): NatsConnection | undefined {
    return this.#nc;
  }

  get capabilities(): TransportCapabilities {
    return {
      durability: this.#opts.storage === 'memory' ? 'process' : 'persistent',
      pubsubDelivery: 'at-most-once',
      ordering: 'per-publisher',
      maxPayload: this.#nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD,
      wildcards: true,
      queueGroups: true,
      headers: true,
      noResponders: true,
      nackDelay: true,
      deadLetter: true,
    };
  }

  onStatusChange(listener: (status: TransportStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #setStatus(s: TransportStatus): void {
    if (this.#status === s || this.#status === 'closed') return;
    this.#status = s;
    for (const l of this.#listeners) {
      try {
        l(s);
      } catch (e) {
        this.#logger.warn('nats: status listener threw', { error: String(e) });
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  connect(): Promise<void> {
    if (this.#status === 'closed' || this.#status === 'draining') {
      return Promise.reject(new CellularError('TRANSPORT_CLOSED', 'The NATS transport is closed', {}));
    }
    if (this.#nc !== undefined) return Promise.resolve();
    this.#connecting ??= this.#doConnect();
    return this.#connecting;
  }

  async #doConnect(): Promise<void> {
    this.#setStatus('connecting');
    const servers = this.#opts.servers ?? process.env.NATS_URL ?? DEFAULT_URL;
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: typeof servers === 'string' ? servers : [...servers],
        name: this.#opts.name ?? 'cellular',
        maxReconnectAttempts: this.#opts.maxReconnectAttempts ?? -1,
        reconnectTimeWait: this.#opts.reconnectTimeWaitMs ?? 1000,
        ...this.#opts.connectionOptions,
      });
    } catch (e) {
      this.#connecting = undefined;
      this.#setStatus('idle');
      throw new CellularError('TRANSPORT_ERROR', `Cannot connect to NATS at ${String(servers)}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        data: { servers: typeof servers === 'string' ? servers : [...servers] },
      });
    }
    if (this.#status === 'closed') {
      await nc.close();
      throw new CellularError('TRANSPORT_CLOSED', 'The NATS transport was closed while connecting', {});
    }
    this.#nc = nc;
    this.#sink = frameSink(nc);
    this.#js = jetstream(nc);
    this.#mux.start(nc);
    void this.#watchStatus(nc);
    void nc.closed().then(() => {
      this.#mux.rejectAll(new CellularError('TRANSPORT_CLOSED', 'The NATS connection closed', {}));
      this.#setStatus('closed');
    });
    this.#setStatus('connected');
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.#logger.warn('nats: disconnected', { server: s.server });
          this.#setStatus('reconnecting');
          // Replies and JetStream acks still owed to us are lost with the connection: fail the waiting
          // callers now rather than at their timeouts. (Their messages may have been handled or stored;
          // a durable publish retried with the same envelope id is stored once.)
          this.#mux.rejectAll(
            (what, subject) =>
              new CellularError('TRANSPORT_ERROR', `${what} failed: the NATS connection was lost before its reply arrived`, {
                data: { subject, status: 'reconnecting' },
              }),
          );
          break;
        case 'reconnect':
          this.#logger.info('nats: reconnected', { server: s.server });
          this.#flushBuffered(nc);
          if (this.#status === 'reconnecting') this.#setStatus('connected');
          break;
        case 'error':
          this.#logger.error('nats: server error', { error: s.error.message });
          break;
        case 'slowConsumer':
          this.#logger.warn('nats: slow consumer, messages dropped', { subject: s.sub.getSubject(), pending: s.pending });
          break;
        case 'reconnecting':
        case 'update':
        case 'ldm':
        case 'ping':
        case 'staleConnection':
        case 'forceReconnect':
        case 'close':
          break;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    const nc = this.#nc;
    this.#setStatus('closed');
    this.#mux.rejectAll(new CellularError('TRANSPORT_CLOSED', 'The NATS transport was closed', {}));
    this.#buffered = [];
    for (const s of this.#subs) s.unsubscribe();
    this.#subs.clear();
    if (nc !== undefined && !nc.isClosed()) await nc.close();
  }

  async drain(): Promise<void> {
    if (this.#status === 'closed') return;
    const nc = this.#nc;
    if (nc === undefined) {
      await this.close();
      return;
    }
    this.#setStatus('draining');
    // Subscriptions first (stop intake, finish handlers, which may still publish replies), then the
    // connection's own drain flushes what is buffered and closes.
    await Promise.all([...this.#subs].map((s) => s.drain().catch(() => undefined)));
    await this.#whenIdle();
    try {
      if (!nc.isClosed() && !nc.isDraining()) await nc.drain();
    } finally {
      this.#mux.rejectAll(new CellularError('TRANSPORT_CLOSED', 'The NATS transport was drained', {}));
      this.#buffered = [];
      this.#setStatus('closed');
    }
  }

  #whenIdle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #handlerDone = (): void => {
    if (--this.#inflight === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  /** The connection for an operation, or the reason there is none. */
  #live(op: string): NatsConnection {
    const nc = this.#nc;
    if (this.#status === 'closed' || this.#status === 'draining') {
      throw new CellularError('TRANSPORT_CLOSED', `Cannot ${op}: the NATS transport is ${this.#status}`, { data: { op } });
    }
    if (nc === undefined) {
      throw new CellularError('TRANSPORT_ERROR', `Cannot ${op}: the NATS transport is not connected; call connect() first`, { data: { op } });
    }
    return nc;
  }

  #checkSubject(subject: string): void {
    if (this.#validSubjects.has(subject)) return;
    assertSubject(subject);
    if (this.#validSubjects.size >= SUBJECT_CACHE_SIZE) this.#validSubjects.clear();
    this.#validSubjects.add(subject);
  }

  #checkSize(data: Uint8Array, subject: string): void {
    const max = this.#nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    if (data.length > max) {
      throw new CellularError('PAYLOAD_TOO_LARGE', `Payload of ${data.length} bytes for "${subject}" exceeds the server's max_payload of ${max}`, {
        data: { subject, size: data.length, maxPayload: max },
      });
    }
  }

  /**
   * True while the socket is down. Reads the client's own flag where it has one (the status event
   * arrives a few ticks after the socket closed, and anything handed to nats.js in between is lost).
   */
  #disconnected(nc: NatsConnection): boolean {
    const protocol = (nc as unknown as { protocol?: { connected?: unknown } }).protocol;
    if (typeof protocol?.connected === 'boolean') return !protocol.connected && !nc.isClosed();
    return this.#status === 'reconnecting';
  }

  #flushBuffered(nc: NatsConnection): void {
    if (this.#buffered.length === 0 || this.#disconnected(nc)) return;
    const items = this.#buffered;
    this.#buffered = [];
    for (let i = 0; i < items.length; i++) {
      const b = items[i]!;
      try {
        if (b.frame !== undefined) this.#sendFrame(nc, b.frame);
        else if (b.reply === undefined) nc.publish(b.subject, b.data, { headers: b.headers });
        else nc.publish(b.subject, b.data, { headers: b.headers, reply: b.reply });
      } catch (e) {
        // Down again: keep the rest, in order, for the next reconnect.
        this.#buffered = items.slice(i).concat(this.#buffered);
        this.#logger.warn('nats: flushing buffered publishes failed; will retry on reconnect', { error: String(e) });
        return;
      }
    }
  }

  /** Keep `item` for the reconnect, or refuse it with BACKPRESSURE past the bound. */
  #buffer(item: BufferedPublish): void {
    if (this.#buffered.length >= this.#maxPending) {
      throw new CellularError(
        'BACKPRESSURE',
        `NATS is disconnected and ${this.#buffered.length} publishes are already buffered (maxPendingPublishes); publish to "${item.subject}" refused`,
        { data: { subject: item.subject, pending: this.#buffered.length, limit: this.#maxPending, status: this.#status } },
      );
    }
    this.#buffered.push(item);
  }

  /** Queue a ready frame on the client's outbound buffer (flushed by the client, as `nc.publish` is). */
  #sendFrame(nc: NatsConnection, frame: Uint8Array): void {
    const sink = this.#sink;
    if (sink === undefined || sink.isClosed() || sink.noMorePublishing) {
      throw new CellularError('TRANSPORT_CLOSED', 'Publish: the NATS connection is closed', {});
    }
    sink.outMsgs++;
    sink.outBytes += frame.length;
    sink.sendCommand(frame);
  }

  /**
   * Publish `envelope` (reply subject `reply`; `replyInHeader` for durable publishes). The frame path
   * when the client has the expected shape and is open; otherwise the client's own `nc.publish`,
   * which also raises its closed/draining errors.
   */
  #send(nc: NatsConnection, envelope: Envelope, replyInHeader: boolean, reply: string | undefined): void {
    const sink = this.#sink;
    if (sink === undefined || sink.isClosed() || sink.noMorePublishing) {
      const m = encodeMessage(envelope, this.#codec, replyInHeader);
      this.#checkSize(m.data, envelope.subject);
      this.#rawPublish(nc, envelope.subject, m.data, m.headers, reply);
      return;
    }
    const max = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    const frame = this.#frames.frame(envelope.subject, reply, headerBlock(envelope, replyInHeader), encodeBody(envelope, this.#codec), max);
    if (this.#disconnected(nc)) {
      this.#buffer({ subject: envelope.subject, frame });
      return;
    }
    if (this.#buffered.length > 0) this.#flushBuffered(nc);
    this.#sendFrame(nc, frame);
  }

  #rawPublish(nc: NatsConnection, subject: string, data: Uint8Array, headers: MsgHdrs, reply: string | undefined): void {
    if (this.#disconnected(nc)) {
      this.#buffer({ subject, data, headers, reply });
      return;
    }
    if (this.#buffered.length > 0) this.#flushBuffered(nc);
    try {
      if (reply === undefined) nc.publish(subject, data, { headers });
      else nc.publish(subject, data, { headers, reply });
    } catch (e) {
      throw fromNatsError(e, `Publish to "${subject}"`);
    }
  }

  // ---------------------------------------------------------------- core messaging

  publish(envelope: Envelope): void {
    const nc = this.#live('publish');
    this.#checkSubject(envelope.subject);
    this.#send(nc, envelope, false, envelope.replyTo);
  }

  subscribe(pattern: string, handler: MessageHandler, options?: TransportSubscribeOptions): TransportSubscription {
    const nc = this.#live('subscribe');
    assertPattern(pattern);
    const queue = options?.queue;
    const codec = this.#codec;
    // A literal subject needs no decoding of the subject bytes on every message.
    const literal = isWildcardPattern(pattern) ? undefined : pattern;
    const logger = this.#logger;
    let subInflight = 0;
    let subIdle: (() => void)[] = [];
    const done = (): void => {
      this.#handlerDone();
      if (--subInflight === 0 && subIdle.length > 0) {
        const w = subIdle;
        subIdle = [];
        for (const f of w) f();
      }
    };
    const fail = (e: unknown): void => {
      logger.error('nats: subscriber handler failed', { pattern, error: e instanceof Error ? e.message : String(e) });
      done();
    };
    let sub: Subscription;
    try {
      sub = nc.subscribe(pattern, {
        ...(queue === undefined ? {} : { queue }),
        callback: (err, msg: Msg) => {
          if (err !== null) {
            logger.error('nats: subscription error', { pattern, error: err.message });
            return;
          }
          let env: Envelope;
          try {
            env = decodeCoreMessage(msg, literal ?? msg.subject, codec, replyOf(msg));
          } catch (e) {
            logger.warn('nats: dropped a message that does not decode', { subject: msg.subject, error: String(e) });
            return;
          }
          this.#inflight++;
          subInflight++;
          try {
            const r = handler(env);
            if (r instanceof Promise) r.then(done, fail);
            else done();
          } catch (e) {
            fail(e);
          }
        },
      });
    } catch (e) {
      throw fromNatsError(e, `Subscribe to "${pattern}"`);
    }
    const subs = this.#subs;
    const closed = sub.closed.then(
      () => undefined,
      () => undefined,
    );
    const subscription: TransportSubscription = {
      pattern,
      queue,
      closed,
      unsubscribe(): void {
        subs.delete(subscription);
        try {
          if (!sub.isClosed()) sub.unsubscribe();
        } catch {
          // connection already closed: nothing left to stop
        }
      },
      async drain(): Promise<void> {
        subs.delete(subscription);
        try {
          if (!sub.isClosed() && !sub.isDraining()) await sub.drain();
        } catch {
          // closed meanwhile
        }
        if (subInflight > 0) await new Promise<void>((resolve) => subIdle.push(resolve));
      },
    };
    subs.add(subscription);
    return subscription;
  }

  async request(envelope: Envelope, options: TransportRequestOptions): Promise<Envelope> {
    const nc = this.#live('request');
    this.#checkSubject(envelope.subject);
    if (this.#disconnected(nc)) {
      // Not buffered: its reply could only come after a reconnect of unknown length, and waiting
      // requests fail at the disconnect anyway. Refused now, so the caller can retry or fall back.
      throw new CellularError('TRANSPORT_ERROR', `Request to "${envelope.subject}" refused: the NATS connection is lost (reconnecting)`, {
        data: { subject: envelope.subject, status: 'reconnecting' },
      });
    }
    const pending = this.#mux.register(options.timeout, envelope.subject, 'Request', options.signal);
    try {
      this.#send(nc, envelope, false, pending.replySubject);
    } catch (e) {
      pending.fail(e instanceof CellularError ? e : fromNatsError(e, `Request to "${envelope.subject}"`));
    }
    const reply = await pending.promise;
    return decodeCoreMessage(reply, reply.subject, this.#codec, undefined);
  }

  // ---------------------------------------------------------------- durable streams

  #manager(): Promise<JetStreamManager> {
    const nc = this.#live('use JetStream');
    this.#jsm ??= jetstreamManager(nc).catch((e: unknown) => {
      this.#jsm = undefined;
      throw new CellularError('UNSUPPORTED', `JetStream is not available on this NATS server: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    });
    return this.#jsm;
  }

  async ensureStream(config: StreamConfig): Promise<void> {
    this.#live('ensureStream');
    const desired = toJsStreamConfig(config, this.#opts.storage ?? 'file', this.#opts.duplicateWindowMs ?? DEFAULTS.duplicateWindowMs);
    const jsm = await this.#manager();
    const what = `ensureStream("${config.name}")`;
    try {
      let info;
      try {
        info = await jsm.streams.info(config.name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (info === undefined) {
        try {
          await jsm.streams.add(desired);
        } catch (e) {
          // Another process created it meanwhile: verify that one instead.
          info = await jsm.streams.info(config.name).catch(() => {
            throw e;
          });
        }
      }
      if (info !== undefined) {
        const diff = streamDiff(info.config, desired);
        if (diff.includes('storage')) {
          throw new CellularError('CONFLICT', `${what}: the stream exists with ${info.config.storage} storage; storage cannot change`, {
            data: { stream: config.name, fields: diff },
          });
        }
        if (diff.length > 0) {
          const { storage: _storage, name: _name, ...update } = desired;
          await jsm.streams.update(config.name, { ...info.config, ...update });
        }
      }
    } catch (e) {
      throw fromNatsError(e, what, 'CONFLICT');
    }
    this.#routes.set(config.name, { subjects: [...config.subjects], overflow: config.overflow ?? 'reject' });
    this.#streamLookup.clear();
  }

  #overflowFor(subject: string): StreamRoute['overflow'] {
    for (const r of this.#routes.values()) {
      if (r.subjects.some((p) => subjectMatches(p, subject))) return r.overflow;
    }
    return 'reject';
  }

  /** Publish to JetStream through the reply mux and parse the ack. */
  async #jsPublish(subject: string, send: (nc: NatsConnection, reply: string) => void, timeoutMs: number): Promise<PublishAck> {
    const nc = this.#live('publishDurable');
    const deadline = Date.now() + timeoutMs;
    let wait = 20;
    for (;;) {
      const pending = this.#mux.register(Math.max(1, deadline - Date.now()), subject, 'Durable publish');
      try {
        send(nc, pending.replySubject);
      } catch (e) {
        pending.fail(e instanceof CellularError ? e : fromNatsError(e, `Durable publish to "${subject}"`));
      }
      let msg: Msg;
      try {
        msg = await pending.promise;
      } catch (e) {
        if (CellularError.is(e, 'NO_RESPONDERS')) {
          throw new CellularError('NOT_FOUND', `No stream captures "${subject}" (or JetStream is disabled); call ensureStream first`, {
            cause: e,
            data: { subject },
          });
        }
        throw e;
      }
      const ack = JSON.parse(decoder.decode(msg.data)) as JsPubAckWire;
      if (ack.error === undefined && typeof ack.stream === 'string' && typeof ack.seq === 'number') {
        return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true };
      }
      const description = ack.error?.description ?? 'invalid JetStream ack';
      const full = /maximum (messages|bytes)|resource limits exceeded/i.test(description);
      if (full && this.#overflowFor(subject) === 'block' && Date.now() + wait < deadline) {
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 500);
        continue;
      }
      if (full) {
        throw new CellularError('BACKPRESSURE', `Stream is full; durable publish to "${subject}" refused: ${description}`, {
          data: { subject, apiCode: ack.error?.err_code },
        });
      }
      throw new CellularError('TRANSPORT_ERROR', `Durable publish to "${subject}" failed: ${description}`, {
        data: { subject, apiCode: ack.error?.err_code },
      });
    }
  }

  async publishDurable(envelope: Envelope, options?: { readonly timeout?: number }): Promise<PublishAck> {
    this.#live('publishDurable');
    this.#checkSubject(envelope.subject);
    try {
      const send = (nc: NatsConnection, reply: string): void => {
        this.#send(nc, envelope, true, reply);
      };
      return await this.#jsPublish(envelope.subject, send, options?.timeout ?? this.#opts.durablePublishTimeoutMs ?? 5000);
    } catch (e) {
      // A core subscriber on a subject no stream captures swallows the publish: NATS then reports no
      // "no responders" and the ack times out. Say what really happened.
      if (CellularError.is(e, 'TIMEOUT') && this.#status === 'connected' && !(await this.#streamCaptures(envelope.subject).catch(() => true))) {
        throw new CellularError('NOT_FOUND', `No stream captures "${envelope.subject}"; call ensureStream first`, { cause: e, data: { subject: envelope.subject } });
      }
      throw e;
    }
  }

  consume(config: ConsumerConfig, handler: DurableHandler): TransportSubscription {
    this.#live('consume');
    const inactiveMs = this.#opts.consumerInactiveMs;
    const resolved = inactiveMs === undefined ? resolveConsumer(config) : { ...resolveConsumer(config), inactiveMs };
    const js = this.#js;
    if (js === undefined) throw new CellularError('TRANSPORT_ERROR', 'Cannot consume: not connected', {});
    const consumer = new DurableConsumer(
      {
        js,
        jsm: () => this.#manager(),
        codec: this.#codec,
        logger: this.#logger,
        deadLetter: (msg, subject, extra) => this.#deadLetter(msg, subject, extra),
      },
      resolved,
      handler,
    );
    this.#subs.add(consumer);
    void consumer.closed.then(() => this.#subs.delete(consumer));
    return consumer;
  }

  /**
   * Move a message to its dead-letter subject: the original body and headers (so the envelope id is
   * kept) plus the reason headers. Durable when a stream captures the subject; otherwise a core
   * publish (at-most-once), with a warning.
   */
  async #deadLetter(msg: JsMsg, subject: string, extra: Record<string, string>): Promise<void> {
    const rec: Record<string, string[]> = {};
    if (msg.headers !== undefined) for (const [k, v] of msg.headers) rec[k] = [...v];
    for (const k in extra) rec[k] = [extra[k]!];
    const headers = MsgHdrsImpl.fromRecord(rec);
    // Ask first: a JetStream publish to a subject with core subscribers but no stream would reach
    // them and then time out waiting for an ack that never comes.
    if (await this.#streamCaptures(subject)) {
      const send = (nc: NatsConnection, reply: string): void => {
        this.#rawPublish(nc, subject, msg.data, headers, reply);
      };
      await this.#jsPublish(subject, send, this.#opts.durablePublishTimeoutMs ?? 5000);
      return;
    }
    this.#logger.warn('nats: no stream captures the dead-letter subject; dead letter sent as a core message', { subject });
    this.#rawPublish(this.#live('dead-letter'), subject, msg.data, headers, undefined);
  }

  /** Whether some stream captures `subject` (cached for {@link STREAM_LOOKUP_TTL_MS}). */
  async #streamCaptures(subject: string): Promise<boolean> {
    const hit = this.#streamLookup.get(subject);
    if (hit !== undefined && hit.at + STREAM_LOOKUP_TTL_MS > Date.now()) return hit.captured;
    const jsm = await this.#manager();
    let captured: boolean;
    try {
      await jsm.streams.find(subject);
      captured = true;
    } catch (e) {
      if (!isNotFound(e) && !(e instanceof Error && /no stream matches/i.test(e.message))) throw e;
      captured = false;
    }
    if (this.#streamLookup.size >= SUBJECT_CACHE_SIZE) this.#streamLookup.clear();
    this.#streamLookup.set(subject, { captured, at: Date.now() });
    return captured;
  }
}
