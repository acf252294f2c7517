// Instruction counts per task (repeatable on a noisy machine, unlike wall clock): run under
//   valgrind --tool=callgrind node bench/instructions.mjs <raw|periphery> <tasks> <inFlight>
// once with 0 tasks and once with N; (Ir(N) - Ir(0)) / N is the cost of one task, all threads.
// Uses the built package (`pnpm build` first), or the one in SANDBOX_DIST (to compare two builds).
import { Piscina } from 'piscina';
import { defineContract } from '@cellular/core';
import { z } from 'zod';

const { definePeriphery } = await import(process.env.SANDBOX_DIST ?? '../dist/index.js');

const [mode = 'periphery', totalArg = '0', inFlightArg = '100'] = process.argv.slice(2);
const total = Number(totalArg);
const inFlight = Number(inFlightArg);
const Echo = defineContract({ name: 'b.echo', subject: 'b.echo', version: 1, kind: 'query', schema: z.unknown(), response: z.unknown() });
const raw = new Piscina({ filename: new URL('./fixtures/raw.mjs', import.meta.url).href, minThreads: 2, maxThreads: 2, idleTimeout: 60_000 });
const periphery = definePeriphery({
  name: 'bench',
  module: new URL('./fixtures/trivial.mjs', import.meta.url),
  handles: { echo: Echo },
  // valgrind slows worker start-up far past the default deadline
  limits: { threads: 2, recycleAfterTasks: 1_000_000, timeoutMs: 3_600_000 },
});
const op = mode === 'raw' ? () => raw.run({ n: 1 }) : () => periphery.run('echo', { n: 1 });
// start the workers and load the task module in both modes, so the difference is the tasks alone
await Promise.all([raw.run({ n: 1 }), raw.run({ n: 1 }), periphery.run('echo', { n: 1 }), periphery.run('echo', { n: 1 })]);
let next = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next++ < total) await op();
  }),
);
await periphery.close();
await raw.destroy();
