/**
 * Publish cost with 10 versus 100,000 subscriptions (literal and wildcard patterns): the token trie
 * and its match cache keep a publish independent of how many subscriptions exist. Measured on the
 * transport and on the bus, for one hot subject (match cache hit) and for 10,000 rotating subjects
 * (more than the match cache holds, so every publish walks the trie).
 */
import { createEnvelope, defineContract } from '@cellular/core';
import { z } from 'zod';
import { createBus, createMemoryTransport } from '../src/index.js';
import { compare, type Case, machine, until } from './lib.js';

const N = Number(process.env.BENCH_N ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const Hot = defineContract({ name: 'load.hot', subject: 'load.7.hot', version: 1, kind: 'event', schema: z.object({ n: z.number() }), validate: 'off' });

async function setup(total: number): Promise<{ cases: Record<string, Case>; close: () => Promise<void> }> {
  const bus = createBus({ telemetry: false });
  const transport = createMemoryTransport({ matchCacheSize: 4096 });
  let count = 0;
  const handler = (): void => {
    count++;
  };
  // Three subscriptions match the hot subject (literal, `*`, `>`); the rest never match it. A tenth of
  // the rest are wildcards.
  for (const t of [transport]) {
    t.subscribe('load.7.hot', handler);
    t.subscribe('load.*.hot', handler);
    t.subscribe('load.>', handler);
  }
  bus.subscribe('load.7.hot', handler);
  bus.subscribe('load.*.hot', handler);
  bus.subscribe('load.>', handler);
  for (let i = 3; i < total; i++) {
    const pattern = i % 10 === 0 ? `other.${String(i)}.*` : `other.${String(i)}.x`;
    transport.subscribe(pattern, handler);
    bus.subscribe(pattern, handler);
  }
  const hot = createEnvelope({ subject: 'load.7.hot', payload: { n: 1 } });
  const rotating = Array.from({ length: 10_000 }, (_, i) => createEnvelope({ subject: `load.${String(i)}.hot`, payload: { n: i } }));
  const run = (publish: (i: number) => void, perMessage: number) => async (n: number) => {
    count = 0;
    for (let i = 0; i < n; i++) publish(i);
    await until(() => count >= n * perMessage);
  };
  return {
    cases: {
      'transport, hot subject': run(() => {
        transport.publish(hot);
      }, 3),
      'transport, 10k rotating subjects': run((i) => {
        transport.publish(rotating[i % rotating.length]!);
      }, 1),
      'bus, hot subject': run(() => void bus.publish(Hot, { n: 1 }), 3),
    },
    close: async () => {
      await bus.close();
      await transport.close();
    },
  };
}

console.log(`# Publish cost vs number of subscriptions (${machine()}; ${String(N)} messages per round, median of ${String(ROUNDS)} rounds)\n`);
const results: Record<string, number> = {};
for (const total of [10, 100_000]) {
  const { cases, close } = await setup(total);
  const r = await compare(cases, N, ROUNDS);
  for (const [name, ops] of Object.entries(r)) results[`${name}, ${total.toLocaleString('en-US')} subscriptions`] = ops;
  await close();
}
const lines = ['| case | 10 subscriptions (msg/s) | 100,000 subscriptions (msg/s) | ratio 100k / 10 |', '| --- | ---: | ---: | ---: |'];
for (const name of ['transport, hot subject', 'transport, 10k rotating subjects', 'bus, hot subject']) {
  const a = results[`${name}, 10 subscriptions`]!;
  const b = results[`${name}, 100,000 subscriptions`]!;
  lines.push(`| ${name} | ${Math.round(a).toLocaleString('en-US')} | ${Math.round(b).toLocaleString('en-US')} | ${(b / a).toFixed(2)}x |`);
}
console.log(lines.join('\n'));
