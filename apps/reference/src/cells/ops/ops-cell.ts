/**
 * The ops cell answers the admin view's questions over the bus (so the gateway reaches them through
 * contracts like everything else): the topology generated from the composition, the trigger monitor's
 * signals, states and history, and system counters. It keeps a short time series of key signals for
 * the admin charts.
 */
import { defineCell } from '@cellular/core';
import type { Composition } from '@cellular/core';
import { buildTopology, toMermaid } from '@cellular/topology';
import type { TriggerMonitor } from '@cellular/triggers';
import { GetSystemStatus, GetTopology, GetTriggers } from '../../contracts.js';

/** Signals kept as a time series for the charts. */
const CHARTED = ['process.cpu_percent', 'process.event_loop_delay_p99_ms', 'process.heap_used_ratio', 'gateway.concurrent_users', 'gateway.latency_p99_ms'];

/** Options for {@link opsCell}. */
export interface OpsOptions {
  readonly composition: () => Composition;
  readonly monitor: TriggerMonitor;
  readonly status: () => { documents: Record<string, number>; bus: Record<string, unknown> };
  /** Points kept per series. Defaults to 120. */
  readonly seriesLength?: number;
}

/** The ops cell and the function that records a chart point (call it after each monitor round). */
export function opsCell(options: OpsOptions) {
  const started = Date.now();
  const series: { at: number; values: Record<string, number> }[] = [];
  const record = (): void => {
    const snap = options.monitor.snapshot();
    if (snap.at === undefined) return;
    const values: Record<string, number> = {};
    for (const s of snap.signals) if (CHARTED.includes(s.name) && s.scope === undefined) values[s.name] = s.value;
    series.push({ at: snap.at, values });
    if (series.length > (options.seriesLength ?? 120)) series.shift();
  };
  const cell = defineCell({
    name: 'ops',
    description: 'Admin queries: topology, triggers, counters',
    handles: [GetTopology, GetTriggers, GetSystemStatus],
    start: ({ bus }) => {
      bus.handle(GetTopology, () => {
        const topology = buildTopology(options.composition());
        return { mermaid: toMermaid(topology), topology };
      });
      bus.handle(GetTriggers, () => {
        const snap = options.monitor.snapshot();
        return {
          ...(snap.at !== undefined ? { at: snap.at } : {}),
          signals: snap.signals.map((s) => ({ name: s.name, value: s.value, ...(s.scope ? { scope: s.scope } : {}), ...(s.unit ? { unit: s.unit } : {}) })),
          instances: snap.instances.map((i) => ({ rule: i.rule, scope: i.scope, state: i.state, ...(i.value !== undefined ? { value: i.value } : {}) })),
          series,
          history: options.monitor.history().slice(-50),
        };
      });
      bus.handle(GetSystemStatus, () => ({ ...options.status(), uptimeS: Math.round((Date.now() - started) / 1000) }));
    },
  });
  return { cell, record };
}
