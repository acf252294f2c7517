/**
 * Gateway overhead on loopback: an authenticated (API key), validated POST that goes over the real
 * in-memory bus to a handler and back, with the audit log written to disk (batched fsync, Ed25519
 * checkpoints) and per-IP and per-principal rate limiting on, against a bare Fastify route with the
 * same JSON schema (ajv) in the same process and run. autocannon runs as a child process so the load
 * generator does not share the servers' event loop (it does share the machine's cores).
 * Target: gateway >= 0.6x the bare route's requests/s, p99 within 2x. Medians of 5 alternating runs.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import * as gw from '../src/index.js';
import type { Result } from './autocannon.js';
import { CONNECTIONS, DURATION, load, median } from './autocannon.js';
import { startBare, startGateway } from './servers.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The median of one per-request figure over the runs. */
function perReq(runs: readonly Result[], key: 'serverCpuUs' | 'clientCpuUs' | 'clientSleeps'): number {
  return median(runs.map((r) => r[key]));
}

async function main(): Promise<void> {
  const bare = await startBare();
  const gateway = await startGateway(gw);

  const loadBefore = loadavg()[0] ?? 0;
  // Warm up both (JIT), then alternate so drift on a shared machine hits both alike.
  await load(bare.url, bare.headers);
  await load(gateway.url, gateway.headers);
  const bareRuns: Result[] = [];
  const gwRuns: Result[] = [];
  for (let i = 0; i < RUNS; i++) {
    bareRuns.push(await load(bare.url, bare.headers));
    gwRuns.push(await load(gateway.url, gateway.headers));
  }
  const b = { rps: median(bareRuns.map((r) => r.rps)), p50: median(bareRuns.map((r) => r.p50)), p99: median(bareRuns.map((r) => r.p99)) };
  const g = { rps: median(gwRuns.map((r) => r.rps)), p50: median(gwRuns.map((r) => r.p50)), p99: median(gwRuns.map((r) => r.p99)) };
  const gwNon2xx = gwRuns.reduce((n, r) => n + r.non2xx, 0);
  const bareNon2xx = bareRuns.reduce((n, r) => n + r.non2xx, 0);
  // A refusal is cheaper than the work: a run with any non-2xx response measures the wrong thing.
  if (gwNon2xx + bareNon2xx > 0) throw new Error(`non-2xx responses: bare ${bareNon2xx}, gateway ${gwNon2xx}`);
  const bareCpu = perReq(bareRuns, 'serverCpuUs');
  const gwCpu = perReq(gwRuns, 'serverCpuUs');
  const lines = [
    `Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), autocannon ${CONNECTIONS} connections x ${DURATION} s, medians of ${RUNS} runs, latency percentiles from every response's own time; load generator on the same machine; 1-min load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after`,
    '',
    '| target | req/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    `| bare Fastify route (same JSON schema) | ${b.rps.toFixed(0)} | ${b.p50.toFixed(2)} | ${b.p99.toFixed(2)} |`,
    `| gateway: API key + RBAC + zod + audit + rate limits + bus | ${g.rps.toFixed(0)} | ${g.p50.toFixed(2)} | ${g.p99.toFixed(2)} |`,
    `| ratio gateway / bare | **${(g.rps / b.rps).toFixed(2)}x** (target >= 0.6x) | | **${(g.p99 / b.p99).toFixed(2)}x** (target <= 2x) |`,
    '',
    `runs (req/s): bare ${bareRuns.map((r) => r.rps.toFixed(0)).join(', ')}; gateway ${gwRuns.map((r) => r.rps.toFixed(0)).join(', ')}; non-2xx responses: bare ${bareNon2xx}, gateway ${gwNon2xx}`,
    // Each gateway run follows its bare run within seconds: the median of those pairs' ratios cancels
    // some of the drift of this VM's speed between runs, which the ratio of the two medians does not.
    `median ratio of adjacent runs (gateway / the bare run just before it): ${median(gwRuns.map((r, i) => r.rps / bareRuns[i]!.rps)).toFixed(2)}x`,
    `runs (p99 ms): bare ${bareRuns.map((r) => r.p99.toFixed(2)).join(', ')}; gateway ${gwRuns.map((r) => r.p99.toFixed(2)).join(', ')}`,
    // Where the time went. With the load generator on the same cores, the rate ratio mixes the servers'
    // own work with the load generator's: it sleeps more while it waits for a slower server, and each
    // wake-up is paid by the server's socket write. The server's CPU time per request is its work alone.
    `CPU per request (medians, us): server bare ${bareCpu.toFixed(1)}, gateway ${gwCpu.toFixed(1)} (bare / gateway ${(bareCpu / gwCpu).toFixed(2)}x); load generator bare ${perReq(bareRuns, 'clientCpuUs').toFixed(1)}, gateway ${perReq(gwRuns, 'clientCpuUs').toFixed(1)}`,
    `load generator sleeps per request (waits for a response): bare ${perReq(bareRuns, 'clientSleeps').toFixed(2)}, gateway ${perReq(gwRuns, 'clientSleeps').toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await gateway.close();
  await bare.close();
}

await main();
