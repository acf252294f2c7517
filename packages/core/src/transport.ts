/**
 * The one interface every transport implements: the in-memory transport in `@cellular/bus`, NATS and
 * Redis. The bus depends only on this, so swapping a transport is configuration. What a transport
 * cannot guarantee it declares in {@link TransportCapabilities}; the conformance suite in
 * `@cellular/testkit` checks the declaration instead of assuming.
 *
 * Reply convention: a responder answers a request by publishing an envelope whose `subject` is the
 * request's `replyTo` and whose `correlationId` is the request's `correlationId`. A reply that carries
 * an error has the header `HEADERS.error` set to `"1"` and a serialised CellularError as payload.
 */
import type { Envelope } from './envelope.js';

/** Lifecycle state of a transport. */
export type TransportStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'draining' | 'closed';

/** What a transport guarantees. Callers ask instead of guessing. */
export interface TransportCapabilities {
  /**
   * How long durable streams keep messages: `none` (no streams), `process` (in memory, lost when the
   * process exits), `persistent` (survives a restart of the process and of the broker).
   */
  readonly durability: 'none' | 'process' | 'persistent';
  /** Delivery of plain publish/subscribe. Every transport here is at-most-once for core messages. */
  readonly pubsubDelivery: 'at-most-once' | 'at-least-once';
  /** Order one subscriber sees for one publisher on one subject. */
  readonly ordering: 'none' | 'per-publisher';
  /** Largest encoded payload in bytes; `Infinity` when unlimited. Larger publishes fail PAYLOAD_TOO_LARGE. */
  readonly maxPayload: number;
  /** `*` and `>` subscriptions. */
  readonly wildcards: boolean;
  /** Queue groups: one member of a group gets each message. */
  readonly queueGroups: boolean;
  /** Headers are carried end to end (and with them trace context). */
  readonly headers: boolean;
  /** A request with no responder fails NO_RESPONDERS at once rather than at its timeout. */
  readonly noResponders: boolean;
  /** `nack(delay)` honours the delay. */
  readonly nackDelay: boolean;
  /** Exhausted messages go to a dead-letter subject. */
  readonly deadLetter: boolean;
}

/** Receives envelopes from a subscription. A throw or rejection is the subscriber's problem, never the transport's. */
export type MessageHandler = (envelope: Envelope) => void | Promise<void>;

/** Options for {@link Transport.subscribe}. */
export interface TransportSubscribeOptions {
  /** Queue group name: each message goes to exactly one member of the group. */
  readonly queue?: string;
}

/** A live subscription on a transport (callback form; the bus adds async iteration). */
export interface TransportSubscription {
  readonly pattern: string;
  readonly queue: string | undefined;
  /** Stop delivery now. Idempotent. */
  unsubscribe(): void;
  /** Stop delivery, then wait until in-flight handlers finish. */
  drain(): Promise<void>;
  /** Resolves (never rejects) once the subscription has ended, whatever the reason. */
  readonly closed: Promise<void>;
}

/** Options for {@link Transport.request}. */
export interface TransportRequestOptions {
  /** Milliseconds before TIMEOUT. */
  readonly timeout: number;
  /** Aborting rejects with CANCELLED. */
  readonly signal?: AbortSignal;
}

/** A durable stream: which subjects it captures and how it is bounded. */
export interface StreamConfig {
  /** Stream name: letters, digits, `_` and `-`. */
  readonly name: string;
  /** Subjects (patterns allowed) whose durable publishes the stream stores. */
  readonly subjects: readonly string[];
  /** Most messages kept. Defaults to 100,000: memory never grows without bound. */
  readonly maxMessages?: number;
  /** Most bytes kept, where the transport can measure them. */
  readonly maxBytes?: number;
  /** Oldest message age kept, in ms. */
  readonly maxAgeMs?: number;
  /**
   * What a durable publish does when the stream is full: `reject` (BACKPRESSURE error, the default),
   * `drop-oldest`, or `block` (wait for capacity, honouring the publish's timeout).
   */
  readonly overflow?: 'reject' | 'drop-oldest' | 'block';
}

/** A durable consumer on a stream. Consumers sharing `durable` split the work (a consumer group). */
export interface ConsumerConfig {
  readonly stream: string;
  /** Durable consumer (group) name: its position survives reconnects and restarts where durability allows. */
  readonly durable: string;
  /** Only messages whose subject matches this pattern. */
  readonly filterSubject?: string;
  /** Deliveries before dead-lettering. Defaults to 5. */
  readonly maxDeliver?: number;
  /** Delay before each redelivery, in ms; the last value repeats. Defaults to [1000]. */
  readonly backoffMs?: readonly number[];
  /** Time a delivery may stay unacknowledged before redelivery. Defaults to 30,000 ms. */
  readonly ackWaitMs?: number;
  /** Where exhausted or terminated messages go. Defaults to `dlq.<stream>.<durable>`. */
  readonly deadLetterSubject?: string;
  /** Most deliveries outstanding at once. Defaults to 1000. */
  readonly maxAckPending?: number;
  /**
   * Whether the messages of one subject are handled one at a time, in stream order. `true` (the
   * default) is strict per-subject ordering where the transport provides it: a message waits until the
   * previous one of its subject is settled, and a nacked message holds back the later ones. `false`
   * lets a work queue on one subject run up to `maxAckPending` messages at once, in any order, with
   * the same at-least-once, nack, backoff and dead-letter rules. Transports that always start handlers
   * in stream order and run them concurrently up to `maxAckPending` (NATS, Redis) may ignore it; set
   * `maxAckPending: 1` there for one at a time.
   */
  readonly ordered?: boolean;
}

/**
 * A delivered durable message. If the handler returns without calling ack, nack or term, the message
 * is acked; if it throws, it is nacked with the consumer's backoff.
 */
export interface DurableMessage {
  readonly envelope: Envelope;
  /** Same as `envelope.attempt`: 1 on first delivery. */
  readonly deliveryAttempt: number;
  /** Done: never redeliver. */
  ack(): Promise<void>;
  /** Failed: redeliver after `delayMs` (or the consumer's backoff), up to maxDeliver, then dead-letter. */
  nack(delayMs?: number): Promise<void>;
  /** Never redeliver; move to the dead-letter subject with the reason. */
  term(reason?: string): Promise<void>;
}

/** Handles durable messages. */
export type DurableHandler = (message: DurableMessage) => void | Promise<void>;

/** Acknowledgement of a durable publish: the message is stored. */
export interface PublishAck {
  readonly stream: string;
  /** Position in the stream (transport-specific, comparable within one stream). */
  readonly seq: number | string;
  /** True when the broker recognised the envelope id as already stored. */
  readonly duplicate: boolean;
}

/**
 * A message transport. Implementations: in-memory (`@cellular/bus`), NATS, Redis. After `close()` every
 * call rejects (or throws) TRANSPORT_CLOSED.
 */
export interface Transport {
  /** Short name: `memory`, `nats`, `redis`. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  readonly status: TransportStatus;
  /** Connect (idempotent). */
  connect(): Promise<void>;
  /** Close now: in-flight work is abandoned, pending requests reject TRANSPORT_CLOSED. */
  close(): Promise<void>;
  /** Stop intake, let in-flight handlers finish, then close. */
  drain(): Promise<void>;
  /** Fire and forget. Throws PAYLOAD_TOO_LARGE, TRANSPORT_CLOSED or INVALID_SUBJECT. */
  publish(envelope: Envelope): void | Promise<void>;
  /** Subscribe to a subject or pattern. */
  subscribe(pattern: string, handler: MessageHandler, options?: TransportSubscribeOptions): TransportSubscription;
  /**
   * Send a request and wait for the reply envelope (which may carry an error header; the bus turns it
   * into a CellularError). Rejects TIMEOUT, NO_RESPONDERS, CANCELLED or TRANSPORT_CLOSED.
   */
  request(envelope: Envelope, options: TransportRequestOptions): Promise<Envelope>;
  /** Create or verify a durable stream (idempotent). */
  ensureStream(config: StreamConfig): Promise<void>;
  /** Store an envelope in the stream that captures its subject. Rejects NOT_FOUND when none does. */
  publishDurable(envelope: Envelope, options?: { readonly timeout?: number }): Promise<PublishAck>;
  /** Consume a stream through a durable consumer. */
  consume(config: ConsumerConfig, handler: DurableHandler): TransportSubscription;
  /** Listen for status changes; returns a function that removes the listener. */
  onStatusChange?(listener: (status: TransportStatus) => void): () => void;
}
