// Micro-benchmarks of the per-message work core does, each beside its obvious alternative in the same
// run: id generation vs crypto.randomUUID, contract validation vs a raw zod parse, and the JSON envelope
// codec vs bare JSON.stringify/parse. Prints a markdown table of medians over 5 rounds.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { z } from 'zod';
import { createEnvelope, decodeEnvelope, defineContract, encodeEnvelope, newMessageId } from '../src/index.js';

const schema = z.object({ id: z.string(), qty: z.number().int(), tags: z.array(z.string()) });
const contract = defineContract({ name: 'bench.item', subject: 'bench.item', version: 1, kind: 'event', schema });
const payload = { id: 'abc', qty: 3, tags: ['a', 'b'] };
const env = createEnvelope({ subject: 'bench.item', payload, headers: { traceparent: '00-aa-bb-01' } });

function opsPerSec(fn: () => unknown, ms = 300): number {
  const end = performance.now() + ms;
  let n = 0;
  for (let i = 0; i < 10_000; i++) fn(); // warm-up
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  return n / ((performance.now() - start) / 1000);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rounds = (fn: () => unknown): number => median(Array.from({ length: 5 }, () => opsPerSec(fn)));

const rows: [string, number, string, number][] = [
  ['newMessageId()', rounds(() => newMessageId()), 'crypto.randomUUID()', rounds(() => randomUUID())],
  ['contract.parsePayload', rounds(() => contract.parsePayload(payload)), 'schema.parse (raw zod)', rounds(() => schema.parse(payload))],
  [
    'encode+decodeEnvelope',
    rounds(() => decodeEnvelope(encodeEnvelope(env))),
    'JSON.stringify+parse',
    rounds(() => JSON.parse(JSON.stringify(env)) as unknown),
  ],
];
const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);
console.log(`Node ${process.version}, ${cpus().length} cores, median of 5 rounds (ops/s)\n`);
console.log('| work | ops/s | anchor | ops/s | ratio |');
console.log('|---|---|---|---|---|');
for (const [a, av, b, bv] of rows) console.log(`| ${a} | ${fmt(av)} | ${b} | ${fmt(bv)} | ${(av / bv).toFixed(2)}x |`);
