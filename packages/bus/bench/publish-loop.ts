/**
 * A bare fire-and-forget loop for instruction counting (`valgrind --tool=callgrind`), like
 * `request-loop.ts`: run it with two `ITER` values and divide the difference by the extra messages.
 *
 *   ITER=3 valgrind --tool=callgrind node --single-threaded --conditions=@cellular/source --import tsx bench/publish-loop.ts
 *
 * `CASE=ee` runs node:events EventEmitter through the same loop; `SUBS` sets the subscriber count.
 */
import { defineContract } from '@cellular/core';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { createBus } from '../src/index.js';

const Placed = defineContract({
  name: 'orders.placed',
  subject: 'orders.placed',
  version: 1,
  kind: 'event',
  schema: z.object({ id: z.string(), total: z.number() }),
  validate: 'off',
});
const N = Number(process.env.N ?? 200_000);
const ITER = Number(process.env.ITER ?? 3);
const SUBS = Number(process.env.SUBS ?? 1);
const CASE = process.env.CASE ?? 'bus';
const payload = { id: 'o-1', total: 42 };

let count = 0;
const handler = (): void => {
  count++;
};
const bus = createBus({ telemetry: false });
const ee = new EventEmitter();
for (let i = 0; i < SUBS; i++) {
  bus.subscribe(Placed, handler);
  ee.on('placed', handler);
}

async function round(n: number): Promise<void> {
  count = 0;
  if (CASE === 'ee') {
    for (let i = 0; i < n; i++) ee.emit('placed', payload);
  } else {
    for (let i = 0; i < n; i++) void bus.publish(Placed, payload);
    while (count < n * SUBS) await new Promise<void>((r) => setImmediate(r));
  }
  if (count !== n * SUBS) throw new Error(`lost messages: ${String(count)}`);
}

for (let k = 0; k < ITER; k++) await round(N);
await bus.close();
