/**
 * The two servers every gateway benchmark compares: the bench route through the gateway (API key,
 * RBAC, zod, audit log on disk with Ed25519 checkpoints, rate limits, the real in-memory bus) and the
 * same route on bare Fastify with the same JSON schema (ajv). Shared by the wall-clock bench and the
 * instruction counts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { z } from 'zod';
import { createBus } from '@cellular/bus';
import { defineContract } from '@cellular/core';
import type * as GatewayModule from '../src/index.js';

export const PlaceOrder = defineContract({
  name: 'orders.place',
  subject: 'orders.place',
  version: 1,
  kind: 'command',
  schema: z.object({ sku: z.string().min(1).max(40), qty: z.number().int().positive().max(1000), note: z.string().max(200).optional() }),
  response: z.object({ orderId: z.string(), qty: z.number() }),
});
export const body = JSON.stringify({ sku: 'sku-123', qty: 3, note: 'leave at the door' });

export interface Server {
  readonly url: string;
  /** Request headers the server needs (the API key). */
  readonly headers: Record<string, string>;
  close(): Promise<void>;
}

/** Bare Fastify: same JSON schema, ajv validation, the handler answers directly. */
export async function startBare(): Promise<Server> {
  const bare = Fastify({ logger: false });
  // Fastify's ajv is draft-07: generate that dialect and drop `$schema`.
  const { $schema: _dialect, ...schema } = z.toJSONSchema(PlaceOrder.schema, { io: 'input', target: 'draft-07' });
  bare.post('/orders', { schema: { body: { ...schema, additionalProperties: false } } }, async (req) => ({ orderId: 'o-1', qty: (req.body as { qty: number }).qty }));
  const url = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/orders`;
  return { url, headers: {}, close: () => bare.close() };
}

/**
 * The gateway from `gw` (this package's source, or another build to compare), over a real bus.
 * `flushIntervalMs` of the audit log: the default, or longer to keep batches full at a slow pace.
 */
export async function startGateway(gw: typeof GatewayModule, flushIntervalMs?: number): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-'));
  const audit = await gw.AuditLog.open({
    path: join(dir, 'audit.jsonl'),
    checkpointKey: generateKeyPairSync('ed25519').privateKey,
    ...(flushIntervalMs === undefined ? {} : { flushIntervalMs }),
  });
  const bus = createBus({ telemetry: false });
  bus.handle(PlaceOrder, (p) => ({ orderId: 'o-1', qty: p.qty }));
  const keys = new gw.ApiKeyStore();
  const key = keys.issue('bench', { roles: ['writer'] }).key;
  const gateway = await gw.createGateway({
    bus,
    routes: [gw.defineRoute({ method: 'POST', path: '/orders', contract: PlaceOrder, capabilities: ['orders:write'] })],
    auth: { apiKeys: keys },
    rbac: { roles: { writer: ['orders:write'] } },
    audit,
    trustProxy: false,
    // Limits lifted so that the bench measures work, not refusals: rate limits would answer 429, and
    // autocannon ignores `Connection: close`, so the per-socket cap (Node answers 503 after it) is lifted too.
    limits: { perIp: { max: 1e9, windowMs: 60_000 }, perPrincipal: { max: 1e9, windowMs: 60_000 }, requestsPerSocket: 0 },
  });
  const url = `${await gateway.listen()}/orders`;
  return {
    url,
    headers: { 'x-api-key': key },
    async close() {
      await gateway.close();
      await bus.close();
      await audit.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
