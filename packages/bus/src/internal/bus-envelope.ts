/**
 * The envelope the in-memory transport delivers. Per-message metadata is what makes a naive bus 10x
 * slower than an EventEmitter, so this class builds it lazily: the id string is only encoded when
 * somebody reads `id` (from the timestamp and a sequence number taken at construction, so it is the
 * same id it would have been), `headers` is only allocated when read or written, the timestamp is the
 * delivery batch's time (one clock read per batch, like libuv's cached loop time), and the envelope
 * doubles as the handler's MessageContext. `toJSON` returns a plain envelope, so encoding it is safe; spread
 * (`{...env}`) is not, which is why the bus only hands these to the in-memory transport.
 */
import { randomBytes } from 'node:crypto';
import { HEADERS } from '@cellular/core';
import type { Clock, Envelope, MessageContext } from '@cellular/core';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[v % 32]! + out;
    v = Math.floor(v / 32);
  }
  return out;
}

const NODE_PART = (() => {
  let s = '';
  for (const b of randomBytes(6)) s += ALPHABET[b % 32]!;
  return s;
})();

let sequence = 0;
let lastTime = -1;
let lastTimePart = '';

/** Encode an id in the same 24-character sortable format as core's `newMessageId`. */
function idFor(timestamp: number, seq: number): string {
  if (timestamp !== lastTime) {
    lastTime = timestamp;
    lastTimePart = encode(timestamp, 10);
  }
  return lastTimePart + NODE_PART + encode(seq, 8);
}

/** A clock read at most once per microtask batch. */
export class BatchClock {
  private value = 0;
  private fresh = false;
  private readonly expire = (): void => {
    this.fresh = false;
  };

  constructor(private readonly clock: Clock) {}

  /** The time of the current batch. */
  now(): number {
    if (!this.fresh) {
      this.value = this.clock.now();
      this.fresh = true;
      queueMicrotask(this.expire);
    }
    return this.value;
  }
}

/** The next id sequence number (monotonic within the process). */
export function nextSequence(): number {
  sequence = sequence === 0xffffffffff ? 0 : sequence + 1;
  return sequence;
}

const NO_CAPABILITIES: readonly string[] = Object.freeze([]);

/**
 * The request a reply answers, as the in-memory transport tracks it: the reply subject and the
 * default correlation id are derived from `id` only when somebody reads them, so a request that is
 * answered in process never builds either string.
 */
export interface ReplyTarget {
  /** The request's number (unique per transport). */
  readonly id: number;
  /** The reply subject (`<inbox>.<id in base 36>`). */
  replySubject(): string;
}

/**
 * Brands checked instead of `instanceof`: in Node 20 an `instanceof` against a class imported from
 * another module is not folded by the optimising compiler and costs a generic builtin call (about 190
 * instructions of a request/reply round trip's ~2,200, measured with callgrind).
 */
const ROUTE_BRAND = Symbol('ExplicitRoute');
const ENVELOPE_BRAND = Symbol('BusEnvelope');

/** Reply routing with an explicit reply subject or correlation id (set by a caller or a foreign path). */
class ExplicitRoute {
  declare readonly [ROUTE_BRAND]: true;
  constructor(
    public replyTo: string | undefined,
    public correlationId: string | undefined,
    readonly target: ReplyTarget | undefined,
  ) {}
}

Object.defineProperty(ExplicitRoute.prototype, ROUTE_BRAND, { value: true });

function isExplicit(r: ExplicitRoute | ReplyTarget | undefined): r is ExplicitRoute {
  return r !== undefined && (r as Partial<ExplicitRoute>)[ROUTE_BRAND] === true;
}

/** The route of an envelope with a reply target and nothing explicit yet (no allocation per request). */
function explicit(r: ExplicitRoute | ReplyTarget | undefined): ExplicitRoute {
  return isExplicit(r) ? r : new ExplicitRoute(undefined, undefined, r);
}

/**
 * A lazily materialised {@link Envelope} that is also the {@link MessageContext} of its delivery, so
 * one message costs one object however many subscribers read it. Treat it as read-only once published.
 */
export class BusEnvelope<T = unknown> implements Envelope<T>, MessageContext {
  declare readonly [ENVELOPE_BRAND]: true;
  subject: string;
  payload: T;
  timestamp: number;
  attempt = 1;
  declare contract?: { readonly name: string; readonly version: number };
  /** The id once encoded, or the sequence number it is encoded from. */
  #id: string | number;
  #headers: Record<string, string> | undefined;
  #capabilities: readonly string[] | undefined;
  /** Reply routing: the pending request itself while nothing explicit was set (the common case). */
  #reply: ExplicitRoute | ReplyTarget | undefined;

  constructor(
    subject: string,
    payload: T,
    timestamp: number,
    headers: Record<string, string> | undefined,
    contract: { readonly name: string; readonly version: number } | undefined,
  ) {
    this.subject = subject;
    this.payload = payload;
    this.timestamp = timestamp;
    this.#id = nextSequence();
    this.#headers = headers;
    if (contract !== undefined) this.contract = contract;
  }

  get id(): string {
    const id = this.#id;
    if (typeof id === 'string') return id;
    return (this.#id = idFor(this.timestamp, id));
  }

  set id(value: string) {
    this.#id = value;
  }

  get headers(): Record<string, string> {
    return (this.#headers ??= {});
  }

  set headers(value: Record<string, string>) {
    this.#headers = value;
  }

  /** Where the reply goes (`undefined` unless this is a request). */
  get replyTo(): string | undefined {
    if (this.#reply === undefined) return undefined;
    const route = this.#explicit();
    return (route.replyTo ??= route.target?.replySubject());
  }

  set replyTo(value: string | undefined) {
    this.#explicit().replyTo = value;
  }

  /** The reply route, made explicit (strings settable) from here on. */
  #explicit(): ExplicitRoute {
    const route = explicit(this.#reply);
    this.#reply = route;
    return route;
  }

  /** Correlation id of a request and its reply (for a routed request, the request number in base 36). */
  get correlationId(): string | undefined {
    if (this.#reply === undefined) return undefined;
    const route = this.#explicit();
    return (route.correlationId ??= route.target?.id.toString(36));
  }

  set correlationId(value: string | undefined) {
    this.#explicit().correlationId = value;
  }

  /** The in-memory request this envelope carries, when the transport routes its reply directly. */
  get replyTarget(): ReplyTarget | undefined {
    const r = this.#reply;
    return isExplicit(r) ? r.target : r;
  }

  /** Route this request's reply to `target` (reply subject and default correlation id derived lazily). */
  routeReply(target: ReplyTarget, correlationId: string | undefined): void {
    this.#reply = correlationId === undefined ? target : new ExplicitRoute(undefined, correlationId, target);
  }

  /** True when headers were set (without allocating them). */
  get hasHeaders(): boolean {
    return this.#headers !== undefined;
  }

  /** MessageContext: the envelope is its own context. */
  get envelope(): Envelope<T> {
    return this;
  }

  /** MessageContext: the principal header, if any. */
  get principal(): string | undefined {
    return this.#headers?.[HEADERS.principal];
  }

  /** MessageContext: the capabilities header, split on commas. */
  get capabilities(): readonly string[] {
    return (this.#capabilities ??= parseCapabilities(this.#headers?.[HEADERS.capabilities]));
  }

  /** A plain envelope with the same content. */
  toJSON(): Envelope<T> {
    const out: Envelope<T> = {
      id: this.id,
      subject: this.subject,
      payload: this.payload,
      headers: { ...this.headers },
      timestamp: this.timestamp,
      attempt: this.attempt,
    };
    if (this.replyTo !== undefined) out.replyTo = this.replyTo;
    if (this.correlationId !== undefined) out.correlationId = this.correlationId;
    if (this.contract !== undefined) out.contract = { name: this.contract.name, version: this.contract.version };
    return out;
  }
}

Object.defineProperty(BusEnvelope.prototype, ENVELOPE_BRAND, { value: true });

/**
 * One live envelope of each shape (with and without a contract), held for the life of the module.
 * V8 keeps the hidden classes that a class's instances transition to only while some object uses
 * them. Envelopes are short-lived, so a major collection that runs when none is alive frees those
 * classes and throws away every optimised function that embeds them: the whole delivery path then
 * runs unoptimised until it is recompiled (measured: one forced collection between bursts took the
 * 1-subscriber publish rate from ~38M/s to ~13M/s). These two objects keep the shapes alive.
 */
export const ENVELOPE_SHAPES: readonly BusEnvelope[] = [
  new BusEnvelope('', undefined, 0, undefined, undefined),
  new BusEnvelope('', undefined, 0, undefined, { name: '', version: 0 }),
];

/** True for the in-memory transport's own envelopes (a brand check; see ENVELOPE_BRAND). */
export function isBusEnvelope(envelope: Envelope): envelope is BusEnvelope {
  return (envelope as Partial<BusEnvelope>)[ENVELOPE_BRAND] === true;
}

/** Split a capabilities header (`a, b,c`) into a frozen list. */
export function parseCapabilities(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw === '') return NO_CAPABILITIES;
  return Object.freeze(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}
