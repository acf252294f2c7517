import { afterEach, describe, expect, it } from 'vitest';
import { createBus } from '@cellular/bus';
import type { Bus } from '@cellular/bus';
import { CellularError } from '@cellular/core';
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
});
