/**
 * The gateway's numbers as signals: concurrent users (distinct principals in the gateway's sliding
 * window), request latency p99 over its recent samples, and the share of 5xx responses among the
 * requests completed since the previous read — a rate per interval, so an error burst that is over
 * resolves the SLO rule instead of lingering in an all-time average. Structurally typed: anything with
 * `stats()` shaped like `@cellular/gateway`'s `GatewayStatsSnapshot` works, with no dependency on it.
 */
import { SIGNALS, signalSource, type Signal, type SignalSource } from './signal.js';

/** The part of the gateway's stats snapshot these signals read. */
export interface GatewayStatsLike {
  readonly concurrentUsers: number;
  /** Requests completed since start. */
  readonly requests: number;
  /** Responses with status >= 500 since start. */
  readonly serverErrors: number;
  readonly latencyMs: { readonly p99: number };
}

/**
 * A source of the gateway's concurrent users, latency p99 and error rate.
 * @example gatewaySignals(gateway) // a `@cellular/gateway` Gateway
 */
export function gatewaySignals(gateway: { stats(): GatewayStatsLike }): SignalSource {
  let lastRequests = 0;
  let lastErrors = 0;
  return signalSource('gateway', (): Signal[] => {
    const s = gateway.stats();
    const requests = s.requests - lastRequests;
    const errors = s.serverErrors - lastErrors;
    lastRequests = s.requests;
    lastErrors = s.serverErrors;
    return [
      { name: SIGNALS.concurrentUsers, value: s.concurrentUsers },
      { name: SIGNALS.latencyP99, value: s.latencyMs.p99, unit: 'ms' },
      { name: SIGNALS.errorRate, value: requests > 0 ? errors / requests : 0, detail: `${String(errors)} of ${String(requests)} requests` },
    ];
  });
}
