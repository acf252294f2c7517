/**
 * The envelope the bus builds for the in-memory transport. Per-message metadata is what makes a naive
 * bus 10x slower than an EventEmitter, so this class builds it lazily: the id string is only encoded
 * when somebody reads `id` (from a timestamp and a sequence number captured at publish, so it is the
 * same id it would have been), `headers` is only allocated when read or written, and the timestamp is
 * the event loop's "batch time" (read once per microtask batch, like libuv's cached loop time) rather
 * than a clock call per message. `toJSON` returns a plain envelope, so encoding it is safe; spread
 * (`{...env}`) is not, which is why the bus only hands these to the in-memory transport.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Envelope } from '@cellular/core';

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

/** A lazily materialised {@link Envelope}. Treat it as read-only once published. */
export class BusEnvelope<T = unknown> implements Envelope<T> {
  subject: string;
  payload: T;
  timestamp: number;
  attempt = 1;
  declare replyTo?: string;
  declare correlationId?: string;
  declare contract?: { name: string; version: number };
  /** Bus-private cache of the delivery context shared by all subscribers of this message. */
  declare context?: unknown;
  #id: string | undefined;
  readonly #seq: number;
  #headers: Record<string, string> | undefined;

  constructor(subject: string, payload: T, timestamp: number, headers?: Record<string, string>) {
    this.subject = subject;
    this.payload = payload;
    this.timestamp = timestamp;
    this.#seq = sequence = (sequence + 1) % 0x10000000000;
    this.#id = undefined;
    this.#headers = headers;
  }

  get id(): string {
    return (this.#id ??= idFor(this.timestamp, this.#seq));
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

  /** True when headers were set (without allocating them). */
  get hasHeaders(): boolean {
    return this.#headers !== undefined;
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
