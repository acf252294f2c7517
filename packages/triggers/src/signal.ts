/**
 * A signal is one number at one moment, optionally scoped to a cell. Every source — the process, the
 * bus, the gateway, the codebase, the composition's declared facts — reduces to signals, so one rule
 * engine judges them all and one exporter publishes them as OpenTelemetry gauges.
 */

/** Signal names the built-in sources produce (any string is allowed for custom sources). */
export const SIGNALS = {
  /** Process CPU, percent of one core (top-style): a saturated event loop reads ~100. */
  cpu: 'process.cpu_percent',
  /**
   * Process CPU demand, percent of one core: CPU used plus time runnable but waiting for a core (Linux
   * schedstat; elsewhere equal to {@link SIGNALS}.cpu). Unlike the CPU used, it does not drop when other
   * processes crowd the machine, so the sustained-CPU trigger fires from this process's own load.
   */
  cpuDemand: 'process.cpu_demand_percent',
  /** Whole-machine CPU busy, percent of all cores (from os.cpus()): saturation by anyone. */
  hostCpu: 'host.cpu_percent',
  /** Event-loop utilisation, 0..1. */
  elu: 'process.event_loop_utilization',
  /** Event-loop delay p99, ms. */
  loopDelayP99: 'process.event_loop_delay_p99_ms',
  /** Heap used / heap limit, 0..1. */
  heapUsedRatio: 'process.heap_used_ratio',
  /** Resident set size, bytes. */
  rss: 'process.rss_bytes',
  /** Mean handler time per cell, ms (scope = cell). */
  handlerMs: 'bus.handler_ms',
  /** Queue depth per cell (scope = cell). */
  queueDepth: 'bus.queue_depth',
  /** Distinct principals active in the gateway's sliding window. */
  concurrentUsers: 'gateway.concurrent_users',
  /** Gateway request latency p99, ms. */
  latencyP99: 'gateway.latency_p99_ms',
  /** Gateway 5xx share of requests, 0..1. */
  errorRate: 'gateway.error_rate',
  /** Source size in bytes (scope = package or cell; unscoped = whole codebase). */
  codeBytes: 'codebase.bytes',
  /** Source size in tokens of the configured tokenizer. */
  codeTokens: 'codebase.tokens',
  /** Tokens / model context window. */
  contextFraction: 'codebase.context_fraction',
  /** 1 when a cell is declared untrusted (scope = cell). */
  untrusted: 'fact.untrusted',
  /** 1 when a cell is declared multi-tenant. */
  multiTenant: 'fact.multi_tenant',
  /** 1 when a cell runs on another runtime than Node.js. */
  polyglot: 'fact.polyglot',
  /** 1 when a cell declares a regulatory or geographic isolation requirement. */
  isolation: 'fact.isolation',
} as const;

/** One measured value. */
export interface Signal {
  /** Signal name, e.g. {@link SIGNALS}.cpu. */
  readonly name: string;
  readonly value: number;
  /** Cell, package or other scope; undefined for process-wide signals. */
  readonly scope?: string;
  /** Unit for reports (`%`, `ms`, `bytes`, …). */
  readonly unit?: string;
  /** Extra context for reports (e.g. the declared isolation requirement). */
  readonly detail?: string;
}

/** Anything that can be asked for its current signals. */
export interface SignalSource {
  /** Name for reports and errors. */
  readonly name: string;
  /** Current values. A source that fails is reported and skipped for that round, never fatal. */
  read(): readonly Signal[] | Promise<readonly Signal[]>;
}

/**
 * A source made from a function, for wiring stats the application already has (the bus's per-cell
 * handler times, the gateway's user counts).
 * @example signalSource('gateway', () => [{ name: SIGNALS.concurrentUsers, value: gateway.stats().concurrentUsers }])
 */
export function signalSource(name: string, read: () => readonly Signal[] | Promise<readonly Signal[]>): SignalSource {
  return { name, read };
}
