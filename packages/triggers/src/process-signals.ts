/**
 * Runtime signals of this process from node:perf_hooks and process: CPU (percent of one core, like
 * top), CPU demand (CPU used plus time spent runnable but waiting for a core), event-loop utilisation
 * and delay, heap and RSS. Each read reports the interval since the last read, so a monitor ticking
 * every few seconds sees sustained load, not one spike.
 *
 * Why demand: on a shared machine a busy process gets only its share of the cores, so the CPU it
 * *receives* can stay under 75% of a core while it is runnable all the time. The kernel's per-thread
 * scheduler statistics (`/proc/self/task/<tid>/schedstat`: time on CPU and time waiting on the run
 * queue) give what it *asks for*, independent of what other processes take. Where they are not
 * available (not Linux), demand equals the CPU used.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
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
  const hostStat = new KeptFile('/proc/stat', 256);
  let lastHost = hostTimes(hostStat);
  const threads = new ThreadDemand();
  let lastDemand = threads.read();
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
      const demand = threads.read();
      const demandPercent = demand && lastDemand ? (demandDeltaNs(lastDemand, demand) / 1e6 / wallMs) * 100 : cpuPercent;
      lastDemand = demand;
      const host = hostTimes(hostStat);
      const hostBusy = host.total - lastHost.total > 0 ? ((host.busy - lastHost.busy) / (host.total - lastHost.total)) * 100 : 0;
      lastHost = host;
      const p99 = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
      histogram.reset();
      const heap = getHeapStatistics();
      return [
        { name: SIGNALS.cpu, value: round(cpuPercent), unit: '%' },
        demand
          ? { name: SIGNALS.cpuDemand, value: round(demandPercent), unit: '%' }
          : { name: SIGNALS.cpuDemand, value: round(demandPercent), unit: '%', detail: 'scheduler statistics unavailable: CPU used only' },
        { name: SIGNALS.hostCpu, value: round(hostBusy), unit: '%' },
        { name: SIGNALS.elu, value: round(elu.utilization, 4) },
        { name: SIGNALS.loopDelayP99, value: round(p99), unit: 'ms' },
        { name: SIGNALS.heapUsedRatio, value: round(heap.used_heap_size / heap.heap_size_limit, 4) },
        { name: SIGNALS.rss, value: process.memoryUsage.rss(), unit: 'bytes' },
      ];
    },
    stop(): void {
      histogram.disable();
      threads.close();
      hostStat.close();
    },
  };
}

/**
 * Per thread of this process: nanoseconds on a CPU plus nanoseconds runnable on the run queue (Linux
 * schedstat). Each thread's file stays open and is re-read in place (a positioned read regenerates it),
 * which costs a tenth of opening it again every time; the directory listing finds new threads.
 */
class ThreadDemand {
  readonly #files = new Map<string, KeptFile>();
  #unavailable = false;

  /** Current totals by thread id, or undefined where schedstat is unavailable. */
  read(): Map<string, number> | undefined {
    if (this.#unavailable) return undefined;
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      this.#unavailable = true;
      return undefined;
    }
    const out = new Map<string, number>();
    for (const tid of tids) {
      let file = this.#files.get(tid);
      if (file === undefined) {
        file = new KeptFile(`/proc/self/task/${tid}/schedstat`, 128);
        this.#files.set(tid, file);
      }
      // undefined: the thread ended between listing and reading; its last interval is not counted
      const [run, wait] = file.read()?.split(' ') ?? [];
      const ns = Number(run) + Number(wait);
      if (Number.isFinite(ns)) out.set(tid, ns);
    }
    for (const [tid, file] of this.#files) {
      if (!out.has(tid)) {
        this.#files.delete(tid);
        file.close();
      }
    }
    if (out.size === 0) this.#unavailable = true;
    return out.size > 0 ? out : undefined;
  }

  close(): void {
    for (const file of this.#files.values()) file.close();
    this.#files.clear();
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already gone
  }
}

/** Demand accumulated between two readings; a thread that started in between counts from its start. */
function demandDeltaNs(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const [tid, ns] of after) sum += Math.max(0, ns - (before.get(tid) ?? 0));
  return sum;
}

/**
 * Whole-machine CPU time (busy, total). From the first line of /proc/stat where it exists (a kept file
 * re-read in place: a tenth of the cost of `os.cpus()`, which builds an object per core with its model
 * name), otherwise from `os.cpus()`.
 */
function hostTimes(stat: KeptFile): { busy: number; total: number } {
  const line = stat.read();
  if (line?.startsWith('cpu ')) {
    // cpu  user nice system idle iowait irq softirq steal ...
    const f = line.slice(4, line.indexOf('\n')).trim().split(/\s+/u).slice(0, 8).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    if (Number.isFinite(total)) return { busy: total - idle, total };
  }
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

/** A small file kept open and re-read from the start on each `read()`; undefined once it fails. */
class KeptFile {
  #fd: number | undefined;
  #failed = false;
  readonly #buf: Buffer;

  constructor(
    private readonly path: string,
    size: number,
  ) {
    this.#buf = Buffer.alloc(size);
  }

  read(): string | undefined {
    if (this.#failed) return undefined;
    try {
      this.#fd ??= openSync(this.path, 'r');
      const n = readSync(this.#fd, this.#buf, 0, this.#buf.length, 0);
      return this.#buf.toString('latin1', 0, n);
    } catch {
      this.#failed = true;
      this.close();
      return undefined;
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeQuietly(this.#fd);
    this.#fd = undefined;
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
