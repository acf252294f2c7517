/**
 * The two servers every gateway benchmark compares: the bench route through the gateway (API key,
 * RBAC, zod, audit log on disk with Ed25519 checkpoints, rate limits, the real in-memory bus) and the
 * same route on bare Fastify with the same JSON schema (ajv). Shared by the wall-clock bench and the
 * instruction counts.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { z } from 'zod';
import { createBus } from '@cellular/bus';
import { defineContract } from '@cellular/core';
import type * as GatewayModule from '../src/index.js';
import { securityHeaders } from '../src/internal/http-policy.js';

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

/** The gateway's default API header set (names and values), for the bare route that carries the same header bytes. */
const GATEWAY_HEADERS = securityHeaders().api;

/**
 * Bare Fastify: same JSON schema, ajv validation, the handler answers directly. With `headerBytes`, the
 * request carries an API key header (ignored) and the reply the gateway's security headers and a random
 * `x-request-id`: the HTTP bytes of a gateway exchange without any of its work.
 */
export async function startBare(options: { headerBytes?: boolean } = {}): Promise<Server> {
  const withHeaders = options.headerBytes === true;
  const bare = Fastify({ logger: false, ...(withHeaders ? { genReqId: () => randomUUID() } : {}) });
  // Fastify's ajv is draft-07: generate that dialect and drop `$schema`.
  const { $schema: _dialect, ...schema } = z.toJSONSchema(PlaceOrder.schema, { io: 'input', target: 'draft-07' });
  bare.post('/orders', { schema: { body: { ...schema, additionalProperties: false } } }, async (req, reply) => {
    if (withHeaders) {
      for (const [i, name] of GATEWAY_HEADERS.names.entries()) reply.header(name, GATEWAY_HEADERS.values[i]);
      reply.header('x-request-id', req.id);
    }
    return { orderId: 'o-1', qty: (req.body as { qty: number }).qty };
  });
  const url = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/orders`;
  return { url, headers: withHeaders ? { 'x-api-key': `ck_${'A'.repeat(16)}_${'B'.repeat(43)}` } : {}, close: () => bare.close() };
}

/** Which of the gateway's layers {@link startGateway} switches on; all of them by default (the main bench). */
export interface GatewayLayers {
  /** `flushIntervalMs` of the audit log: the default, or longer to keep batches full at a slow pace. */
  readonly flushIntervalMs?: number;
  /** The audit log on disk (true), or a sink that drops every event (false, a bench-only configuration). */
  readonly auditLog?: boolean;
  /** Per-IP and per-principal limits (lifted so nothing is refused) or none. */
  readonly rateLimits?: boolean;
  /** API key authentication and a capability check, or a public route. */
  readonly auth?: boolean;
}

/**
 * The layer sets the benches compare, each adding one layer to the one before: `core` (a public route,
 * no rate limits, audit events dropped: routing, headers, payload checks, zod, bus), `audit` (+ the
 * audit log on disk), `limits` (+ per-IP and per-principal limits), `full` (+ API key authentication:
 * the gateway of `gateway.bench.ts`).
 */
export const LAYERS = {
  core: { auditLog: false, rateLimits: false, auth: false },
  audit: { rateLimits: false, auth: false },
  limits: { auth: false },
  full: {},
} as const satisfies Record<string, GatewayLayers>;

/** The gateway from `gw` (this package's source, or another build to compare), over a real bus, with the `layers` asked for. */
export async function startGateway(gw: typeof GatewayModule, layers: GatewayLayers = {}): Promise<Server> {
  const { flushIntervalMs, auditLog = true, rateLimits = true, auth = true } = layers;
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
  const lifted = { max: 1e9, windowMs: 60_000 };
  const gateway = await gw.createGateway({
    bus,
    routes: [gw.defineRoute({ method: 'POST', path: '/orders', contract: PlaceOrder, ...(auth ? { capabilities: ['orders:write'] } : { public: true }) })],
    auth: { apiKeys: keys },
    rbac: { roles: { writer: ['orders:write'] } },
    audit: auditLog ? audit : { append: () => undefined },
    trustProxy: false,
    // Limits lifted so that the bench measures work, not refusals: rate limits would answer 429, and
    // autocannon ignores `Connection: close`, so the per-socket cap (Node answers 503 after it) is lifted too.
    limits: { perIp: rateLimits ? lifted : false, perPrincipal: rateLimits ? lifted : false, requestsPerSocket: 0 },
  });
  const url = `${await gateway.listen()}/orders`;
  return {
    url,
    // The same request bytes with or without authentication: a public route ignores the key.
    headers: { 'x-api-key': key },
    async close() {
      await gateway.close();
      await bus.close();
      await audit.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
