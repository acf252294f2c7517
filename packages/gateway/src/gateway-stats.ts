/**
 * Numbers the trigger monitor reads from the gateway: how many distinct principals were active in a
 * sliding window (the "concurrent users" trigger) and request latency and error rates. Memory is
 * bounded: principals older than the window are pruned, latencies are a fixed-size ring of the most
 * recent samples, so percentiles describe recent traffic rather than all time.
 */
import type { Clock } from '@cellular/core';
import { systemClock } from '@cellular/core';

/** A point-in-time view returned by `gateway.stats()`. */
export interface GatewayStatsSnapshot {
  /** Distinct principals seen within the last `windowMs`. */
  readonly concurrentUsers: number;
  /** The sliding window, in ms. */
  readonly windowMs: number;
  /** Requests completed since start. */
  readonly requests: number;
  /** Responses with status 400–499 since start. */
  readonly clientErrors: number;
  /** Responses with status >= 500 since start. */
  readonly serverErrors: number;
  /** Requests denied by authentication or authorisation since start. */
  readonly denied: number;
  /** Open server-sent-event streams. */
  readonly openStreams: number;
  /** Latency over the most recent samples, in ms (0 when none yet). */
  readonly latencyMs: { readonly samples: number; readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
}

/** Options for {@link GatewayStats}. */
export interface GatewayStatsOptions {
  /** Sliding window for concurrent users, in ms. Defaults to 300,000 (5 minutes). */
  readonly windowMs?: number;
  /** Latency samples kept. Defaults to 4096. */
  readonly latencySamples?: number;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
  /** Most principals tracked at once (memory bound). Defaults to 1,000,000. */
  readonly maxPrincipals?: number;
}

/** Collects the numbers behind {@link GatewayStatsSnapshot}. Used by the gateway; exported for tests and custom servers. */
export class GatewayStats {
  readonly #windowMs: number;
  readonly #clock: Clock;
  readonly #maxPrincipals: number;
  readonly #lastSeen = new Map<string, number>();
  readonly #ring: Float64Array;
  #ringCount = 0;
  #ringNext = 0;
  #requests = 0;
  #client = 0;
  #server = 0;
  #denied = 0;
  #streams = 0;
  #lastPrune = 0;

  constructor(options: GatewayStatsOptions = {}) {
    this.#windowMs = options.windowMs ?? 300_000;
    this.#clock = options.clock ?? systemClock;
    this.#maxPrincipals = options.maxPrincipals ?? 1_000_000;
    this.#ring = new Float64Array(options.latencySamples ?? 4096);
  }

  /** Note that `principal` made a request now. */
  seen(principal: string): void {
    const now = this.#clock.now();
    // Re-insert so the Map stays ordered by last activity: pruning then stops at the first fresh entry.
    this.#lastSeen.delete(principal);
    this.#lastSeen.set(principal, now);
    if (this.#lastSeen.size > this.#maxPrincipals || now - this.#lastPrune > 1000) this.#prune(now);
  }

  /** Record a finished request. */
  request(latencyMs: number, status: number): void {
    this.#requests++;
    if (status >= 500) this.#server++;
    else if (status >= 400) this.#client++;
    this.#ring[this.#ringNext] = latencyMs;
    this.#ringNext = (this.#ringNext + 1) % this.#ring.length;
    if (this.#ringCount < this.#ring.length) this.#ringCount++;
  }

  /** Record an authentication or authorisation denial. */
  denial(): void {
    this.#denied++;
  }

  /** Track open event streams (+1 on open, -1 on close). */
  stream(delta: 1 | -1): void {
    this.#streams += delta;
  }

  #prune(now: number): void {
    this.#lastPrune = now;
    const cutoff = now - this.#windowMs;
    for (const [p, t] of this.#lastSeen) {
      if (t >= cutoff && this.#lastSeen.size <= this.#maxPrincipals) break;
      this.#lastSeen.delete(p);
    }
  }

  /** The current numbers. */
  snapshot(): GatewayStatsSnapshot {
    this.#prune(this.#clock.now());
    const sorted = Array.from(this.#ring.subarray(0, this.#ringCount)).sort((a, b) => a - b);
    const pct = (q: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0));
    return {
      concurrentUsers: this.#lastSeen.size,
      windowMs: this.#windowMs,
      requests: this.#requests,
      clientErrors: this.#client,
      serverErrors: this.#server,
      denied: this.#denied,
      openStreams: this.#streams,
      latencyMs: { samples: sorted.length, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max: sorted[sorted.length - 1] ?? 0 },
    };
  }
}
