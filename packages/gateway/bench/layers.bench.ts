/**
 * What each of the gateway's layers costs, in one run: the bench route on bare Fastify, the same route
 * carrying the gateway's HTTP header bytes (API key in, security headers and request id out), then the
 * gateway with its layers added one at a time, up to the full configuration of `gateway.bench.ts`.
 * Each round runs every server once, in this order; each figure is the median over rounds of the
 * server's rate divided by the bare route's rate in the same round (which cancels most of the drift of
 * a shared machine between rounds). `pnpm --filter @cellular/gateway bench:layers`; `BENCH_RUNS` rounds (3).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import * as gw from '../src/index.js';
import { CONNECTIONS, DURATION, load, median } from './autocannon.js';
import type { Server } from './servers.js';
import { LAYERS, startBare, startGateway } from './servers.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const steps: readonly { readonly name: string; readonly start: () => Promise<Server> }[] = [
  { name: 'bare Fastify route (same JSON schema)', start: () => startBare() },
  { name: "bare route + the gateway's header bytes (API key in; 5 security headers + x-request-id out)", start: () => startBare({ headerBytes: true }) },
  { name: 'gateway, public route, no rate limits, audit events dropped (routing, headers, payload checks, zod, bus)', start: () => startGateway(gw, LAYERS.core) },
  { name: '+ audit log on disk (hash chain, batched fsync, Ed25519 checkpoints)', start: () => startGateway(gw, LAYERS.audit) },
  { name: '+ per-IP and per-principal rate limits', start: () => startGateway(gw, LAYERS.limits) },
  { name: '+ API key authentication and capability check (the full gateway of `pnpm bench`)', start: () => startGateway(gw, LAYERS.full) },
];

async function main(): Promise<void> {
  const servers: Server[] = [];
  for (const s of steps) servers.push(await s.start());
  const loadBefore = loadavg()[0] ?? 0;
  for (const s of servers) await load(s.url, s.headers); // warm-up (JIT)
  const rates: number[][] = steps.map(() => []);
  const cpuUs: number[][] = steps.map(() => []);
  let non2xx = 0;
  for (let round = 0; round < RUNS; round++) {
    for (const [i, s] of servers.entries()) {
      const r = await load(s.url, s.headers);
      rates[i]?.push(r.rps);
      cpuUs[i]?.push(r.serverCpuUs);
      non2xx += r.non2xx;
    }
  }
  // A refusal is cheaper than the work: a run with any non-2xx response measures the wrong thing.
  if (non2xx > 0) throw new Error(`${non2xx} non-2xx responses`);
  const bare = rates[0] ?? [];
  const lines = [
    `Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), autocannon ${CONNECTIONS} connections x ${DURATION} s, ${RUNS} rounds; load generator on the same machine; 1-min load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after`,
    '',
    '| server | req/s (median) | x bare (median of rounds) | step | server CPU us/request | + us |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  // The server's CPU time per request (all its threads) is its work alone; the rate also depends on how
  // the load generator, on the same cores, fares against it (see autocannon.ts).
  let previous = 1;
  let previousCpu = 0;
  for (const [i, s] of steps.entries()) {
    const ratio = median((rates[i] ?? []).map((r, round) => r / (bare[round] ?? r)));
    const cpu = median(cpuUs[i] ?? []);
    const step = i === 0 ? '' : `${(ratio / previous).toFixed(2)}x`;
    lines.push(`| ${s.name} | ${median(rates[i] ?? []).toFixed(0)} | ${ratio.toFixed(2)}x | ${step} | ${cpu.toFixed(1)} | ${i === 0 ? '' : (cpu - previousCpu).toFixed(1)} |`);
    previous = ratio;
    previousCpu = cpu;
  }
  lines.push('', `rounds (req/s): ${rates.map((r) => r.map((x) => x.toFixed(0)).join('/')).join('; ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const s of servers) await s.close();
}

await main();
