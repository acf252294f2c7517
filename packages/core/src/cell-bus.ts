/**
 * What a cell sees of the bus: typed publish, subscribe, handle, request and durable streams over
 * contracts. Defined here (not in `@cellular/bus`) so that a cell's declaration and code depend on core
 * alone; `@cellular/bus` implements it, and the cell host hands each cell a view that enforces the
 * cell's declaration (an undeclared publish or request is FORBIDDEN).
 */
import type {
  AnyContract,
  EventContract,
  PayloadInput,
  PayloadOf,
  RequestContract,
  ResponseInput,
  ResponseOf,
} from './contract.js';
import type { Envelope } from './envelope.js';
import type { PublishAck } from './transport.js';

/** What a handler gets besides the payload. */
export interface MessageContext {
  /** The envelope as received (payload already validated where the contract says so). */
  readonly envelope: Envelope;
  /** Shortcut for `envelope.headers`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The principal that caused this message, when the gateway set one. */
  readonly principal: string | undefined;
  /** Capabilities of that principal, when the gateway set them. */
  readonly capabilities: readonly string[];
}

/** A durable message as a consumer sees it. */
export interface DurableContext extends MessageContext {
  /** 1 on first delivery. */
  readonly deliveryAttempt: number;
  ack(): Promise<void>;
  /** Redeliver after `delayMs` (or the consumer's backoff). */
  nack(delayMs?: number): Promise<void>;
  /** Never redeliver; dead-letter with the reason. */
  term(reason?: string): Promise<void>;
}

/** Options for publish. */
export interface PublishOptions {
  /** Extra headers (merged over the bus's own). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options for subscribe and handle. */
export interface BusSubscribeOptions {
  /** Queue group: each message goes to one member. */
  readonly queue?: string;
}

/** Options for request. */
export interface RequestOptions {
  /** Milliseconds before TIMEOUT. Defaults to the bus's default (5000 ms). */
  readonly timeout?: number;
  /** Aborting rejects with CANCELLED. */
  readonly signal?: AbortSignal;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options for consume. */
export interface ConsumeOptions {
  /** Durable consumer name (consumers with the same name split the work). */
  readonly durable: string;
  /** Stream name. Defaults to the bus's stream for the contract. */
  readonly stream?: string;
  /** Deliveries before dead-lettering. Defaults to 5. */
  readonly maxDeliver?: number;
  /** Redelivery delays in ms; the last repeats. */
  readonly backoffMs?: readonly number[];
  /** Ack wait in ms. Defaults to 30,000. */
  readonly ackWaitMs?: number;
  /** Dead-letter subject. */
  readonly deadLetterSubject?: string;
  /** Most messages in flight at once for this durable name (its concurrency). Defaults to 1000. */
  readonly maxAckPending?: number;
  /**
   * `false` lets the messages of one subject be handled concurrently (a parallel work queue); `true`
   * (the default) handles them one at a time in order where the transport can. See
   * `ConsumerConfig.ordered`.
   */
  readonly ordered?: boolean;
}

/**
 * A subscription: use a callback, or iterate it (`for await (const m of sub)`). Ends with
 * `unsubscribe()`, `drain()` or `await using`. `closed` resolves, never rejects.
 */
export interface BusSubscription<T = unknown> extends AsyncIterable<{ readonly payload: T; readonly context: MessageContext }> {
  unsubscribe(): void;
  drain(): Promise<void>;
  readonly closed: Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Handler for events. */
export type EventHandler<T> = (payload: T, context: MessageContext) => void | Promise<void>;
/** Handler for commands and queries; its return value is the reply. */
export type RequestHandler<T, R> = (payload: T, context: MessageContext) => R | Promise<R>;
/** Handler for durable messages. Return to ack, throw to nack. */
export type DurableMessageHandler<T> = (payload: T, context: DurableContext) => void | Promise<void>;

/** The bus as a cell sees it. */
export interface CellBus {
  /** Publish an event (fire and forget; resolves once handed to the transport). */
  publish<C extends EventContract>(contract: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<void>;
  /** Subscribe to an event contract. Without a handler, iterate the subscription. */
  subscribe<C extends EventContract>(
    contract: C,
    handler?: EventHandler<PayloadOf<C>>,
    options?: BusSubscribeOptions,
  ): BusSubscription<PayloadOf<C>>;
  /** Subscribe to a raw pattern (`orders.*`, `audit.>`); payloads are unknown and unvalidated. */
  subscribe(pattern: string, handler?: EventHandler<unknown>, options?: BusSubscribeOptions): BusSubscription;
  /** Answer a command or query. Throws from the handler reach the requester as the same CellularError. */
  handle<C extends RequestContract>(
    contract: C,
    handler: RequestHandler<PayloadOf<C>, ResponseInput<C>>,
    options?: BusSubscribeOptions,
  ): BusSubscription<PayloadOf<C>>;
  /** Send a command or query and wait for the typed reply. */
  request<C extends RequestContract>(contract: C, payload: PayloadInput<C>, options?: RequestOptions): Promise<ResponseOf<C>>;
  /** Publish to the contract's durable stream; resolves once stored. */
  stream<C extends AnyContract>(contract: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<PublishAck>;
  /** Consume the contract's durable stream. */
  consume<C extends AnyContract>(
    contract: C,
    handler: DurableMessageHandler<PayloadOf<C>>,
    options: ConsumeOptions,
  ): BusSubscription<PayloadOf<C>>;
}
