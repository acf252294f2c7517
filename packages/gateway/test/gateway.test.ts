import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADERS, defineContract } from '@cellular/core';
import { z } from 'zod';
import type { AuditEvent } from '../src/index.js';
import { AuditLog, createGateway, defineRoute, verifyAuditLog } from '../src/index.js';
import type { Fixture } from './support.js';
import { Explode, GetOrder, MemoryAudit, OrderPlaced, PlaceOrder, makeGateway, standardBus } from './support.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.gateway.close();
  fx = undefined;
});

async function setup(...args: Parameters<typeof makeGateway>): Promise<Fixture> {
  fx = await makeGateway(...args);
  return fx;
}

describe('routing and validation', () => {
  it('sends a validated POST over the bus with the principal and capabilities in the headers', async () => {
    const f = await setup();
    const res = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.alice }, payload: { sku: 'abc', qty: 3 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ orderId: 'o-3', by: 'alice', caps: 'orders:read,orders:write' });
    expect(f.bus.calls[0]?.headers[HEADERS.principal]).toBe('alice');
    expect(f.bus.calls[0]?.headers[HEADERS.capabilities]).toBe('orders:read,orders:write');
  });

  it('merges path parameters into the payload and returns the typed reply', async () => {
    const f = await setup();
    const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.alice } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'o-1', owner: 'alice', total: 10 });
  });

  it('rejects unknown body properties, also nested ones, before the bus sees them', async () => {
    const f = await setup();
    for (const payload of [
      { sku: 'a', qty: 1, isAdmin: true },
      { sku: 'a', qty: 1, shipping: { city: 'x', zip: '1', extra: 1 } },
      { sku: 'a', qty: 1, tags: [{ k: 'a' }, { k: 'b', v: 2 }] },
    ]) {
      const res = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.alice }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error: { code: string; message: string } }>().error.code).toBe('VALIDATION');
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(/Unknown property/u);
    }
    expect(f.bus.calls).toHaveLength(0);
  });

  it('reports zod failures as VALIDATION with field paths', async () => {
    const f = await setup();
    const res = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.alice }, payload: { sku: 'a', qty: 'many' } });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; issues: { path: string }[] } }>();
    expect(body.error.code).toBe('VALIDATION');
    expect(body.error.issues.map((i) => i.path)).toContain('qty');
  });

  it('rejects bad JSON, non-JSON content types, prototype-pollution keys and duplicated properties', async () => {
    const f = await setup();
    const h = { 'x-api-key': f.alice, 'content-type': 'application/json' };
    const bad = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: h, payload: '{"sku":' });
    expect(bad.statusCode).toBe(400);
    const proto = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: h, payload: '{"sku":"a","qty":1,"__proto__":{"x":1}}' });
    expect(proto.statusCode).toBe(400);
    const ctor = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: h, payload: '{"sku":"a","qty":1,"constructor":{"prototype":{"x":1}}}' });
    expect(ctor.statusCode).toBe(400);
    const text = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.alice, 'content-type': 'text/plain' }, payload: 'hi' });
    expect(text.statusCode).toBe(415);
    const twice = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1?id=o-2', headers: { 'x-api-key': f.alice } });
    expect(twice.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(f.bus.calls).toHaveLength(0);
  });

  it('has no route for anything not declared (no generic forward)', async () => {
    const f = await setup();
    for (const url of ['/', '/orders/o-1/../../admin', '/bus/orders.get', '/%2e%2e/etc/passwd', '/ORDERS']) {
      const res = await f.gateway.server.inject({ method: 'GET', url, headers: { 'x-api-key': f.admin } });
      expect([400, 404]).toContain(res.statusCode);
      expect(res.json<{ error: { code: string } }>().error.code).toMatch(/NOT_FOUND|VALIDATION/u);
    }
    expect(f.bus.calls).toHaveLength(0);
  });

  it('enforces body, parameter and query limits', async () => {
    const f = await setup({ limits: { perIp: false, perPrincipal: false, bodyBytes: 1024, queryParams: 4, paramLength: 20 } });
    const big = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.alice }, payload: { sku: 'a', qty: 1, note: 'x'.repeat(2000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json<{ error: { code: string } }>().error.code).toBe('PAYLOAD_TOO_LARGE');
    const q = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1?a=1&b=2&c=3&d=4&e=5', headers: { 'x-api-key': f.alice } });
    expect(q.statusCode).toBe(400);
    const p = await f.gateway.server.inject({ method: 'GET', url: `/orders/${'o'.repeat(50)}`, headers: { 'x-api-key': f.alice } });
    expect(p.statusCode).toBeGreaterThanOrEqual(400);
    expect(p.statusCode).toBeLessThan(500);
  });
});

describe('errors', () => {
  it('maps CellularErrors from cells to statuses with stable bodies and hides internal messages', async () => {
    const f = await setup();
    const call = async (mode: string) =>
      f.gateway.server.inject({ method: 'POST', url: '/explode', headers: { 'x-api-key': f.admin }, payload: { mode } });
    const crash = await call('crash');
    expect(crash.statusCode).toBe(500);
    expect(crash.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal error' } });
    expect(crash.body).not.toMatch(/hunter2|db\.ts|at /u);
    expect((await call('notfound')).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such thing' } });
    expect((await call('conflict')).statusCode).toBe(409);
    const slow = await call('slow');
    expect(slow.statusCode).toBe(504);
    expect(slow.json()).toEqual({ error: { code: 'TIMEOUT', message: 'Upstream timed out' } });
    const bad = await call('badreply');
    expect(bad.statusCode).toBe(500);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('INTERNAL');
    f.bus.handlers.delete(Explode.subject);
    const none = await call('noresponder');
    expect(none.statusCode).toBe(503);
    expect(none.body).not.toMatch(/orders\.explode/u);
  });

  it('returns JSON 404 with security headers for unknown paths', async () => {
    const f = await setup();
    const res = await f.gateway.server.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Not found' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['cache-control']).toBe('no-store');
    // Plain HTTP: no HSTS (RFC 6797 §7.2); JSON: no headers that only matter for a rendered document.
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBeUndefined();
    expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('authentication and authorisation', () => {
  it('refuses missing, unknown and malformed credentials with 401 and audits each', async () => {
    const f = await setup();
    const cases: Record<string, string>[] = [
      {},
      { 'x-api-key': 'ck_AAAAAAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { 'x-api-key': `${f.alice.slice(0, -1)}x` },
      { authorization: 'Basic YWxpY2U6cHc=' },
      { authorization: 'Bearer not.a.jwt' },
      { authorization: `ApiKey ${f.alice}`, 'x-api-key': f.alice },
    ];
    for (const headers of cases) {
      const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(f.audit.events).toHaveLength(cases.length);
    expect(f.audit.events.every((e) => e.decision === 'deny' && e.stage === 'route')).toBe(true);
    expect(f.bus.calls).toHaveLength(0);
  });

  it('accepts `Authorization: ApiKey` and rotated keys; refuses revoked and expired ones', async () => {
    const f = await setup();
    const second = f.keys.issue('alice', { roles: ['customer'] });
    for (const k of [f.alice, second.key]) {
      const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { authorization: `ApiKey ${k}` } });
      expect(res.statusCode).toBe(200);
    }
    const first = f.keys.records().find((r) => r.principal === 'alice' && r.id !== second.record.id);
    f.keys.revoke(first?.id ?? '');
    expect((await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.alice } })).statusCode).toBe(401);
    expect((await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': second.key } })).statusCode).toBe(200);
  });

  it('denies by default: a principal without the capability gets 403', async () => {
    const f = await setup();
    const res = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.nobody }, payload: { sku: 'a', qty: 1 } });
    expect(res.statusCode).toBe(403);
    expect(f.audit.events.at(-1)).toMatchObject({ decision: 'deny', reason: 'missing-capability', principal: 'nobody' });
    const cust = await f.gateway.server.inject({ method: 'POST', url: '/explode', headers: { 'x-api-key': f.alice }, payload: { mode: 'crash' } });
    expect(cust.statusCode).toBe(403);
    expect(f.bus.calls).toHaveLength(0);
  });

  it('checks objects (BOLA): bob cannot read alice\'s order, the admin can; both decisions audited', async () => {
    const f = await setup();
    const bob = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.bob } });
    expect(bob.statusCode).toBe(403);
    const denied = f.audit.events.filter((e) => e.stage === 'object');
    expect(denied.at(-1)).toMatchObject({ decision: 'deny', reason: 'object-denied', objectId: 'o-1', principal: 'bob' });
    const admin = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.admin } });
    expect(admin.statusCode).toBe(200);
    expect(f.bus.calls).toHaveLength(1);
  });

  it('per-object checks that return a promise or a thenable: only true allows; a failed or late check is an audited denial', async () => {
    const verdicts: Record<string, () => unknown> = {
      'o-1': async () => true,
      'o-2': async () => false,
      'o-3': () => ({ then: (ok: (v: boolean) => void) => ok(false) }), // not a Promise: must not read as truthy
      'o-4': async () => 'yes', // truthy but not true
      'o-5': async () => {
        throw new Error('policy store down at /srv/policy.ts:9');
      },
      'o-6': () => new Promise(() => undefined), // never settles: times out
      'o-7': () => {
        throw new Error('sync hook failure');
      },
    };
    const f = await setup({
      routes: [
        defineRoute({ method: 'GET', path: '/orders/:id', contract: GetOrder, capabilities: ['orders:read'], timeoutMs: 50, authorize: ({ payload }) => verdicts[payload.id]?.() as boolean }),
      ],
    });
    const get = (id: string) => f.gateway.server.inject({ method: 'GET', url: `/orders/${id}`, headers: { 'x-api-key': f.alice } });
    const statuses: Record<string, number> = {};
    for (const id of Object.keys(verdicts)) statuses[id] = (await get(id)).statusCode;
    expect(statuses).toEqual({ 'o-1': 200, 'o-2': 403, 'o-3': 403, 'o-4': 403, 'o-5': 500, 'o-6': 504, 'o-7': 500 });
    expect((await get('o-5')).body).not.toMatch(/policy|srv/u);
    expect(f.bus.calls.map((c) => (c.payload as { id: string }).id)).toEqual(['o-1']);
    const objectEvents = f.audit.events.filter((e) => e.stage === 'object').map((e) => `${e.objectId ?? ''}:${e.decision}:${e.reason}`);
    expect(objectEvents.slice(0, 7)).toEqual([
      'o-1:allow:ok',
      'o-2:deny:object-denied',
      'o-3:deny:object-denied',
      'o-4:deny:object-denied',
      'o-5:deny:object-check-failed',
      'o-6:deny:object-check-timeout',
      'o-7:deny:object-check-failed',
    ]);
  });

  it('answers 500 when a reply cannot be serialised, and keeps serving', async () => {
    const Big = defineContract({ name: 'big.get', subject: 'big.get', version: 1, kind: 'query', schema: z.object({}), response: z.object({ n: z.bigint() }) });
    const bus = standardBus();
    bus.handle(Big, () => ({ n: 10n }));
    const f = await setup({ routes: [defineRoute({ method: 'POST', path: '/big', contract: Big, capabilities: ['orders:read'] })] }, bus);
    const res = await f.gateway.server.inject({ method: 'POST', url: '/big', headers: { 'x-api-key': f.alice }, payload: {} });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal error' } });
    expect(f.gateway.stats().serverErrors).toBe(1);
    const again = await f.gateway.server.inject({ method: 'POST', url: '/big', headers: { 'x-api-key': f.alice }, payload: {} });
    expect(again.statusCode).toBe(500);
  });

  it('accepts a valid JWT and maps its roles; refuses expired, wrong-audience, alg:none and forged tokens', async () => {
    const f = await setup();
    const good = await f.sign({ sub: 'alice', roles: ['customer'] });
    expect((await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { authorization: `Bearer ${good}` } })).statusCode).toBe(200);
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('ed25519').privateKey;
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'root', roles: ['admin'], iss: 'https://issuer.test', aud: 'cellular-gateway', exp: 9999999999 })).toString('base64url')}.`;
    const bad = [
      await f.sign({ sub: 'alice', roles: ['customer'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      await f.sign({ sub: 'alice', roles: ['customer'] }, { audience: 'someone-else' }),
      await f.sign({ sub: 'alice', roles: ['customer'] }, { issuer: 'https://evil.test' }),
      await f.sign({ sub: 'root', roles: ['admin'] }, { key: other }),
      await f.sign({ sub: 'root', roles: ['admin'] }, { kid: 'k9' }),
      none,
    ];
    for (const t of bad) {
      const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-2', headers: { authorization: `Bearer ${t}` } });
      expect(res.statusCode).toBe(401);
    }
    expect(f.bus.calls).toHaveLength(1);
    const reasons = f.audit.events.filter((e) => e.decision === 'deny').map((e) => e.reason);
    expect(reasons).toContain('ERR_JWT_EXPIRED');
  });

  it('fails closed with 503 when the audit log cannot record', async () => {
    const f = await setup();
    f.audit.fail = true;
    const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.alice } });
    expect(res.statusCode).toBe(503);
    expect(f.bus.calls).toHaveLength(0);
  });

  it('caches a createRbac policy per role list and route, but asks a custom Rbac on every request', async () => {
    let granted: readonly string[] = ['orders:read', 'orders:write'];
    let asked = 0;
    const f = await setup({
      rbac: {
        capabilitiesOf: () => {
          asked++;
          return granted;
        },
        allows: (g, required) => required.every((c) => g.includes(c)),
      },
    });
    const place = () => f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.alice }, payload: { sku: 'a', qty: 1 } });
    expect((await place()).statusCode).toBe(201);
    expect((await place()).statusCode).toBe(201);
    granted = ['orders:read']; // the custom policy changed its mind: the next request must see it
    expect((await place()).statusCode).toBe(403);
    expect(asked).toBe(3);
    const fixed = await makeGateway();
    try {
      const one = () => fixed.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': fixed.bob }, payload: { sku: 'a', qty: 1 } });
      const none = () => fixed.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': fixed.nobody }, payload: { sku: 'a', qty: 1 } });
      for (let i = 0; i < 3; i++) {
        expect((await one()).statusCode).toBe(201);
        expect((await none()).statusCode).toBe(403);
      }
      const jwt = await fixed.sign({ sub: 'carol', roles: ['customer'] });
      const viaJwt = () => fixed.gateway.server.inject({ method: 'POST', url: '/orders', headers: { authorization: `Bearer ${jwt}` }, payload: { sku: 'a', qty: 1 } });
      expect((await viaJwt()).statusCode).toBe(201);
      expect((await viaJwt()).json()).toMatchObject({ by: 'carol', caps: 'orders:read,orders:write' });
      expect(fixed.audit.events.map((e) => `${e.principal}:${e.decision}`)).toEqual([
        'bob:allow', 'nobody:deny', 'bob:allow', 'nobody:deny', 'bob:allow', 'nobody:deny', 'carol:allow', 'carol:allow',
      ]);
    } finally {
      await fixed.gateway.close();
    }
  });

  it('refuses unsafe configuration at start', async () => {
    const base = { bus: standardBus(), audit: new MemoryAudit(), rbac: { roles: {} }, auth: { jwt: { issuer: 'i', audience: 'a', algorithms: ['HS256'], keys: [{ key: new Uint8Array(32) }] } }, trustProxy: false };
    await expect(createGateway({ ...base, routes: [defineRoute({ method: 'GET', path: '/o/:id', contract: GetOrder })] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(createGateway({ ...base, routes: [defineRoute({ method: 'POST', path: '/e', contract: OrderPlaced, capabilities: [] })] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(createGateway({ ...base, routes: [defineRoute({ method: 'GET', path: '/*', contract: GetOrder, capabilities: [] })] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(createGateway({ ...base, routes: [], auth: { jwt: { issuer: 'i', audience: 'a', algorithms: ['none'], keys: [{ key: new Uint8Array(32) }] } } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(createGateway({ ...base, routes: [], trustProxy: undefined as unknown as boolean })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(createGateway({ ...base, routes: [], cors: { origins: ['*'], credentials: true } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});

describe('limits', () => {
  it('rate-limits per principal with 429 and Retry-After', async () => {
    const f = await setup({ limits: { perIp: false, perPrincipal: { max: 3, windowMs: 60_000 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.alice } });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // bob has his own budget
    expect((await f.gateway.server.inject({ method: 'GET', url: '/orders/o-2', headers: { 'x-api-key': f.bob } })).statusCode).toBe(200);
  });

  it('rate-limits per IP before authentication', async () => {
    const f = await setup({ limits: { perIp: { max: 2, windowMs: 60_000 }, perPrincipal: false } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', remoteAddress: '10.0.0.1' })).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
    expect((await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', remoteAddress: '10.0.0.2', headers: { 'x-api-key': f.alice } })).statusCode).toBe(200);
  });

  it('fails closed (503) when the shared rate-limit store is unreachable', async () => {
    const { Redis } = await import('ioredis');
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      const f = await setup({ limits: { perIp: { max: 100, windowMs: 60_000 }, perPrincipal: false, rateLimitRedis: dead } });
      const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.alice } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ error: { code: 'TRANSPORT_ERROR', message: 'Service unavailable' } });
      expect(f.bus.calls).toHaveLength(0);
    } finally {
      dead.disconnect();
    }
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const f = await setup({ limits: { perIp: { max: 1, windowMs: 60_000 }, perPrincipal: false } });
    const a = await f.gateway.server.inject({ method: 'GET', url: '/nope', remoteAddress: '10.0.0.9', headers: { 'x-forwarded-for': '1.1.1.1' } });
    expect(a.statusCode).toBe(404);
    await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', remoteAddress: '10.0.0.9', headers: { 'x-forwarded-for': '2.2.2.2' } });
    const c = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', remoteAddress: '10.0.0.9', headers: { 'x-forwarded-for': '3.3.3.3' } });
    expect(c.statusCode).toBe(429);
  });
});

describe('CORS', () => {
  it('sends no CORS headers unless configured, and only for listed origins', async () => {
    const closed = await setup();
    const pre = await closed.gateway.server.inject({ method: 'OPTIONS', url: '/orders', headers: { origin: 'https://app.test', 'access-control-request-method': 'POST' } });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    await closed.gateway.close();
    const open = await setup({ cors: { origins: ['https://app.test'] } });
    const ok = await open.gateway.server.inject({ method: 'OPTIONS', url: '/orders', headers: { origin: 'https://app.test' } });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.test');
    expect(ok.headers['access-control-allow-methods']).toBe('POST');
    const evil = await open.gateway.server.inject({ method: 'OPTIONS', url: '/orders', headers: { origin: 'https://evil.test' } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('OpenAPI and declarations', () => {
  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    const f = await setup();
    const res = await f.gateway.server.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/events/orders', '/explode', '/orders', '/orders/{id}']);
    expect(Object.keys(doc.paths['/orders']?.post?.requestBody?.content['application/json']?.schema.properties ?? {})).toContain('qty');
    expect(doc.paths['/orders/{id}']?.get?.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
    expect(doc.paths['/orders']?.post?.responses['201']).toBeDefined();
    expect(res.body).not.toContain('orders.place"'.replace('"', '",subject'));
    expect(f.gateway.routes).toContainEqual({ method: 'POST', path: '/orders', contract: PlaceOrder.name, capabilities: ['orders:write'] });
  });
});

describe('audit log through the gateway', () => {
  it('writes the same events a custom sink receives, and the chain verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-audit-'));
    try {
      const keys = generateKeyPairSync('ed25519');
      const log = await AuditLog.open({ path: join(dir, 'audit.jsonl'), checkpointKey: keys.privateKey });
      const requests = async (f: Fixture): Promise<void> => {
        for (const req of [
          { method: 'GET' as const, url: '/orders/o-1', headers: { 'x-api-key': f.alice } }, // route allow + object allow (objectId)
          { method: 'GET' as const, url: '/orders/o-2', headers: { 'x-api-key': f.alice } }, // object deny
          { method: 'GET' as const, url: '/orders/o-1' }, // unauthenticated: principal null
          { method: 'POST' as const, url: '/orders', headers: { 'x-api-key': f.nobody }, payload: { sku: 'a', qty: 1 } }, // missing capability
        ]) {
          await f.gateway.server.inject(req);
        }
      };
      const viaLog = await setup({ audit: log });
      await requests(viaLog);
      await viaLog.gateway.close();
      fx = undefined;
      await log.close();
      const viaSink = await setup();
      await requests(viaSink);
      const lines = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trimEnd().split('\n');
      const written = lines.map((l) => (JSON.parse(l) as { data: AuditEvent }).data);
      // Same events in the same order and shape; request ids and key ids differ per fixture.
      const strip = (e: AuditEvent): Record<string, unknown> => {
        const { requestId: _id, ...rest } = e;
        return { ...rest, ...(e.credentialId === undefined ? {} : { credentialId: 'k' }), keys: Object.keys(e).join() };
      };
      expect(written.map(strip)).toEqual(viaSink.audit.events.map(strip));
      expect(written.map((e) => e.reason)).toEqual(['ok', 'ok', 'ok', 'object-denied', 'no-credentials', 'missing-capability']);
      // Byte for byte what JSON.stringify writes for the same object, key order included.
      for (const line of lines) {
        const data = (JSON.parse(line) as { data: AuditEvent }).data;
        expect(line).toContain(`"data":${JSON.stringify(data)},"hash":`);
      }
      const v = await verifyAuditLog(join(dir, 'audit.jsonl'), { key: keys.publicKey });
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.entries).toBe(6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('security headers', () => {
  const JSON_SET = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };

  it('sends the JSON set on API responses and errors, HSTS only when the request came over TLS', async () => {
    const f = await setup({ trustProxy: '127.0.0.1' });
    const plain = await f.gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': f.alice }, payload: { sku: 'a', qty: 1 } });
    expect(plain.statusCode).toBe(201);
    expect(plain.headers).toMatchObject(JSON_SET);
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/u);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(plain.headers['referrer-policy']).toBeUndefined();
    expect(plain.headers['cross-origin-opener-policy']).toBeUndefined();
    // Through the trusted proxy that terminated TLS: HSTS, on successes and errors alike.
    for (const req of [
      { method: 'POST' as const, url: '/orders', headers: { 'x-api-key': f.alice, 'x-forwarded-proto': 'https' }, payload: { sku: 'a', qty: 1 } },
      { method: 'GET' as const, url: '/orders/o-1', headers: { 'x-forwarded-proto': 'https' } },
      { method: 'GET' as const, url: '/nope', headers: { 'x-forwarded-proto': 'http, https' } },
    ]) {
      const res = await f.gateway.server.inject(req);
      expect(res.headers['strict-transport-security'], req.url).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers).toMatchObject(JSON_SET);
    }
    const downgraded = await f.gateway.server.inject({ method: 'GET', url: '/nope', headers: { 'x-forwarded-proto': 'https, http' } });
    expect(downgraded.headers['strict-transport-security']).toBeUndefined();
  });

  it('ignores X-Forwarded-Proto from a client that is not a trusted proxy', async () => {
    const f = await setup({ trustProxy: false });
    const res = await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.alice, 'x-forwarded-proto': 'https' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const other = await setup({ trustProxy: '10.0.0.1' });
    const spoofed = await other.gateway.server.inject({ method: 'GET', url: '/nope', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
    const proxied = await other.gateway.server.inject({ method: 'GET', url: '/nope', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    await f.gateway.close();
  });

  it('sends HSTS on a TLS socket, with the configured value, and never when switched off', async () => {
    const custom = await setup({ trustProxy: true, securityHeaders: { hsts: 'max-age=600' } });
    expect((await custom.gateway.server.inject({ method: 'GET', url: '/nope', headers: { 'x-forwarded-proto': 'HTTPS' } })).headers['strict-transport-security']).toBe('max-age=600');
    await custom.gateway.close();
    const off = await setup({ trustProxy: true, securityHeaders: { hsts: false } });
    expect((await off.gateway.server.inject({ method: 'GET', url: '/nope', headers: { 'x-forwarded-proto': 'https' } })).headers['strict-transport-security']).toBeUndefined();
  });

  it('adds extraHeaders to every response, and refuses HSTS or invalid headers there', async () => {
    const f = await setup({
      securityHeaders: { extraHeaders: { 'Referrer-Policy': 'strict-origin', 'cross-origin-opener-policy': 'same-origin', 'permissions-policy': 'camera=()' } },
      pages: { '/': { body: '<p>x</p>', type: 'text/html; charset=utf-8' } },
    });
    const api = await f.gateway.server.inject({ method: 'GET', url: '/nope' });
    expect(api.headers).toMatchObject({ ...JSON_SET, 'referrer-policy': 'strict-origin', 'cross-origin-opener-policy': 'same-origin', 'permissions-policy': 'camera=()' });
    const page = await f.gateway.server.inject({ method: 'GET', url: '/' });
    expect(page.headers['referrer-policy']).toBe('strict-origin'); // the configured value wins over the page default
    expect(page.headers['permissions-policy']).toBe('camera=()');
    await f.gateway.close();
    fx = undefined;
    for (const extraHeaders of [{ 'strict-transport-security': 'max-age=1' }, { 'bad name': 'x' }, { 'x-ok': 'line\r\nbreak' }]) {
      await expect(makeGateway({ securityHeaders: { extraHeaders } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    }
    await expect(makeGateway({ securityHeaders: { hsts: 'max-age=1\nx' } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});

describe('static pages', () => {
  it('serves configured public pages with the full browser header set, nothing else', async () => {
    const f = await setup({ trustProxy: true, pages: { '/': { body: '<h1>hi</h1>', type: 'text/html; charset=utf-8' } } });
    const res = await f.gateway.server.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('<h1>hi</h1>');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cross-origin-resource-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const tls = await f.gateway.server.inject({ method: 'GET', url: '/', headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(tls.headers['referrer-policy']).toBe('no-referrer');
    expect((await f.gateway.server.inject({ method: 'GET', url: '/index.html' })).statusCode).toBe(404);
    expect(f.audit.events).toHaveLength(0);
  });
});

describe('stats', () => {
  it('counts distinct principals, requests, errors and latency', async () => {
    const f = await setup();
    await f.gateway.server.inject({ method: 'GET', url: '/orders/o-1', headers: { 'x-api-key': f.alice } });
    await f.gateway.server.inject({ method: 'GET', url: '/orders/o-2', headers: { 'x-api-key': f.bob } });
    await f.gateway.server.inject({ method: 'GET', url: '/orders/o-2', headers: { 'x-api-key': f.bob } });
    await f.gateway.server.inject({ method: 'GET', url: '/orders/o-2' });
    const s = f.gateway.stats();
    expect(s.concurrentUsers).toBe(2);
    expect(s.requests).toBe(4);
    expect(s.clientErrors).toBe(1);
    expect(s.denied).toBe(1);
    expect(s.latencyMs.samples).toBe(4);
    expect(s.latencyMs.p99).toBeGreaterThan(0);
  });

  it('counts every response where it is sent: 404s, body and framework errors, refusals, OpenAPI, pages, preflights', async () => {
    const f = await setup({ pages: { '/': { body: 'x', type: 'text/plain' } }, cors: { origins: ['https://app.test'] }, limits: { perIp: { max: 7, windowMs: 60_000 }, perPrincipal: false } });
    const statuses: number[] = [];
    for (const req of [
      { method: 'GET' as const, url: '/nope' },
      { method: 'GET' as const, url: '/openapi.json' },
      { method: 'GET' as const, url: '/' },
      { method: 'OPTIONS' as const, url: '/orders', headers: { origin: 'https://app.test' } },
      { method: 'POST' as const, url: '/orders', headers: { 'x-api-key': f.alice, 'content-type': 'application/json' }, payload: '{"sku":' },
      { method: 'GET' as const, url: '/orders/%zz' }, // refused by the router (frameworkErrors): not an IP-limit hit
      { method: 'GET' as const, url: '/orders/o-2', headers: { 'x-api-key': f.alice } },
      { method: 'POST' as const, url: '/explode', headers: { 'x-api-key': f.admin }, payload: { mode: 'crash' } },
      { method: 'GET' as const, url: '/orders/o-1' },
    ]) {
      statuses.push((await f.gateway.server.inject(req)).statusCode);
    }
    expect(statuses).toEqual([404, 200, 200, 204, 400, 400, 403, 500, 429]);
    const s = f.gateway.stats();
    expect(s.requests).toBe(9);
    expect(s.clientErrors).toBe(5);
    expect(s.serverErrors).toBe(1);
    expect(s.latencyMs.samples).toBe(9);
    expect(s.concurrentUsers).toBe(2);
  });
});

describe('real sockets', () => {
  it('serves requests and streams events over server-sent events with per-object filtering', async () => {
    const f = await setup();
    const base = await f.gateway.listen();
    const r = await fetch(`${base}/orders`, { method: 'POST', headers: { 'x-api-key': f.alice, 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'x', qty: 2 }) });
    expect(r.status).toBe(201);
    expect(await r.json()).toMatchObject({ orderId: 'o-2', by: 'alice' });
    const unauth = await fetch(`${base}/events/orders`);
    expect(unauth.status).toBe(401);
    const ac = new AbortController();
    const sse = await fetch(`${base}/events/orders`, { headers: { 'x-api-key': f.alice }, signal: ac.signal });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    expect(sse.headers.get('x-content-type-options')).toBe('nosniff');
    const reader = sse.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
    f.bus.emit(OrderPlaced, { orderId: 'o-9', owner: 'bob' });
    f.bus.emit(OrderPlaced, { orderId: 'o-7', owner: 'alice' });
    while (!text.includes('o-7')) text += decoder.decode((await reader.read()).value);
    expect(text).toContain('event: orders.placed');
    expect(text).not.toContain('o-9');
    expect(f.gateway.stats().openStreams).toBe(1);
    ac.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('ends open event streams on close', async () => {
    const f = await setup();
    const base = await f.gateway.listen();
    const sse = await fetch(`${base}/events/orders`, { headers: { 'x-api-key': f.admin } });
    const reader = sse.body?.getReader();
    if (!reader) throw new Error('no body');
    await reader.read();
    expect(f.gateway.stats().openStreams).toBe(1);
    await f.gateway.close();
    fx = undefined;
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });

  it('refuses oversized headers at the HTTP layer', async () => {
    const f = await setup({ limits: { perIp: false, perPrincipal: false, headerBytes: 2048 } });
    const base = await f.gateway.listen();
    const res = await fetch(`${base}/orders/o-1`, { headers: { 'x-api-key': f.alice, 'x-junk': 'a'.repeat(4096) } });
    expect(res.status).toBe(431);
  });
});

describe('unused contracts', () => {
  it('keeps PlaceOrder and GetOrder distinct', () => {
    expect(PlaceOrder.name).not.toBe(GetOrder.name);
  });
});
