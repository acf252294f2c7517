/**
 * Shared test fixtures: contracts, a small in-process bus double (the real `@cellular/bus` is used in
 * the bus integration test), keys and a gateway factory.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { AnyContract, CellBus, MessageContext, RequestContract } from '@cellular/core';
import { CellularError, createEnvelope, defineContract, HEADERS } from '@cellular/core';
import type { AuditEvent, AuditSink, Gateway, GatewayOptions } from '../src/index.js';
import { ApiKeyStore, createGateway, defineRoute } from '../src/index.js';

export const GetOrder = defineContract({
  name: 'orders.get',
  subject: 'orders.get',
  version: 1,
  kind: 'query',
  schema: z.object({ id: z.string().regex(/^o-[0-9]{1,8}$/u) }),
  response: z.object({ id: z.string(), owner: z.string(), total: z.number() }),
});

export const PlaceOrder = defineContract({
  name: 'orders.place',
  subject: 'orders.place',
  version: 1,
  kind: 'command',
  schema: z.object({
    sku: z.string().min(1).max(40),
    qty: z.number().int().positive().max(1000),
    note: z.string().max(200).optional(),
    shipping: z.object({ city: z.string().max(100), zip: z.string().max(10) }).optional(),
    tags: z.array(z.object({ k: z.string().max(20) })).max(10).optional(),
  }),
  response: z.object({ orderId: z.string(), by: z.string(), caps: z.string() }),
});

export const Explode = defineContract({
  name: 'orders.explode',
  subject: 'orders.explode',
  version: 1,
  kind: 'command',
  schema: z.object({ mode: z.enum(['crash', 'notfound', 'conflict', 'slow', 'badreply', 'noresponder']) }),
  response: z.object({ ok: z.boolean() }),
});

export const OrderPlaced = defineContract({
  name: 'orders.placed',
  subject: 'orders.placed',
  version: 1,
  kind: 'event',
  schema: z.object({ orderId: z.string(), owner: z.string() }),
});

type Handler = (payload: unknown, ctx: MessageContext) => unknown;

/** A bus double: request -> handler by subject, subscribe -> callbacks; validates like the real bus. */
export class FakeBus implements Pick<CellBus, 'request' | 'subscribe'> {
  readonly handlers = new Map<string, Handler>();
  readonly subscribers = new Map<string, Set<(p: unknown, c: MessageContext) => void>>();
  readonly calls: { subject: string; payload: unknown; headers: Record<string, string> }[] = [];

  handle(contract: RequestContract, fn: Handler): void {
    this.handlers.set(contract.subject, fn);
  }

  request: CellBus['request'] = (async (contract: AnyContract, payload: unknown, options?: { timeout?: number; headers?: Readonly<Record<string, string>> }) => {
    const headers = { ...(options?.headers ?? {}) };
    this.calls.push({ subject: contract.subject, payload, headers });
    const fn = this.handlers.get(contract.subject);
    if (!fn) throw new CellularError('NO_RESPONDERS', `no responder for ${contract.subject}`);
    const envelope = createEnvelope({ subject: contract.subject, payload, headers });
    const ctx: MessageContext = {
      envelope,
      headers,
      principal: headers[HEADERS.principal],
      capabilities: (headers[HEADERS.capabilities] ?? '').split(',').filter((c) => c !== ''),
    };
    const timeout = options?.timeout ?? 5000;
    const result = await Promise.race([
      Promise.resolve().then(() => fn(contract.parsePayload(payload), ctx)),
      new Promise((_, reject) => setTimeout(() => reject(new CellularError('TIMEOUT', `request ${contract.subject} timed out`)), timeout).unref()),
    ]);
    return contract.response === undefined ? undefined : contract.parseResponse(result);
  }) as CellBus['request'];

  subscribe: CellBus['subscribe'] = (contract: AnyContract | string, handler?: (p: unknown, c: MessageContext) => void) => {
    const subject = typeof contract === 'string' ? contract : contract.subject;
    const set = this.subscribers.get(subject) ?? new Set();
    this.subscribers.set(subject, set);
    const h = handler ?? (() => undefined);
    set.add(h);
    const sub = {
      unsubscribe: () => set.delete(h),
      drain: async () => void set.delete(h),
      closed: Promise.resolve(),
      [Symbol.asyncDispose]: async () => void set.delete(h),
      [Symbol.asyncIterator]: () => {
        throw new Error('not supported by FakeBus');
      },
    };
    return sub;
  };

  emit(contract: AnyContract, payload: unknown): void {
    const envelope = createEnvelope({ subject: contract.subject, payload });
    for (const h of this.subscribers.get(contract.subject) ?? []) h(payload, { envelope, headers: {}, principal: undefined, capabilities: [] });
  }
}

export class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  readonly byRequest = new Map<string, AuditEvent[]>();
  fail = false;
  append(event: AuditEvent): void {
    if (this.fail) throw new Error('disk full');
    this.events.push(event);
    this.byRequest.set(event.requestId, [...(this.byRequest.get(event.requestId) ?? []), event]);
  }
}

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'cellular-gateway';

export interface Fixture {
  gateway: Gateway;
  bus: FakeBus;
  audit: MemoryAudit;
  keys: ApiKeyStore;
  /** API key of alice (role customer). */
  alice: string;
  /** API key of bob (role customer). */
  bob: string;
  /** API key of root (role admin). */
  admin: string;
  /** API key with no roles. */
  nobody: string;
  edKey: { privateKey: KeyObject; publicKey: KeyObject };
  sign(claims: Record<string, unknown>, opts?: { expiresIn?: string | number; kid?: string; key?: KeyObject; issuer?: string; audience?: string }): Promise<string>;
}

export const ORDERS: Record<string, { owner: string; total: number }> = {
  'o-1': { owner: 'alice', total: 10 },
  'o-2': { owner: 'bob', total: 20 },
};

export function standardBus(): FakeBus {
  const bus = new FakeBus();
  bus.handle(GetOrder, (p) => {
    const { id } = p as { id: string };
    const o = ORDERS[id];
    if (!o) throw new CellularError('NOT_FOUND', `order ${id} not found`);
    return { id, ...o };
  });
  bus.handle(PlaceOrder, (p, ctx) => ({ orderId: `o-${(p as { qty: number }).qty}`, by: ctx.principal ?? '?', caps: ctx.capabilities.join(',') }));
  bus.handle(Explode, async (p) => {
    switch ((p as { mode: string }).mode) {
      case 'crash':
        throw new Error('database password is hunter2 at /srv/app/db.ts:42');
      case 'notfound':
        throw new CellularError('NOT_FOUND', 'no such thing');
      case 'conflict':
        throw new CellularError('CONFLICT', 'already exists');
      case 'slow':
        await new Promise((r) => setTimeout(r, 500));
        return { ok: true };
      case 'badreply':
        return { ok: 'yes' };
      default:
        return { ok: true };
    }
  });
  return bus;
}

export async function makeGateway(overrides: Partial<GatewayOptions> = {}, bus: FakeBus = standardBus()): Promise<Fixture> {
  const audit = new MemoryAudit();
  const keys = new ApiKeyStore();
  const alice = keys.issue('alice', { roles: ['customer'] }).key;
  const bob = keys.issue('bob', { roles: ['customer'] }).key;
  const admin = keys.issue('root', { roles: ['admin'] }).key;
  const nobody = keys.issue('nobody').key;
  const edKey = generateKeyPairSync('ed25519');
  const routes = [
    defineRoute({
      method: 'GET',
      path: '/orders/:id',
      contract: GetOrder,
      capabilities: ['orders:read'],
      authorize: ({ principal, payload, capabilities }) => capabilities.includes('orders:*') || ORDERS[payload.id]?.owner === principal.id,
    }),
    defineRoute({ method: 'POST', path: '/orders', contract: PlaceOrder, capabilities: ['orders:write'], status: 201 }),
    defineRoute({ method: 'POST', path: '/explode', contract: Explode, capabilities: ['orders:*'], timeoutMs: 100 }),
    defineRoute({
      method: 'GET',
      path: '/events/orders',
      contract: OrderPlaced,
      capabilities: ['orders:read'],
      filter: (e, { principal, capabilities }) => capabilities.includes('orders:*') || e.owner === principal?.id,
    }),
  ];
  const gateway = await createGateway({
    bus,
    routes,
    auth: {
      apiKeys: keys,
      jwt: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'], keys: [{ kid: 'k1', key: edKey.publicKey }] },
    },
    rbac: { roles: { customer: ['orders:read', 'orders:write'], admin: ['orders:*'] } },
    audit,
    trustProxy: false,
    limits: { perIp: false, perPrincipal: false },
    ...overrides,
  });
  return {
    gateway,
    bus,
    audit,
    keys,
    alice,
    bob,
    admin,
    nobody,
    edKey,
    async sign(claims, o = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: o.kid ?? 'k1' })
        .setIssuer(o.issuer ?? ISSUER)
        .setAudience(o.audience ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(o.expiresIn ?? '5m')
        .sign(o.key ?? edKey.privateKey);
    },
  };
}
