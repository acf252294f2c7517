/**
 * Runtime signals of this process from node:perf_hooks and process: CPU (percent of one core, like
 * top), event-loop utilisation and delay, heap and RSS. Each read reports the interval since the last
 * read, so a monitor ticking every few seconds sees sustained load, not one spike.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { SIGNALS, type Signal, type SignalSource } from './signal.js';

/** Options for {@link processSignals}. */
export interface ProcessSignalsOptions {
  /** Event-loop delay histogram resolution in ms. Defaults to 20. */
  readonly resolutionMs?: number;
}

/** A source of this process's CPU, event-loop, heap and RSS signals. Call `stop()` when done. */
export function processSignals(options: ProcessSignalsOptions = {}): SignalSource & { stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: options.resolutionMs ?? 20 });
  histogram.enable();
  let lastCpu = process.cpuUsage();
  let lastWall = performance.now();
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  let lastHost = hostTimes();
  return {
    name: 'process',
    read(): Signal[] {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const wallMs = Math.max(now - lastWall, 1);
      const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
      const elu = performance.eventLoopUtilization(lastElu);
      lastCpu = process.cpuUsage();
      lastWall = now;
      lastElu = performance.eventLoopUtilization();
      const host = hostTimes();
      const hostBusy = host.total - lastHost.total > 0 ? ((host.busy - lastHost.busy) / (host.total - lastHost.total)) * 100 : 0;
      lastHost = host;
      const p99 = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
      histogram.reset();
      const heap = getHeapStatistics();
      return [
        { name: SIGNALS.cpu, value: round(cpuPercent), unit: '%' },
        { name: SIGNALS.hostCpu, value: round(hostBusy), unit: '%' },
        { name: SIGNALS.elu, value: round(elu.utilization, 4) },
        { name: SIGNALS.loopDelayP99, value: round(p99), unit: 'ms' },
        { name: SIGNALS.heapUsedRatio, value: round(heap.used_heap_size / heap.heap_size_limit, 4) },
        { name: SIGNALS.rss, value: process.memoryUsage.rss(), unit: 'bytes' },
      ];
    },
    stop(): void {
      histogram.disable();
    },
  };
}

function hostTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
