import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellularError, createEnvelope } from '@cellular/core';
import { createNatsTransport } from './nats-transport.js';

/** A port where nothing listens: a server that is started, its port taken, then closed. */
let deadPort = 0;
let holder: Server | undefined;
beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
  const addr = holder.address();
  deadPort = typeof addr === 'object' && addr !== null ? addr.port : 0;
  await new Promise<void>((resolve) => holder!.close(() => { resolve(); }));
});
afterAll(() => {
  holder = undefined;
});

describe('createNatsTransport without a broker', () => {
  it('declares what NATS guarantees', () => {
    const t = createNatsTransport();
    expect(t.name).toBe('nats');
    expect(t.status).toBe('idle');
    expect(t.capabilities).toEqual({
      durability: 'persistent',
      pubsubDelivery: 'at-most-once',
      ordering: 'per-publisher',
      maxPayload: 1024 * 1024,
      wildcards: true,
      queueGroups: true,
      headers: true,
      noResponders: true,
      nackDelay: true,
      deadLetter: true,
    });
    expect(createNatsTransport({ storage: 'memory' }).capabilities.durability).toBe('process');
  });

  it('operations before connect() fail TRANSPORT_ERROR with a hint', async () => {
    const t = createNatsTransport();
    const env = createEnvelope({ subject: 'a.b', payload: 1 });
    expect(() => { t.publish(env); }).toThrow(expect.objectContaining({ code: 'TRANSPORT_ERROR', message: expect.stringContaining('connect()') as string }) as Error);
    expect(() => t.subscribe('a.*', () => undefined)).toThrow(CellularError);
    await expect(t.request(env, { timeout: 10 })).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await expect(t.ensureStream({ name: 'S', subjects: ['a.>'] })).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
  });

  it('an unreachable server fails connect() TRANSPORT_ERROR naming the URL, and the transport can retry', async () => {
    const url = `nats://127.0.0.1:${deadPort}`;
    const t = createNatsTransport({ servers: url });
    const err = await t.connect().then(() => undefined, (e: unknown) => e);
    expect(CellularError.is(err, 'TRANSPORT_ERROR')).toBe(true);
    expect((err as CellularError).message).toContain(url);
    expect(t.status).toBe('idle');
    await expect(t.connect()).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
  });

  it('after close() every call fails TRANSPORT_CLOSED and status listeners saw closed', async () => {
    const t = createNatsTransport();
    const seen: string[] = [];
    t.onStatusChange((s) => seen.push(s));
    await t.close();
    expect(t.status).toBe('closed');
    expect(seen).toEqual(['closed']);
    await expect(t.connect()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(() => { t.publish(createEnvelope({ subject: 'a', payload: 1 })); }).toThrow(expect.objectContaining({ code: 'TRANSPORT_CLOSED' }) as Error);
    await expect(t.publishDurable(createEnvelope({ subject: 'a', payload: 1 }))).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });
});
