/**
 * Request/reply with 100 requests in flight: throughput and p50/p99 latency of the bus against a
 * Moleculer 0.14 local broker's `call` and a plain awaited async function. Each case runs in a fresh
 * process per round (see `isolatedRounds`).
 */
import { defineContract } from '@cellular/core';
import { ServiceBroker } from 'moleculer';
import { z } from 'zod';
import { createBus } from '../src/index.js';
import { fileURLToPath } from 'node:url';
import { childCase, fmt, isolatedRounds, machine, median, percentile, reportToParent } from './lib.js';

const schema = z.object({ a: z.number(), b: z.number() });
const AddOff = defineContract({ name: 'math.add.off', subject: 'math.add.off', version: 1, kind: 'query', schema, response: z.number(), validate: 'off' });
const AddOn = defineContract({ name: 'math.add.on', subject: 'math.add.on', version: 1, kind: 'query', schema, response: z.number(), validate: 'publish' });

type Call = () => Promise<unknown>;

interface RoundResult {
  readonly ops: number;
  readonly latencies: number[];
}

/**
 * Run `total` calls with `inFlight` concurrent callers. Throughput and latency come from separate
 * rounds: timing each call costs two `performance.now()` reads (about 100 ns on this machine), as
 * much as a whole plain async call, so a timed round understates every rate and pulls every ratio
 * towards 1 (the request rates of the untimed rounds are 1.3-2x those of the timed ones).
 */
async function round(call: Call, total: number, inFlight: number, timed: boolean): Promise<RoundResult> {
  const latencies: number[] = timed ? new Array<number>(total) : [];
  let next = 0;
  const timedWorker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      await call();
      latencies[i] = performance.now() - t;
    }
  };
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      await call();
    }
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    await new Promise((r) => setTimeout(r, 150));
  }
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, timed ? timedWorker : worker));
  const ms = performance.now() - start;
  return { ops: (total / ms) * 1000, latencies };
}

// 2,000,000 per measured round (500,000 per warm-up and for the timed round): at 50,000 a round
// lasted ~60 ms and measured JIT warm-up more than requests, and at 500,000 one untimed round of the
// bus still varied 2x between fresh processes.
const N = Number(process.env.BENCH_REQUESTS ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 100;

const bus = createBus({ telemetry: false });
bus.handle(AddOff, ({ a, b }) => a + b);
bus.handle(AddOn, ({ a, b }) => a + b);
const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false });
broker.createService({
  name: 'math',
  actions: {
    add: (ctx: { params: { a: number; b: number } }) => ctx.params.a + ctx.params.b,
  },
});
await broker.start();
const add = async ({ a, b }: { a: number; b: number }): Promise<number> => a + b;
const params = { a: 1, b: 2 };

const cases: Record<string, { call: Call; scale: number }> = {
  'plain async call': { call: () => add(params), scale: 1 },
  'moleculer call': { call: () => broker.call('math.add', params), scale: 1 },
  'cellular request, validation off': { call: () => bus.request(AddOff, params), scale: 1 },
  'cellular request, validation on (zod)': { call: () => bus.request(AddOn, params), scale: 1 },
};

if (childCase !== undefined) {
  // Child: warm up, then one measured round of one case.
  const c = cases[childCase];
  if (c === undefined) throw new Error(`unknown case ${childCase}`);
  for (let w = 0; w < 3; w++) await round(c.call, Math.floor((N / 4) * c.scale), IN_FLIGHT, w === 2);
  const rate = await round(c.call, Math.floor(N * c.scale), IN_FLIGHT, false);
  const timed = await round(c.call, Math.floor((N / 4) * c.scale), IN_FLIGHT, true);
  reportToParent({ ops: rate.ops, p50: percentile(timed.latencies, 50), p99: percentile(timed.latencies, 99), timedOps: timed.ops });
} else {
  const samples = await isolatedRounds<{ ops: number; p50: number; p99: number; timedOps: number }>(
    fileURLToPath(import.meta.url),
    Object.keys(cases),
    ROUNDS,
  );
  console.log(
    `# Request/reply (${machine()}; ${String(IN_FLIGHT)} in flight, ${String(N)} requests per round, median of ${String(ROUNDS)} rounds, each in a fresh process)\n`,
  );
  const moleculer = median(samples['moleculer call']!.map((s) => s.ops));
  const moleculerTimed = median(samples['moleculer call']!.map((s) => s.timedOps));
  const lines = [
    '| case | req/s (median) | ratio vs moleculer call | p50 µs | p99 µs | req/s while timing each call | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, rs] of Object.entries(samples)) {
    const ops = median(rs.map((s) => s.ops));
    const timedOps = median(rs.map((s) => s.timedOps));
    const p50 = median(rs.map((s) => s.p50)) * 1000;
    const p99 = median(rs.map((s) => s.p99)) * 1000;
    lines.push(
      `| ${name} | ${fmt(ops)} | ${(ops / moleculer).toFixed(2)}x | ${p50.toFixed(0)} | ${p99.toFixed(0)} | ${fmt(timedOps)} | ${(timedOps / moleculerTimed).toFixed(2)}x |`,
    );
  }
  console.log(lines.join('\n'));
  console.log('');
}
await broker.stop();
await bus.close();
