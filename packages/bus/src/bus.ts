/**
 * The typed bus: core's `CellBus` over any `Transport`, plus lifecycle and stats. It validates payloads
 * where each contract says (publish, receive, both or off), isolates handlers (a throw is counted,
 * reported to `onError`, and for requests sent back to the caller as the same CellularError), and maps
 * contracts to durable streams. On the in-memory transport it builds lazy envelopes
 * ({@link BusEnvelope}) so that a publish costs little more than an EventEmitter emit.
 */
import { CellularError, createEnvelope, HEADERS, silentLogger, systemClock, toCellularError } from '@cellular/core';
import type {
  AnyContract,
  BusSubscribeOptions,
  BusSubscription,
  CellBus,
  Clock,
  ConsumeOptions,
  DurableMessage,
  DurableMessageHandler,
  Envelope,
  EventContract,
  EventHandler,
  Logger,
  MessageContext,
  TransportSubscription,
  PayloadInput,
  PayloadOf,
  PublishAck,
  PublishOptions,
  RequestContract,
  RequestHandler,
  RequestOptions,
  ResponseInput,
  ResponseOf,
  Transport,
  TransportStatus,
} from '@cellular/core';
import { BatchClock, BusEnvelope } from './internal/bus-envelope.js';
import { BusSubscriptionImpl } from './internal/bus-subscription.js';
import { takesContext } from './internal/handler-arity.js';
import { contextOf, DurableMessageContext } from './internal/message-context.js';
import { createMemoryTransport, MemoryTransport } from './memory-transport.js';
import { createTelemetry, type BusTelemetry, type TelemetryOptions } from './telemetry.js';

/** Where a reported error came from. */
export interface BusErrorInfo {
  /** `handler`: a handler threw; `validation`: a received message failed its schema; `internal`: the bus itself. */
  readonly kind: 'handler' | 'validation' | 'internal';
  /** Subject the message travelled on, when known. */
  readonly subject: string | undefined;
  /** Contract name, when the message had one. */
  readonly contract: string | undefined;
}

/** Options for {@link createBus}. */
export interface BusOptions {
  /** The transport. Defaults to a new in-memory transport. The bus owns it: `close()` closes it. */
  readonly transport?: Transport;
  /** Request timeout when a request gives none. Defaults to 5000 ms. */
  readonly defaultTimeoutMs?: number;
  /** Called for every isolated failure (handler throws, bad received messages). Defaults to logging. */
  readonly onError?: (error: CellularError, info: BusErrorInfo) => void;
  /** Logger. Defaults to a silent logger. */
  readonly logger?: Logger;
  /** Clock for envelope timestamps. Defaults to the system clock. */
  readonly clock?: Clock;
  /**
   * OpenTelemetry: spans per publish and per handled message, trace context in headers, metrics.
   * `true` uses the global `@opentelemetry/api` providers; pass an object to choose them. Defaults to
   * `true` (with no SDK registered this costs one boolean check per message).
   */
  readonly telemetry?: boolean | TelemetryOptions;
  /** Stream name for a contract's durable stream. Defaults to the contract name with `.`/`:` replaced by `_`. */
  readonly streamName?: (contract: AnyContract) => string;
  /** Most messages buffered for an iterated subscription before the oldest is dropped. Defaults to 10,000. */
  readonly iteratorBufferSize?: number;
}

/** Counters since the bus was created. */
export interface BusStats {
  /** Messages handed to the transport by publish, stream and request. */
  readonly published: number;
  /** Messages handed to a handler or an iterator. */
  readonly delivered: number;
  /** Handler throws and rejections. */
  readonly failed: number;
  /** Messages refused by validation (at publish or at receive). */
  readonly validationFailed: number;
  /** Requests sent. */
  readonly requests: number;
  /** Messages dropped by a full iteration buffer. */
  readonly dropped: number;
  /** Live subscriptions (including handlers and consumers). */
  readonly subscriptions: number;
}

/** What a handler that declares no context parameter is passed in its place. */
const NO_CONTEXT = undefined as unknown as MessageContext;

/**
 * Call `fn(payload, NO_CONTEXT)` inside the telemetry's consumer span for `env`. Kept out of the
 * handler closures so that they create no arrow function per message.
 */
function traced(
  tel: BusTelemetry,
  env: Envelope,
  contract: string | undefined,
  fn: (payload: unknown, ctx: MessageContext) => void | Promise<void>,
  payload: unknown,
): void | Promise<void> {
  return tel.handle(env, contract, () => fn(payload, NO_CONTEXT));
}

/** The bus: everything a cell sees plus lifecycle. */
export interface Bus extends CellBus {
  /** The transport carrying this bus's messages. */
  readonly transport: Transport;
  /** The transport's status. */
  readonly status: TransportStatus;
  /** Connect the transport (idempotent). */
  connect(): Promise<void>;
  /** Drain every subscription made through this bus, then drain the transport. */
  drain(): Promise<void>;
  /** Close the transport now. Afterwards every call fails TRANSPORT_CLOSED. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): BusStats;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Mutable counters (the public view is {@link BusStats}). */
interface Counters {
  published: number;
  delivered: number;
  failed: number;
  validationFailed: number;
  requests: number;
  dropped: number;
}

/** Turn a reply into the requester's result: the typed response, or the responder's error thrown. */
function decodeReply(arg: unknown, payload: unknown, isError: boolean): unknown {
  if (isError) throw CellularError.fromJSON(payload);
  const contract = arg as AnyContract;
  const mode = contract.validate;
  if (contract.response !== undefined && (mode === 'receive' || mode === 'both')) return contract.parseResponse(payload);
  return payload;
}

function defaultStreamName(contract: AnyContract): string {
  return contract.name.replace(/[^A-Za-z0-9_-]/gu, '_');
}

function assertContract(contract: unknown, op: string): asserts contract is AnyContract {
  if (typeof contract !== 'object' || contract === null || typeof (contract as AnyContract).subject !== 'string') {
    throw new CellularError('INVALID_CONTRACT', `${op} needs a contract made by defineContract`, { data: { op } });
  }
}

class BusImpl implements Bus {
  readonly transport: Transport;
  private readonly lazyEnvelopes: boolean;
  /** The transport when it is the in-memory one (enables the publish fast path). */
  private readonly memory: MemoryTransport | undefined;
  /** True when the bus created its transport: nobody else publishes to it. */
  private readonly ownsTransport: boolean;
  private readonly defaultTimeoutMs: number;
  private readonly onErrorHook: BusOptions['onError'];
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly batchClock: BatchClock;
  private readonly streamNameOf: (contract: AnyContract) => string;
  private readonly bufferSize: number;
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly subs = new Set<BusSubscriptionImpl<unknown>>();
  private readonly counters: Counters = { published: 0, delivered: 0, failed: 0, validationFailed: 0, requests: 0, dropped: 0 };
  /** Undefined when telemetry is off or no SDK is registered. */
  private readonly telemetry: BusTelemetry | undefined;
  private readonly hooks = {
    onEnd: (sub: BusSubscriptionImpl<unknown>) => this.subs.delete(sub),
    onDrop: () => {
      this.counters.dropped++;
    },
  };

  constructor(options: BusOptions) {
    this.transport = options.transport ?? createMemoryTransport({ ...(options.logger ? { logger: options.logger } : {}) });
    this.lazyEnvelopes = this.transport instanceof MemoryTransport;
    this.memory = this.transport instanceof MemoryTransport ? this.transport : undefined;
    this.ownsTransport = options.transport === undefined;
    const timeout = options.defaultTimeoutMs ?? 5000;
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      throw new CellularError('INVALID_CONFIG', `defaultTimeoutMs must be a non-negative number, got ${String(timeout)}`, {
        data: { defaultTimeoutMs: timeout },
      });
    }
    this.defaultTimeoutMs = timeout;
    this.onErrorHook = options.onError;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.batchClock = new BatchClock(this.clock);
    this.streamNameOf = options.streamName ?? defaultStreamName;
    this.bufferSize = options.iteratorBufferSize ?? 10_000;
    const transport = this.transport;
    this.telemetry = createTelemetry(
      options.telemetry ?? true,
      transport.name,
      transport instanceof MemoryTransport ? () => transport.queueDepth : undefined,
    );
  }

  get status(): TransportStatus {
    return this.transport.status;
  }

  stats(): BusStats {
    return { ...this.counters, subscriptions: this.subs.size };
  }

  connect(): Promise<void> {
    return this.transport.connect();
  }

  async drain(): Promise<void> {
    await Promise.all([...this.subs].map((s) => s.drain()));
    await this.transport.drain();
  }

  close(): Promise<void> {
    for (const s of [...this.subs]) s.unsubscribe();
    return this.transport.close();
  }

  /** Report an isolated failure. Never throws. */
  private report(error: unknown, kind: BusErrorInfo['kind'], subject: string | undefined, contract: string | undefined): void {
    const err = toCellularError(error);
    if (kind === 'handler') this.counters.failed++;
    else if (kind === 'validation') this.counters.validationFailed++;
    const tel = this.telemetry;
    if (tel !== undefined && tel.active()) tel.failed(subject, contract);
    try {
      if (this.onErrorHook) this.onErrorHook(err, { kind, subject, contract });
      else this.logger.error(`bus ${kind} error`, { subject, contract, code: err.code, error: err.message });
    } catch (hookError) {
      this.logger.error('bus onError hook threw', { error: String(hookError) });
    }
  }

  /** Build the envelope for an outgoing message. */
  private envelope(
    subject: string,
    payload: unknown,
    headers: Readonly<Record<string, string>> | undefined,
    contract: AnyContract | undefined,
  ): Envelope {
    if (this.lazyEnvelopes) {
      // The contract is structurally {name, version}: no copy needed in-process.
      return new BusEnvelope(subject, payload, this.batchClock.now(), headers === undefined ? undefined : { ...headers }, contract);
    }
    return createEnvelope({
      subject,
      payload,
      timestamp: this.clock.now(),
      ...(headers === undefined ? {} : { headers: { ...headers } }),
      ...(contract === undefined ? {} : { contract: { name: contract.name, version: contract.version } }),
    });
  }

  /** Validate an outgoing payload as the contract's mode says; returns what to send. */
  private outgoing(contract: AnyContract, payload: unknown): unknown {
    const mode = contract.validate;
    if (mode === 'off' || mode === 'receive') return payload;
    try {
      const parsed = contract.parsePayload(payload);
      // 'both' sends the input so that the receiver parses exactly what the publisher validated.
      return mode === 'publish' ? parsed : payload;
    } catch (e) {
      this.counters.validationFailed++;
      throw e;
    }
  }

  publish<C extends EventContract>(contract: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<void> {
    try {
      assertContract(contract, 'publish');
      const value = this.outgoing(contract, payload);
      const tel = this.telemetry;
      const memory = this.memory;
      if (memory !== undefined && (tel === undefined || !tel.active())) {
        // Fast path: no envelope until delivery, and none at all when nobody subscribes.
        const h = options?.headers;
        memory.publishParts(contract.subject, value, h === undefined ? undefined : { ...h }, contract);
        this.counters.published++;
        return RESOLVED;
      }
      const env = this.envelope(contract.subject, value, options?.headers, contract);
      if (tel !== undefined && tel.active()) tel.publish(env, contract.name);
      const r = this.transport.publish(env);
      this.counters.published++;
      return r ?? RESOLVED;
    } catch (e) {
      return Promise.reject(toCellularError(e, 'INTERNAL'));
    }
  }

  subscribe<C extends EventContract>(
    contract: C,
    handler?: EventHandler<PayloadOf<C>>,
    options?: BusSubscribeOptions,
  ): BusSubscription<PayloadOf<C>>;
  subscribe(pattern: string, handler?: EventHandler<unknown>, options?: BusSubscribeOptions): BusSubscription;
  subscribe(
    target: EventContract | string,
    handler?: EventHandler<unknown>,
    options?: BusSubscribeOptions,
  ): BusSubscription {
    const contract = typeof target === 'string' ? undefined : target;
    if (contract !== undefined) assertContract(contract, 'subscribe');
    const subject = contract === undefined ? (target as string) : contract.subject;
    const validate = contract !== undefined && (contract.validate === 'receive' || contract.validate === 'both');
    const contractName = contract?.name;
    const sub = new BusSubscriptionImpl<unknown>(subject, handler === undefined, this.bufferSize, this.hooks);
    const counters = this.counters;
    const tel = this.telemetry;
    const onFail = (error: unknown): void => {
      this.report(error, 'handler', subject, contractName);
    };
    const deliver = (payload: unknown, ctx: MessageContext): void | Promise<void> => {
      counters.delivered++;
      if (handler === undefined) {
        sub.push(payload, ctx);
        return;
      }
      let r: void | Promise<void>;
      try {
        r = handler(payload, ctx);
      } catch (e) {
        onFail(e);
        return;
      }
      if (r !== undefined && typeof (r as { then?: unknown }).then === 'function') return r.then(undefined, onFail);
    };
    const transportOptions = options?.queue === undefined ? undefined : { queue: options.queue };
    const memory = this.memory;
    let inner: TransportSubscription;
    if (memory !== undefined && handler !== undefined && !takesContext(handler)) {
      // The handler reads no context: take messages as parts, so that the in-memory transport builds
      // no envelope for them (unless telemetry needs one for its span).
      //
      // On a transport that only this bus publishes to, a message that arrives as parts (no envelope)
      // came through publish's fast path, which is taken only while this bus's telemetry is not
      // listening: there is no producer span to continue, so telemetry is not asked again for it.
      // On a shared transport another bus may have published it, so every message asks. The two
      // closures repeat themselves on purpose: the owned-transport one must read nothing but its
      // arguments before deciding. Asking telemetry on every delivery, or even reading one more
      // captured flag first, cost 13-25% of a 10-subscriber delivery (15.8M against 11.2-13.8M
      // messages/s in `pubsub.bench.ts`).
      inner = memory.subscribeParts(
        subject,
        this.ownsTransport
          ? (raw, msgSubject, headers, c, timestamp, env) => {
              let payload = raw;
              if (validate) {
                try {
                  payload = contract.parsePayload(payload);
                } catch (e) {
                  this.report(e, 'validation', msgSubject, contractName);
                  return;
                }
              }
              if (env !== undefined && tel !== undefined && tel.active()) return traced(tel, env, contractName, deliver, payload);
              return deliver(payload, NO_CONTEXT);
            }
          : (raw, msgSubject, headers, c, timestamp, env) => {
              let payload = raw;
              if (validate) {
                try {
                  payload = contract.parsePayload(payload);
                } catch (e) {
                  this.report(e, 'validation', msgSubject, contractName);
                  return;
                }
              }
              if (tel !== undefined && tel.active()) {
                return traced(tel, env ?? new BusEnvelope(msgSubject, raw, timestamp, headers, c), contractName, deliver, payload);
              }
              return deliver(payload, NO_CONTEXT);
            },
        transportOptions,
      );
    } else {
      inner = this.transport.subscribe(
        subject,
        (env) => {
          let payload = env.payload;
          if (validate) {
            try {
              payload = contract.parsePayload(payload);
            } catch (e) {
              this.report(e, 'validation', env.subject, contractName);
              return;
            }
          }
          const ctx = contextOf(env);
          if (tel !== undefined && tel.active()) return tel.handle(env, contractName, () => deliver(payload, ctx));
          return deliver(payload, ctx);
        },
        transportOptions,
      );
    }
    sub.attach(inner);
    this.subs.add(sub);
    return sub;
  }

  handle<C extends RequestContract>(
    contract: C,
    handler: RequestHandler<PayloadOf<C>, ResponseInput<C>>,
    options?: BusSubscribeOptions,
  ): BusSubscription<PayloadOf<C>> {
    assertContract(contract, 'handle');
    if (typeof handler !== 'function') {
      throw new CellularError('INVALID_CONFIG', `handle(${contract.name}) needs a handler function`, { data: { contract: contract.name } });
    }
    const mode = contract.validate;
    const validateIn = mode === 'receive' || mode === 'both';
    const sub = new BusSubscriptionImpl<PayloadOf<C>>(contract.subject, false, this.bufferSize, this.hooks);
    const tel = this.telemetry;
    const run = (env: Envelope, payload: unknown): void | Promise<void> => {
      this.counters.delivered++;
      let r: unknown;
      try {
        r = handler(payload as PayloadOf<C>, contextOf(env));
      } catch (e) {
        this.replyError(env, e, contract);
        return;
      }
      if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
        return this.replyLater(env, r as Promise<unknown>, contract);
      }
      this.reply(env, r, contract);
    };
    const inner = this.transport.subscribe(
      contract.subject,
      (env) => {
        let payload = env.payload;
        if (validateIn) {
          try {
            payload = contract.parsePayload(payload);
          } catch (e) {
            this.report(e, 'validation', env.subject, contract.name);
            this.sendReply(env, toCellularError(e).toJSON(), true);
            return;
          }
        }
        if (tel !== undefined && tel.active()) return tel.handle(env, contract.name, () => run(env, payload));
        return run(env, payload);
      },
      options?.queue === undefined ? undefined : { queue: options.queue },
    );
    sub.attach(inner);
    this.subs.add(sub as BusSubscriptionImpl<unknown>);
    return sub;
  }

  private async replyLater(env: Envelope, pending: Promise<unknown>, contract: AnyContract): Promise<void> {
    let response: unknown;
    try {
      response = await pending;
    } catch (e) {
      this.replyError(env, e, contract);
      return;
    }
    this.reply(env, response, contract);
  }

  private reply(env: Envelope, response: unknown, contract: AnyContract): void {
    let value = response;
    const mode = contract.validate;
    if (contract.response !== undefined && (mode === 'publish' || mode === 'both')) {
      try {
        const parsed: unknown = contract.parseResponse(response);
        if (mode === 'publish') value = parsed;
      } catch (e) {
        // The responder broke its own contract: that is its failure, reported and sent back.
        this.replyError(env, e, contract);
        return;
      }
    }
    this.sendReply(env, value, false);
  }

  private replyError(env: Envelope, error: unknown, contract: AnyContract): void {
    const err = toCellularError(error);
    this.report(err, 'handler', env.subject, contract.name);
    this.sendReply(env, err.toJSON(), true);
  }

  private sendReply(request: Envelope, payload: unknown, isError: boolean): void {
    const memory = this.memory;
    let replyTo: string | undefined;
    try {
      // A request routed by the memory transport is answered directly: no reply subject, no envelope.
      if (memory !== undefined && memory.answer(request, payload, isError)) return;
      replyTo = request.replyTo;
      if (replyTo === undefined) return; // published, not requested: nobody waits
      if (memory !== undefined) {
        memory.reply(replyTo, request.correlationId, payload, isError);
        return;
      }
      const env = this.envelope(replyTo, payload, isError ? { [HEADERS.error]: '1' } : undefined, undefined);
      if (request.correlationId !== undefined) env.correlationId = request.correlationId;
      const r = this.transport.publish(env);
      if (r !== undefined) {
        r.catch((e: unknown) => {
          this.report(e, 'internal', replyTo, undefined);
        });
      }
    } catch (e) {
      // The requester's transport may be closing; the requester sees its own timeout or close.
      this.report(e, 'internal', replyTo, undefined);
    }
  }

  request<C extends RequestContract>(contract: C, payload: PayloadInput<C>, options?: RequestOptions): Promise<ResponseOf<C>> {
    try {
      assertContract(contract, 'request');
      const value = this.outgoing(contract, payload);
      const tel = this.telemetry;
      const traced = tel !== undefined && tel.active();
      const memory = this.memory;
      const signal = options?.signal;
      const timeout = options?.timeout ?? this.defaultTimeoutMs;
      if (memory !== undefined && !traced) {
        // Fast path: the envelope is built by the transport and routes its reply straight back.
        const h = options?.headers;
        const r = memory.requestParts(contract.subject, value, h === undefined ? undefined : { ...h }, contract, timeout, signal, decodeReply, contract);
        this.counters.requests++;
        this.counters.published++;
        return r as Promise<ResponseOf<C>>;
      }
      const env = this.envelope(contract.subject, value, options?.headers, contract);
      if (traced) tel.publish(env, contract.name);
      this.counters.requests++;
      this.counters.published++;
      const transportOptions = { timeout, ...(signal === undefined ? {} : { signal }) };
      if (memory !== undefined) {
        // Fast path: the reply is decoded where it arrives; no reply envelope, no extra promise.
        return memory.requestDecoded(env, transportOptions, decodeReply, contract) as Promise<ResponseOf<C>>;
      }
      return this.transport.request(env, transportOptions).then((reply) => {
        const isError = reply.headers[HEADERS.error] === '1';
        return decodeReply(contract, reply.payload, isError) as ResponseOf<C>;
      });
    } catch (e) {
      return Promise.reject(toCellularError(e, 'INTERNAL'));
    }
  }

  /** Create the contract's stream once per bus. */
  private ensure(contract: AnyContract, name: string): Promise<void> {
    let p = this.ensured.get(name);
    if (p === undefined) {
      p = this.transport.ensureStream({ name, subjects: [contract.subject] });
      this.ensured.set(name, p);
      p.catch(() => this.ensured.delete(name));
    }
    return p;
  }

  async stream<C extends AnyContract>(contract: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<PublishAck> {
    assertContract(contract, 'stream');
    const value = this.outgoing(contract, payload);
    await this.ensure(contract, this.streamNameOf(contract));
    const env = createEnvelope({
      subject: contract.subject,
      payload: value,
      timestamp: this.clock.now(),
      contract: { name: contract.name, version: contract.version },
      ...(options?.headers === undefined ? {} : { headers: { ...options.headers } }),
    });
    const tel = this.telemetry;
    if (tel !== undefined && tel.active()) tel.publish(env, contract.name);
    const ack = await this.transport.publishDurable(env);
    this.counters.published++;
    return ack;
  }

  consume<C extends AnyContract>(
    contract: C,
    handler: DurableMessageHandler<PayloadOf<C>>,
    options: ConsumeOptions,
  ): BusSubscription<PayloadOf<C>> {
    assertContract(contract, 'consume');
    if (typeof handler !== 'function') {
      throw new CellularError('INVALID_CONFIG', `consume(${contract.name}) needs a handler function`, { data: { contract: contract.name } });
    }
    if (typeof options !== 'object' || typeof options.durable !== 'string' || options.durable.length === 0) {
      throw new CellularError('INVALID_CONFIG', `consume(${contract.name}) needs options.durable, a consumer name`, {
        data: { contract: contract.name },
      });
    }
    const stream = options.stream ?? this.streamNameOf(contract);
    const validate = contract.validate === 'receive' || contract.validate === 'both';
    const sub = new BusSubscriptionImpl<PayloadOf<C>>(stream, false, this.bufferSize, this.hooks);
    this.subs.add(sub as BusSubscriptionImpl<unknown>);
    const tel = this.telemetry;
    const run = async (message: DurableMessage, payload: unknown): Promise<void> => {
      this.counters.delivered++;
      if (message.deliveryAttempt > 1 && tel !== undefined && tel.active()) tel.redelivered(message.envelope.subject, contract.name);
      try {
        await handler(payload as PayloadOf<C>, new DurableMessageContext(message));
      } catch (e) {
        this.report(e, 'handler', message.envelope.subject, contract.name);
        throw e; // the transport nacks with the consumer's backoff
      }
    };
    const durableHandler = async (message: DurableMessage): Promise<void> => {
      let payload = message.envelope.payload;
      if (validate) {
        try {
          payload = contract.parsePayload(payload);
        } catch (e) {
          // A message that can never be valid would only be redelivered: dead-letter it at once.
          this.report(e, 'validation', message.envelope.subject, contract.name);
          await message.term(`validation: ${(e as Error).message}`);
          return;
        }
      }
      if (tel !== undefined && tel.active()) {
        await tel.handle(message.envelope, contract.name, () => run(message, payload));
        return;
      }
      await run(message, payload);
    };
    const config = {
      stream,
      durable: options.durable,
      filterSubject: contract.subject,
      ...(options.maxDeliver === undefined ? {} : { maxDeliver: options.maxDeliver }),
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
      ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
      ...(options.deadLetterSubject === undefined ? {} : { deadLetterSubject: options.deadLetterSubject }),
      ...(options.maxAckPending === undefined ? {} : { maxAckPending: options.maxAckPending }),
      ...(options.ordered === undefined ? {} : { ordered: options.ordered }),
    };
    const ready = options.stream === undefined ? this.ensure(contract, stream) : RESOLVED;
    ready
      .then(() => {
        if (!sub.isEnded) sub.attach(this.transport.consume(config, durableHandler));
      })
      .catch((e: unknown) => {
        this.report(e, 'internal', contract.subject, contract.name);
        sub.fail();
      });
    return sub;
  }
}

/**
 * Create a bus.
 *
 * @example
 * ```ts
 * const bus = createBus();
 * bus.subscribe(OrderPlaced, (order) => console.log(order.id));
 * await bus.publish(OrderPlaced, { id: 'o-1', total: 42 });
 * bus.handle(GetOrder, async ({ id }) => orders.get(id));
 * const order = await bus.request(GetOrder, { id: 'o-1' }, { timeout: 1000 });
 * ```
 */
export function createBus(options: BusOptions = {}): Bus {
  return new BusImpl(options);
}
