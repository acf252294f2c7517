// Benchmarks: a trivial task through a periphery vs raw piscina (same pool size, same run), and a
// granted fetch vs plain fetch against a loopback server. Prints medians of 3 rounds, interleaved.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { defineContract } from '@cellular/core';
import { z } from 'zod';
import { definePeriphery } from '../src/index.js';
import { createGrantedFetch } from '../src/internal/granted-fetch.js';
import { resolveNetGrant } from '../src/capabilities.js';

const Echo = defineContract({ name: 'b.echo', subject: 'b.echo', version: 1, kind: 'query', schema: z.unknown(), response: z.unknown() });
const Get = defineContract({ name: 'b.get', subject: 'b.get', version: 1, kind: 'query', schema: z.unknown(), response: z.unknown() });

async function rate(total: number, inFlight: number, op: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < total) await op();
    }),
  );
  return (total / (performance.now() - start)) * 1000;
}

/** Interleaved rounds per figure (the machine is shared and noisy). */
const ROUNDS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const rows: string[] = [];
function row(work: string, anchorName: string, anchor: number[], ours: number[]): void {
  const a = median(anchor);
  const o = median(ours);
  rows.push(`| ${work} | ${anchorName}: ${fmt(a)}/s | ${fmt(o)}/s | ${(o / a).toFixed(2)}x |`);
}

const raw = new Piscina({ filename: new URL('./fixtures/raw.mjs', import.meta.url).href, minThreads: 2, maxThreads: 2, idleTimeout: 60_000 });
const periphery = definePeriphery({ name: 'bench', module: new URL('./fixtures/trivial.mjs', import.meta.url), handles: { echo: Echo, get: Get }, limits: { threads: 2, recycleAfterTasks: 1_000_000 } });

// warm up both pools
await rate(2_000, 50, () => raw.run({ n: 1 }));
await rate(2_000, 50, () => periphery.run('echo', { n: 1 }));

for (const [inFlight, total] of [[1, 2_000], [100, 10_000]] as const) {
  const a: number[] = [];
  const o: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await rate(total, inFlight, () => raw.run({ n: 1 })));
    o.push(await rate(total, inFlight, () => periphery.run('echo', { n: 1 })));
  }
  row(`trivial task, ${inFlight} in flight`, 'raw piscina (2 threads)', a, o);
}

const server = createServer((_req, res) => res.end('hello'));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const grantedPeriphery = definePeriphery({
  name: 'bench-net',
  module: new URL('./fixtures/trivial.mjs', import.meta.url),
  handles: { echo: Echo, get: Get },
  capabilities: { net: { allow: ['127.0.0.1:*'], allowAddresses: ['127.0.0.1/32'] } },
  limits: { threads: 2 },
});
const hostGuard = createGrantedFetch(resolveNetGrant({ allow: ['127.0.0.1:*'], allowAddresses: ['127.0.0.1/32'] }));
const plain = async (): Promise<void> => {
  await (await fetch(url)).text();
};
const hostSide = async (): Promise<void> => {
  await hostGuard.fetch({ url, method: 'GET', headers: [], body: null, redirect: 'follow' });
};
const fromTask = (): Promise<unknown> => grantedPeriphery.run('get', { url });
await rate(500, 10, plain);
await rate(500, 10, hostSide);
await rate(500, 10, fromTask);
for (const inFlight of [1, 10]) {
  const p: number[] = [];
  const h: number[] = [];
  const t: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    p.push(await rate(2_000, inFlight, plain));
    h.push(await rate(2_000, inFlight, hostSide));
    t.push(await rate(2_000, inFlight, fromTask));
  }
  row(`loopback GET, ${inFlight} in flight: host-side guard only`, 'plain fetch', p, h);
  row(`loopback GET, ${inFlight} in flight: granted fetch from a task`, 'plain fetch', p, t);
}

console.log(`Node ${process.version}, ${availableParallelism()} cores, shared machine; medians of ${ROUNDS} interleaved rounds\n`);
console.log('| work | anchor | periphery | ratio |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);

hostGuard.close();
await periphery.close();
await grantedPeriphery.close();
await raw.destroy();
server.closeAllConnections();
server.close();
