/**
 * An in-process fixed-window rate limiter, synchronous on purpose: it runs on every request before
 * authentication, and the @fastify/rate-limit hook path (several awaits per check) measured as one of
 * the gateway's larger per-request costs. With a Redis store the plugin's limiter is used instead,
 * since counters must then be shared between gateway instances. Memory is bounded by `maxKeys`.
 */

/** The outcome of one check. */
export interface LimitResult {
  readonly exceeded: boolean;
  /** Seconds until the window resets (>= 1). */
  readonly retryAfterSec: number;
}

export class LocalRateLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(max: number, windowMs: number, options: { maxKeys?: number; now?: () => number } = {}) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** Count one request for `key`. */
  hit(key: string): LimitResult {
    const now = this.#now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      if (w) this.#windows.delete(key);
      else if (this.#windows.size >= this.#maxKeys) this.#evict(now);
      w = { count: 0, resetAt: now + this.#windowMs };
      this.#windows.set(key, w);
    }
    w.count++;
    return { exceeded: w.count > this.#max, retryAfterSec: Math.max(1, Math.ceil((w.resetAt - now) / 1000)) };
  }

  #evict(now: number): void {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
    // Still full: drop the oldest windows (insertion order). An attacker cycling addresses can only
    // reset other keys' counters early, never grow memory.
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < this.#maxKeys) break;
      this.#windows.delete(k);
    }
  }
}
