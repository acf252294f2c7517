import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBus } from '@cellular/bus';
import type { Bus } from '@cellular/bus';
import type { ValidationMode } from '@cellular/core';
import { CellularError, defineContract } from '@cellular/core';
import { ApiKeyStore, createGateway, defineRoute } from '../src/index.js';
import type { Gateway } from '../src/index.js';
import { GetOrder, MemoryAudit, OrderPlaced, PlaceOrder } from './support.js';

let bus: Bus | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await bus?.close();
  gateway = undefined;
  bus = undefined;
});

describe('with the real @cellular/bus (memory transport)', () => {
  it('routes over the bus, carries principal and capabilities to the handler, maps errors and streams events', async () => {
    bus = createBus({ telemetry: false });
    const seen: { principal: string | undefined; capabilities: readonly string[] }[] = [];
    bus.handle(PlaceOrder, (p, ctx) => {
      seen.push({ principal: ctx.principal, capabilities: ctx.capabilities });
      return { orderId: `o-${p.qty}`, by: ctx.principal ?? '?', caps: ctx.capabilities.join(',') };
    });
    bus.handle(GetOrder, (p) => {
      throw new CellularError('NOT_FOUND', `order ${p.id} not found`);
    });
    const keys = new ApiKeyStore();
    const alice = keys.issue('alice', { roles: ['customer'] }).key;
    const audit = new MemoryAudit();
    gateway = await createGateway({
      bus,
      routes: [
        defineRoute({ method: 'POST', path: '/orders', contract: PlaceOrder, capabilities: ['orders:write'] }),
        defineRoute({ method: 'GET', path: '/orders/:id', contract: GetOrder, capabilities: ['orders:read'] }),
        defineRoute({ method: 'GET', path: '/events', contract: OrderPlaced, capabilities: ['orders:read'] }),
      ],
      auth: { apiKeys: keys },
      rbac: { roles: { customer: ['orders:read', 'orders:write'] } },
      audit,
      trustProxy: false,
    });
    const ok = await gateway.server.inject({ method: 'POST', url: '/orders', headers: { 'x-api-key': alice }, payload: { sku: 'a', qty: 7 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ orderId: 'o-7', by: 'alice', caps: 'orders:read,orders:write' });
    expect(seen).toEqual([{ principal: 'alice', capabilities: ['orders:read', 'orders:write'] }]);
    const nf = await gateway.server.inject({ method: 'GET', url: '/orders/o-5', headers: { 'x-api-key': alice } });
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'order o-5 not found' } });

    const base = await gateway.listen();
    const ac = new AbortController();
    const sse = await fetch(`${base}/events`, { headers: { 'x-api-key': alice }, signal: ac.signal });
    const reader = sse.body?.getReader();
    if (!reader) throw new Error('no body');
    const dec = new TextDecoder();
    let text = '';
    while (!text.includes(': connected')) text += dec.decode((await reader.read()).value);
    await bus.publish(OrderPlaced, { orderId: 'o-1', owner: 'alice' });
    while (!text.includes('o-1')) text += dec.decode((await reader.read()).value);
    expect(text).toMatch(/event: orders\.placed\ndata: \{"orderId":"o-1","owner":"alice"\}/u);
    ac.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('parses a payload once at the gateway, not again on the requesting side of the bus; the responder keeps its own check', async () => {
    bus = createBus({ telemetry: false });
    const parses: Record<string, number> = {};
    const counted = (name: string, validate: ValidationMode) =>
      defineContract({
        name,
        subject: name,
        version: 1,
        kind: 'command',
        validate,
        schema: z.object({ n: z.number().int().max(10) }).refine(() => {
          parses[name] = (parses[name] ?? 0) + 1;
          return true;
        }),
        response: z.object({ twice: z.number() }),
      });
    const Publish = counted('count.publish', 'publish');
    const Both = counted('count.both', 'both');
    const received: unknown[] = [];
    for (const c of [Publish, Both]) {
      bus.handle(c, (p) => {
        received.push(p);
        return { twice: p.n * 2 };
      });
    }
    const keys = new ApiKeyStore();
    const key = keys.issue('alice', { roles: ['w'] }).key;
    const audit = new MemoryAudit();
    const g = await createGateway({
      bus,
      routes: [
        defineRoute({ method: 'POST', path: '/publish', contract: Publish, capabilities: ['c:w'] }),
        defineRoute({ method: 'POST', path: '/both', contract: Both, capabilities: ['c:w'] }),
      ],
      auth: { apiKeys: keys },
      rbac: { roles: { w: ['c:w'] } },
      audit,
      trustProxy: false,
    });
    gateway = g;
    const post = (url: string, payload: Record<string, unknown>) => g.server.inject({ method: 'POST', url, headers: { 'x-api-key': key }, payload });
    const a = await post('/publish', { n: 4 });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toEqual({ twice: 8 });
    expect(parses['count.publish']).toBe(1); // the gateway's parse; the bus trusted it
    const b = await post('/both', { n: 3 });
    expect(b.json()).toEqual({ twice: 6 });
    expect(parses['count.both']).toBe(2); // the gateway's, and the responder's own
    expect(received).toEqual([{ n: 4 }, { n: 3 }]);
    const bad = await post('/publish', { n: 11 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('VALIDATION');
    expect(received).toHaveLength(2);
    expect(audit.events.filter((e) => e.decision === 'allow')).toHaveLength(3);
  });

  it('reads a body-only payload through a null prototype and refuses prototype keys the JSON parser lets through', async () => {
    // Validated by the gateway only ('publish': the responder does not parse again).
    const Probe = defineContract({
      name: 'probe.put',
      subject: 'probe.put',
      version: 1,
      kind: 'command',
      validate: 'publish',
      schema: z.object({ sku: z.string(), valueOf: z.string().optional() }),
      response: z.object({ ok: z.boolean() }),
    });
    bus = createBus({ telemetry: false });
    let calls = 0;
    bus.handle(Probe, () => {
      calls++;
      return { ok: true };
    });
    const keys = new ApiKeyStore();
    const alice = keys.issue('alice', { roles: ['customer'] }).key;
    gateway = await createGateway({
      bus,
      routes: [defineRoute({ method: 'POST', path: '/probe', contract: Probe, capabilities: [] })],
      auth: { apiKeys: keys },
      rbac: { roles: { customer: [] } },
      audit: new MemoryAudit(),
      trustProxy: false,
    });
    const post = (payload: string) => gateway!.server.inject({ method: 'POST', url: '/probe', headers: { 'x-api-key': alice, 'content-type': 'application/json' }, payload });
    // Read through Object.prototype, the absent `valueOf` would be a function and fail the string check.
    expect((await post('{"sku":"a"}')).statusCode).toBe(200);
    // Fastify's parser refuses `__proto__` and `constructor.prototype`; a plain `constructor` or `prototype` key reaches the gateway.
    for (const key of ['constructor', 'prototype']) {
      const res = await post(`{"sku":"a","${key}":1}`);
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error: { message: string } }>().error.message).toBe(`Property "${key}" is not allowed`);
    }
    expect(calls).toBe(1);
  });
});
