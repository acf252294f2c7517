/**
 * The trigger monitor's overhead on the bus: the bus's own fire-and-forget and request/reply loops
 * (validation off, one subscriber / one responder, in-memory transport) with the monitor off and on in
 * the same process, in alternating rounds (the case order rotates each round), medians reported.
 *
 * "On" is what an application runs: `createTriggerMonitor` with the default rules, `processSignals()`
 * (CPU, CPU demand, event loop, heap, RSS) and a source reading `bus.stats()`, publishing state changes
 * on the same bus. It is measured at the default 5 s interval and at a 100 ms stress interval, so that
 * a round contains several evaluations. Loss = 1 - on / off, as the median of the per-round ratios
 * (each round measures every case once, side by side). Two measures: ops per wall-clock second, and
 * ops per CPU second of this process — the monitor's cost is CPU work, and CPU time does not count the
 * time other processes on a shared machine take from us, so it is the steadier number there. The last
 * column is the share of each round's wall time spent inside the monitor's evaluations.
 *
 * `pnpm --filter @cellular/triggers bench` (BENCH_ROUNDS, BENCH_EVENTS, BENCH_REQUESTS to change sizes).
 */
import { cpus, loadavg } from 'node:os';
import { z } from 'zod';
import { defineContract } from '@cellular/core';
import { createBus, type Bus } from '@cellular/bus';
import { createTriggerMonitor, DEFAULT_RULES, processSignals, signalSource, type TriggerMonitor } from '../src/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 4_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300_000);
const IN_FLIGHT = 100;

const Placed = defineContract({
  name: 'bench.placed',
  subject: 'bench.placed',
  version: 1,
  kind: 'event',
  schema: z.object({ id: z.string(), total: z.number() }),
  validate: 'off',
});
const Add = defineContract({
  name: 'bench.add',
  subject: 'bench.add',
  version: 1,
  kind: 'query',
  schema: z.object({ a: z.number(), b: z.number() }),
  response: z.number(),
  validate: 'off',
});

const gc = (globalThis as { gc?: () => void }).gc;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Wait until `cond()` holds: first through microtasks (where the bus delivers), then the event loop. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 8 && !cond(); i++) await Promise.resolve();
  while (!cond()) await new Promise((r) => setImmediate(r));
}

const BATCH = 1000;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

type Workload = (n: number) => Promise<void>;

function workloads(bus: Bus): Record<'fire-and-forget' | 'request/reply', { run: Workload; n: number }> {
  let delivered = 0;
  bus.subscribe(Placed, () => {
    delivered++;
  });
  bus.handle(Add, ({ a, b }) => a + b);
  const payload = { id: 'o-1', total: 42 };
  const params = { a: 1, b: 2 };
  return {
    'fire-and-forget': {
      n: EVENTS,
      run: async (n) => {
        delivered = 0;
        // Batches, yielding to the event loop between them as a server does between I/O callbacks:
        // a loop that never yields would never let the monitor's timer run at all.
        for (let i = 0; i < n; i++) {
          void bus.publish(Placed, payload);
          if (i % BATCH === BATCH - 1) await yieldToLoop();
        }
        await until(() => delivered >= n);
      },
    },
    'request/reply': {
      n: REQUESTS,
      run: async (n) => {
        let next = 0;
        const caller = async (): Promise<void> => {
          while (next++ < n) {
            await bus.request(Add, params);
            if (next % BATCH === 0) await yieldToLoop();
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, caller));
      },
    },
  };
}

/** A monitor configured as an application would run it, or undefined for "off". */
function startMonitor(bus: Bus, intervalMs: number | undefined): { stop(): void; monitor: TriggerMonitor } | undefined {
  if (intervalMs === undefined) return undefined;
  const proc = processSignals();
  const monitor = createTriggerMonitor({
    rules: DEFAULT_RULES,
    sources: [
      proc,
      signalSource('bus', () => {
        const s = bus.stats();
        return [
          { name: 'bus.published', value: s.published },
          { name: 'bus.delivered', value: s.delivered },
          { name: 'bus.failed', value: s.failed },
        ];
      }),
    ],
    bus,
    intervalMs,
  });
  monitor.start();
  return {
    monitor,
    stop: () => {
      monitor.stop();
      proc.stop();
    },
  };
}

const MODES = { off: undefined, 'on, 5 s interval (default)': 5000, 'on, 100 ms interval (stress)': 100 } as const;
type Mode = keyof typeof MODES;

interface Sample {
  /** Operations per wall-clock second. */
  readonly ops: number;
  /** Operations per CPU second of this process (all threads): what the monitor's own work costs. */
  readonly cpuOps: number;
  readonly evaluations: number;
  /** Share of the round's wall time spent inside the monitor's evaluations. */
  readonly inMonitor: number;
}

async function measure(bus: Bus, run: Workload, n: number, mode: Mode): Promise<Sample> {
  if (gc !== undefined) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
  const m = startMonitor(bus, MODES[mode]);
  let evaluations = 0;
  let monitorMs = 0;
  if (m) {
    const evaluate = m.monitor.evaluate.bind(m.monitor);
    m.monitor.evaluate = () => {
      evaluations++;
      const t = performance.now();
      return evaluate().finally(() => (monitorMs += performance.now() - t));
    };
  }
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await run(n);
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  m?.stop();
  return { ops: (n / ms) * 1000, cpuOps: n / ((cpu.user + cpu.system) / 1e6), evaluations, inMonitor: monitorMs / ms };
}

const pct = (x: number): string => `${x >= 0 ? '' : '−'}${Math.abs(x).toFixed(1)}%`;
const num = (x: number): string => Math.round(x).toLocaleString('en-US');

const bus = createBus({ telemetry: false });
await bus.connect();
const modes = Object.keys(MODES) as Mode[];
const lines: string[] = [];
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ');
const loadBefore = load();
for (const [name, w] of Object.entries(workloads(bus))) {
  const samples: Record<string, Sample[]> = Object.fromEntries(modes.map((m) => [m, []]));
  for (let round = -2; round < ROUNDS; round++) {
    const shift = round < 0 ? 0 : round % modes.length;
    for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
      const r = await measure(bus, w.run, round < 0 ? Math.floor(w.n / 4) : w.n, mode);
      if (round >= 0) samples[mode]!.push(r);
    }
  }
  const off = samples.off!;
  for (const mode of modes) {
    const s = samples[mode]!;
    const loss = (key: 'ops' | 'cpuOps'): string => (mode === 'off' ? '—' : pct((1 - median(s.map((v, i) => v[key] / off[i]![key]))) * 100));
    const evals = s.reduce((a, v) => a + v.evaluations, 0) / s.length;
    const inMonitor = `${(median(s.map((v) => v.inMonitor)) * 100).toFixed(2)}%`;
    lines.push(
      `| ${name} | ${mode} | ${num(median(s.map((v) => v.ops)))} | ${loss('ops')} | ${num(median(s.map((v) => v.cpuOps)))} | ${loss('cpuOps')} | ${evals.toFixed(1)} | ${inMonitor} |`,
    );
  }
}

// The monitor's own cost, measured directly: the time of one evaluation (all default rules, process and
// bus sources, no transition), as a share of one core at each interval. Steady where the side-by-side
// ratios above are within the machine's noise.
const costMonitor = startMonitor(bus, 3_600_000)!;
costMonitor.monitor.stop();
const perEval: number[] = [];
for (let i = 0; i < 2000; i++) {
  const t = performance.now();
  await costMonitor.monitor.evaluate();
  perEval.push((performance.now() - t) * 1000);
}
costMonitor.stop();
const evalUs = median(perEval.slice(200));
await bus.close();
console.log(`### Trigger monitor overhead on the bus (${String(ROUNDS)} alternating rounds, medians)\n`);
console.log(
  `Node ${process.version}, ${String(cpus().length)} cores (${cpus()[0]?.model ?? 'unknown'}), load average (1/5/15 min) ${loadBefore} before, ${load()} after\n`,
);
console.log('| workload | monitor | ops/s (wall) | loss (wall) | ops per CPU-s | loss (CPU) | evaluations per round | time in evaluations |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const l of lines) console.log(l);
console.log(
  `\nOne evaluation (default rules, process + bus sources): median ${evalUs.toFixed(1)} µs = ${((evalUs / 5_000_000) * 100).toFixed(4)}% of a core at the 5 s interval, ${((evalUs / 100_000) * 100).toFixed(3)}% at 100 ms.`,
);
