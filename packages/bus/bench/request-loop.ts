/**
 * A bare request/reply loop for instruction counting (`valgrind --tool=callgrind`), which is
 * repeatable on a loaded machine where wall-clock numbers are not. Run it twice with different
 * `ITER` and divide the difference in instructions by the extra requests, so start-up cancels out:
 *
 *   ITER=3 valgrind --tool=callgrind node --conditions=@cellular/source --import tsx bench/request-loop.ts
 *   ITER=9 valgrind --tool=callgrind node --conditions=@cellular/source --import tsx bench/request-loop.ts
 *   per request = (Ir(9) - Ir(3)) / (6 * N)
 *
 * `CASE=moleculer` and `CASE=plain` run the anchors through the same loop (100 in flight, no
 * latency recording).
 */
import { defineContract } from '@cellular/core';
import { ServiceBroker } from 'moleculer';
import { z } from 'zod';
import { createBus } from '../src/index.js';

const Add = defineContract({
  name: 'math.add',
  subject: 'math.add',
  version: 1,
  kind: 'query',
  schema: z.object({ a: z.number(), b: z.number() }),
  response: z.number(),
  validate: 'off',
});
const N = Number(process.env.N ?? 20_000);
const ITER = Number(process.env.ITER ?? 3);
const CASE = process.env.CASE ?? 'bus';
const params = { a: 1, b: 2 };

const bus = createBus({ telemetry: false });
bus.handle(Add, ({ a, b }) => a + b);
const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false });
broker.createService({ name: 'math', actions: { add: (ctx: { params: { a: number; b: number } }) => ctx.params.a + ctx.params.b } });
await broker.start();
const add = async ({ a, b }: { a: number; b: number }): Promise<number> => a + b;
const call: () => Promise<unknown> =
  CASE === 'moleculer' ? () => broker.call('math.add', params) : CASE === 'plain' ? () => add(params) : () => bus.request(Add, params);

async function round(total: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: 100 }, worker));
}

for (let k = 0; k < ITER; k++) await round(N);
await broker.stop();
await bus.close();
