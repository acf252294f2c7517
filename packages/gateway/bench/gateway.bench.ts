/**
 * Gateway overhead on loopback: an authenticated (API key), validated POST that goes over the real
 * in-memory bus to a handler and back, with the audit log written to disk (batched fsync, Ed25519
 * checkpoints) and per-IP and per-principal rate limiting on, against a bare Fastify route with the
 * same JSON schema (ajv) in the same process and run. autocannon runs as a child process so the load
 * generator does not share the servers' event loop (it does share the machine's cores).
 * Target: gateway >= 0.6x the bare route's requests/s, p99 within 2x. Medians of 5 alternating runs.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { z } from 'zod';
import { createBus } from '@cellular/bus';
import { defineContract } from '@cellular/core';
import { ApiKeyStore, AuditLog, createGateway, defineRoute } from '../src/index.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const PlaceOrder = defineContract({
  name: 'orders.place',
  subject: 'orders.place',
  version: 1,
  kind: 'command',
  schema: z.object({ sku: z.string().min(1).max(40), qty: z.number().int().positive().max(1000), note: z.string().max(200).optional() }),
  response: z.object({ orderId: z.string(), qty: z.number() }),
});
const body = JSON.stringify({ sku: 'sku-123', qty: 3, note: 'leave at the door' });

interface Result {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const run = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

async function load(url: string, headers: Record<string, string>): Promise<Result> {
  const args = [autocannonBin, '-j', '-c', String(CONNECTIONS), '-d', String(DURATION), '-m', 'POST', '-b', body, '-H', 'content-type=application/json'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 24 });
  const r = JSON.parse(stdout) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number };
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  // Bare Fastify: same JSON schema, ajv validation, handler answers directly.
  const bare = Fastify({ logger: false });
  // Fastify's ajv is draft-07: generate that dialect and drop `$schema`.
  const { $schema: _dialect, ...schema } = z.toJSONSchema(PlaceOrder.schema, { io: 'input', target: 'draft-07' });
  bare.post('/orders', { schema: { body: { ...schema, additionalProperties: false } } }, async (req) => ({ orderId: 'o-1', qty: (req.body as { qty: number }).qty }));
  const bareUrl = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/orders`;

  // Gateway: API key, RBAC, zod, audit log on disk, rate limits, real bus.
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-'));
  const audit = await AuditLog.open({ path: join(dir, 'audit.jsonl'), checkpointKey: generateKeyPairSync('ed25519').privateKey });
  const bus = createBus({ telemetry: false });
  bus.handle(PlaceOrder, (p) => ({ orderId: 'o-1', qty: p.qty }));
  const keys = new ApiKeyStore();
  const key = keys.issue('bench', { roles: ['writer'] }).key;
  const gateway = await createGateway({
    bus,
    routes: [defineRoute({ method: 'POST', path: '/orders', contract: PlaceOrder, capabilities: ['orders:write'] })],
    auth: { apiKeys: keys },
    rbac: { roles: { writer: ['orders:write'] } },
    audit,
    trustProxy: false,
    limits: { perIp: { max: 1e9, windowMs: 60_000 }, perPrincipal: { max: 1e9, windowMs: 60_000 } },
  });
  const gwUrl = `${await gateway.listen()}/orders`;

  const loadBefore = loadavg()[0] ?? 0;
  // Warm up both (JIT), then alternate so drift on a shared machine hits both alike.
  await load(bareUrl, {});
  await load(gwUrl, { 'x-api-key': key });
  const bareRuns: Result[] = [];
  const gwRuns: Result[] = [];
  for (let i = 0; i < RUNS; i++) {
    bareRuns.push(await load(bareUrl, {}));
    gwRuns.push(await load(gwUrl, { 'x-api-key': key }));
  }
  const b = { rps: median(bareRuns.map((r) => r.rps)), p50: median(bareRuns.map((r) => r.p50)), p99: median(bareRuns.map((r) => r.p99)) };
  const g = { rps: median(gwRuns.map((r) => r.rps)), p50: median(gwRuns.map((r) => r.p50)), p99: median(gwRuns.map((r) => r.p99)) };
  const non2xx = gwRuns.reduce((n, r) => n + r.non2xx, 0) + bareRuns.reduce((n, r) => n + r.non2xx, 0);
  const lines = [
    `Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), autocannon ${CONNECTIONS} connections x ${DURATION} s, medians of ${RUNS} runs; load generator on the same machine; 1-min load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after`,
    '',
    '| target | req/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    `| bare Fastify route (same JSON schema) | ${b.rps.toFixed(0)} | ${b.p50} | ${b.p99} |`,
    `| gateway: API key + RBAC + zod + audit + rate limits + bus | ${g.rps.toFixed(0)} | ${g.p50} | ${g.p99} |`,
    `| ratio gateway / bare | **${(g.rps / b.rps).toFixed(2)}x** (target >= 0.6x) | | **${(g.p99 / Math.max(b.p99, 1)).toFixed(2)}x** (target <= 2x) |`,
    '',
    `runs (req/s): bare ${bareRuns.map((r) => r.rps.toFixed(0)).join(', ')}; gateway ${gwRuns.map((r) => r.rps.toFixed(0)).join(', ')}; non-2xx responses: ${non2xx}`,
    `runs (p99 ms): bare ${bareRuns.map((r) => r.p99).join(', ')}; gateway ${gwRuns.map((r) => r.p99).join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await gateway.close();
  await bus.close();
  await audit.close();
  await bare.close();
  await rm(dir, { recursive: true, force: true });
}

await main();
