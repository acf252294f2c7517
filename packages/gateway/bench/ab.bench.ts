/**
 * This package's source against a baseline copy of it, both servers in one process, rounds
 * alternating which goes first: the way to measure a change of a few percent on a noisy machine,
 * where two separate runs of `bench` drift apart by more than that. Each round runs both servers once;
 * it prints the ratio of the medians and the median of each round's ratio (new over baseline).
 *
 *   cd packages/gateway && mkdir -p .baseline && git archive HEAD src | tar -x -C .baseline   # before the change
 *   AB_LAYERS=full BENCH_RUNS=7 pnpm --filter @cellular/gateway bench:ab
 *
 * `.baseline/` is ignored by git and lint; `AB_BASELINE` names another copy's `src/index.ts`.
 * `AB_LAYERS`: `core` (public route, no limits, audit events dropped), `audit` (+ audit log),
 * `limits` (+ rate limits), `full` (+ API key authentication: the gateway of `bench`, the default).
 */
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as gw from '../src/index.js';
import { CONNECTIONS, DURATION, load, median } from './autocannon.js';
import type { GatewayLayers, Server } from './servers.js';
import { LAYERS, startGateway } from './servers.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const layersName = process.env.AB_LAYERS ?? 'full';
const layers: GatewayLayers | undefined = (LAYERS as Record<string, GatewayLayers>)[layersName];
if (layers === undefined) throw new Error(`AB_LAYERS must be one of ${Object.keys(LAYERS).join(', ')}`);
const baselinePath = process.env.AB_BASELINE ?? fileURLToPath(new URL('../.baseline/src/index.ts', import.meta.url));

/** One side's runs: requests/s and the server's CPU time per request (µs; see autocannon.ts). */
interface Side {
  readonly rps: number[];
  readonly cpuUs: number[];
}

async function run(server: Server, into: Side): Promise<void> {
  const r = await load(server.url, server.headers);
  // A refusal is cheaper than the work: a run with any non-2xx response measures the wrong thing.
  if (r.non2xx > 0) throw new Error(`${r.non2xx} non-2xx responses from ${server.url}`);
  into.rps.push(r.rps);
  into.cpuUs.push(r.serverCpuUs);
}

async function main(): Promise<void> {
  const baselineModule = (await import(baselinePath)) as typeof gw;
  const baseline = await startGateway(baselineModule, layers);
  const current = await startGateway(gw, layers);
  const b: Side = { rps: [], cpuUs: [] };
  const c: Side = { rps: [], cpuUs: [] };
  await run(baseline, { rps: [], cpuUs: [] }); // warm-up (JIT)
  await run(current, { rps: [], cpuUs: [] });
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      await run(baseline, b);
      await run(current, c);
    } else {
      await run(current, c);
      await run(baseline, b);
    }
  }
  const lines = [
    `Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), autocannon ${CONNECTIONS} connections x ${DURATION} s, ${RUNS} rounds, layers ${layersName}, baseline ${baselinePath}`,
    `req/s baseline ${b.rps.map((x) => x.toFixed(0)).join(' / ')}`,
    `req/s current  ${c.rps.map((x) => x.toFixed(0)).join(' / ')}`,
    `current / baseline: ${(median(c.rps) / median(b.rps)).toFixed(3)} (ratio of medians), ${median(c.rps.map((x, i) => x / (b.rps[i] ?? x))).toFixed(3)} (median of round ratios)`,
    // The server's own work, less sensitive than the rate to how the load generator fares on shared cores.
    `server CPU us/request (medians): baseline ${median(b.cpuUs).toFixed(2)}, current ${median(c.cpuUs).toFixed(2)} (${(median(c.cpuUs) - median(b.cpuUs)).toFixed(2)})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await current.close();
  await baseline.close();
}

await main();
