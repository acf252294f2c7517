/**
 * Replies for every request of one transport arrive on ONE subscription (`<inbox>.*`), matched to the
 * waiting caller by the last token of the reply subject, with one {@link DeadlineQueue} timer for all
 * timeouts. The raw client's `request()` allocates a request object, a timer and a promise chain per
 * call; Moleculer's one-reply-subject-per-node design beats it with many requests in flight (see
 * ANCHORS.md), and this is that design. JetStream publish acks use the same mux.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { CellularError } from '@cellular/core';
import { DeadlineQueue, type DeadlineEntry } from './deadline-queue.js';

interface Pending extends DeadlineEntry {
  readonly token: string;
  readonly what: string;
  readonly subject: string;
  readonly resolve: (msg: Msg) => void;
  readonly reject: (err: CellularError) => void;
  readonly onAbort: (() => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/** What a caller gets back from {@link ReplyMux.register}. */
export interface PendingReply {
  /** The subject the responder must publish to. */
  readonly replySubject: string;
  /** Settles with the raw reply message (503 status messages reject NO_RESPONDERS). */
  readonly promise: Promise<Msg>;
  /** Reject this request now (the publish failed). */
  fail(err: CellularError): void;
}

/** Multiplexes request replies over one inbox subscription. */
export class ReplyMux {
  readonly #prefix: string;
  readonly #pending = new Map<string, Pending>();
  readonly #deadlines = new DeadlineQueue();
  #sub: Subscription | undefined;
  #counter = 0;

  constructor(inboxPrefix: string) {
    this.#prefix = `${inboxPrefix}.`;
  }

  /** Number of requests waiting for a reply. */
  get size(): number {
    return this.#pending.size;
  }

  /** Subscribe the inbox on `nc` (once). The client re-subscribes it after a reconnect. */
  start(nc: NatsConnection): void {
    if (this.#sub !== undefined) return;
    this.#sub = nc.subscribe(`${this.#prefix}*`, {
      callback: (err, msg) => {
        if (err !== null) return;
        this.#onReply(msg);
      },
    });
  }

  /** Track a new request to `subject`. `kind` names it in error messages ("Request", "Durable publish"). */
  register(timeoutMs: number, subject: string, kind: string, signal?: AbortSignal): PendingReply {
    const what = `${kind} to "${subject}"`;
    const token = (++this.#counter).toString(36);
    let resolve!: (msg: Msg) => void;
    let reject!: (err: CellularError) => void;
    const promise = new Promise<Msg>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const pending: Pending = {
      token,
      what,
      subject,
      deadline: Date.now() + timeoutMs,
      done: false,
      resolve,
      reject,
      signal,
      onAbort:
        signal === undefined
          ? undefined
          : () => {
              this.#settle(pending, new CellularError('CANCELLED', `${what} was cancelled`, { data: { subject } }));
            },
      expire: () => {
        this.#pending.delete(token);
        this.#cleanupSignal(pending);
        reject(new CellularError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`, { data: { subject, timeoutMs } }));
      },
    };
    if (signal?.aborted === true) {
      pending.done = true;
      reject(new CellularError('CANCELLED', `${what} was cancelled before it was sent`, { data: { subject } }));
    } else {
      this.#pending.set(token, pending);
      this.#deadlines.add(timeoutMs, pending);
      if (signal !== undefined && pending.onAbort !== undefined) signal.addEventListener('abort', pending.onAbort, { once: true });
    }
    return {
      replySubject: this.#prefix + token,
      promise,
      fail: (err) => {
        this.#settle(pending, err);
      },
    };
  }

  /**
   * Reject every pending request and stop the timer (close, or the connection lost: the replies are
   * gone with it). `err` is one error for all, or built per request from its description (e.g.
   * `Request to "svc.x"`) and subject.
   */
  rejectAll(err: CellularError | ((what: string, subject: string) => CellularError)): void {
    for (const p of this.#pending.values()) {
      p.done = true;
      this.#cleanupSignal(p);
      p.reject(typeof err === 'function' ? err(p.what, p.subject) : err);
    }
    this.#pending.clear();
    this.#deadlines.clear();
  }

  /** Unsubscribe the inbox. */
  stop(): void {
    this.#sub?.unsubscribe();
    this.#sub = undefined;
  }

  #settle(p: Pending, err: CellularError): void {
    if (p.done) return;
    p.done = true;
    this.#pending.delete(p.token);
    this.#cleanupSignal(p);
    p.reject(err);
  }

  #cleanupSignal(p: Pending): void {
    if (p.signal !== undefined && p.onAbort !== undefined) p.signal.removeEventListener('abort', p.onAbort);
  }

  #onReply(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length);
    const p = this.#pending.get(token);
    if (p === undefined) return; // late reply after timeout or cancel
    p.done = true;
    this.#pending.delete(token);
    this.#cleanupSignal(p);
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      p.reject(new CellularError('NO_RESPONDERS', `${p.what} found no responder`, { data: { subject: p.subject } }));
      return;
    }
    p.resolve(msg);
  }
}
