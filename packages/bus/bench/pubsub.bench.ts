/**
 * Fire-and-forget throughput: the bus (validation off and on, telemetry on and off) against
 * node:events EventEmitter, eventemitter3, mitt and a Moleculer 0.14 local broker's `emit`, with 1 and
 * 10 subscribers. Every case counts deliveries and waits until all arrived.
 */
import { defineContract } from '@cellular/core';
import { EventEmitter } from 'node:events';
import { EventEmitter as EventEmitter3 } from 'eventemitter3';
import mittImport from 'mitt';
import { ServiceBroker } from 'moleculer';
import { z } from 'zod';
import { createBus } from '../src/index.js';
import { fileURLToPath } from 'node:url';
import { childCase, compare, type Case, isolatedRounds, machine, median, reportToParent, scaled, table, until } from './lib.js';

const schema = z.object({ id: z.string(), total: z.number() });
const Off = defineContract({ name: 'bench.off', subject: 'bench.off', version: 1, kind: 'event', schema, validate: 'off' });
const On = defineContract({ name: 'bench.on', subject: 'bench.on', version: 1, kind: 'event', schema, validate: 'publish' });
const payload = { id: 'o-1', total: 42 };
// mitt ships ESM at run time but CommonJS-looking types: its default import is the function itself.
const mitt = mittImport as unknown as typeof mittImport.default;

async function cases(subscribers: number): Promise<{ cases: Record<string, Case>; cleanup: () => Promise<void> }> {
  let count = 0;
  const handler = (): void => {
    count++;
  };
  const ee = new EventEmitter();
  ee.setMaxListeners(100);
  const ee3 = new EventEmitter3();
  const m = mitt<{ placed: typeof payload }>();
  const bus = createBus({ telemetry: false });
  const busTel = createBus({ telemetry: true });
  const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false });
  for (let i = 0; i < subscribers; i++) {
    ee.on('placed', handler);
    ee3.on('placed', handler);
    m.on('placed', handler);
    bus.subscribe(Off, handler);
    bus.subscribe(On, handler);
    busTel.subscribe(Off, handler);
    broker.createService({ name: `svc${String(i)}`, events: { 'orders.placed': handler } });
  }
  await broker.start();
  const total = (n: number): number => n * subscribers;
  const sync = (emit: () => void) => (n: number) => {
    count = 0;
    for (let i = 0; i < n; i++) emit();
    if (count !== total(n)) throw new Error(`lost messages: ${String(count)}`);
  };
  const async = (emit: () => unknown) => async (n: number) => {
    count = 0;
    for (let i = 0; i < n; i++) void emit();
    await until(() => count >= total(n));
  };
  return {
    cases: {
      'node:events EventEmitter': sync(() => ee.emit('placed', payload)),
      eventemitter3: sync(() => ee3.emit('placed', payload)),
      mitt: sync(() => {
        m.emit('placed', payload);
      }),
      'moleculer emit': scaled(0.05, async(() => broker.emit('orders.placed', payload))),
      'cellular bus, validation off': async(() => bus.publish(Off, payload)),
      'cellular bus, validation on (zod)': async(() => bus.publish(On, payload)),
      'cellular bus, validation off, telemetry on (no SDK)': async(() => busTel.publish(Off, payload)),
    },
    cleanup: async () => {
      await broker.stop();
      await bus.close();
      await busTel.close();
    },
  };
}

const N = Number(process.env.BENCH_N ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NAMES = [
  'node:events EventEmitter',
  'eventemitter3',
  'mitt',
  'moleculer emit',
  'cellular bus, validation off',
  'cellular bus, validation on (zod)',
  'cellular bus, validation off, telemetry on (no SDK)',
];

if (childCase !== undefined) {
  // Child: one case, warm-up then a median of 3 quick in-process samples, with no forced collection
  // between them (the process runs this case only).
  const subs = Number(process.env.BENCH_SUBSCRIBERS ?? 1);
  const { cases: c, cleanup } = await cases(subs);
  const run = c[childCase];
  if (run === undefined) throw new Error(`unknown case ${childCase}`);
  const results = await compare({ [childCase]: run }, N, 3, 5, false);
  reportToParent(results[childCase]);
  await cleanup();
} else {
  console.log(`# Fire-and-forget (${machine()}; ${String(N)} messages per sample, median of ${String(ROUNDS)} fresh-process rounds)\n`);
  for (const subs of [1, 10]) {
    const samples = await isolatedRounds<number>(fileURLToPath(import.meta.url), NAMES, ROUNDS, { BENCH_SUBSCRIBERS: String(subs) });
    const results: Record<string, number> = {};
    for (const name of NAMES) results[name] = median(samples[name]!);
    console.log(table(`${String(subs)} subscriber${subs === 1 ? '' : 's'} (deliveries/s = ops/s x ${String(subs)})`, results, 'node:events EventEmitter'));
    console.log('');
  }
}
