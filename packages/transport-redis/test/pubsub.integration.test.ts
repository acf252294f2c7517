import { CellularError, createEnvelope, type Envelope } from '@cellular/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisTransport, type RedisTransport } from '../src/index.js';
import { Redis } from 'ioredis';
import { REDIS_URL, deletePrefix, shouldSkipRedis, uniquePrefix, waitFor } from './redis-helpers.js';

const skip = await shouldSkipRedis();

describe.skipIf(skip)('RedisTransport pub/sub and request/reply (machine Redis)', () => {
  const prefixes: string[] = [];
  const open: RedisTransport[] = [];
  const make = (prefix?: string): RedisTransport => {
    const keyPrefix = prefix ?? uniquePrefix('pubsub');
    if (!prefixes.includes(keyPrefix)) prefixes.push(keyPrefix);
    const t = createRedisTransport({ keyPrefix });
    open.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    for (const p of prefixes) await deletePrefix(p);
  });

  it('delivers NATS semantics for tricky subjects and patterns', async () => {
    const t = make();
    await t.connect();
    const patterns = ['a.*', 'a.>', '*.b', 'a.*.c', 'x?.*', '[ab].>', 'k\\.>', '>'];
    const got = new Map<string, string[]>(patterns.map((p) => [p, []]));
    for (const p of patterns) t.subscribe(p, (e) => void got.get(p)!.push(e.subject));
    const subjects = ['a', 'a.b', 'a.b.c', 'a.x.y.c', 'z.b', 'z.y.b', 'x?.q', 'xy.q', 'a.q', '[ab].q', 'k\\.m', 'k.m', 'end'];
    for (const s of subjects) await t.publish(createEnvelope({ subject: s, payload: s }));
    await waitFor(() => got.get('>')!.includes('end'));
    expect(got.get('a.*')).toEqual(['a.b', 'a.q']);
    expect(got.get('a.>')).toEqual(['a.b', 'a.b.c', 'a.x.y.c', 'a.q']);
    expect(got.get('*.b')).toEqual(['a.b', 'z.b']);
    expect(got.get('a.*.c')).toEqual(['a.b.c']);
    expect(got.get('x?.*')).toEqual(['x?.q']);
    expect(got.get('[ab].>')).toEqual(['[ab].q']);
    expect(got.get('k\\.>')).toEqual(['k\\.m']);
    expect(got.get('>')).toEqual(subjects);
  });

  it('delivers an exact subscription and a wildcard on the same subject once each', async () => {
    const t = make();
    const exact: Envelope[] = [];
    const wild: Envelope[] = [];
    t.subscribe('o.created', (e) => void exact.push(e));
    t.subscribe('o.*', (e) => void wild.push(e));
    const env = createEnvelope({ subject: 'o.created', payload: { n: 1 }, headers: { traceparent: '00-abc-def-01' } });
    await t.publish(env);
    await waitFor(() => exact.length === 1 && wild.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(exact).toHaveLength(1);
    expect(wild).toHaveLength(1);
    expect(exact[0]).toEqual(env);
  });

  it('reaches another instance with the same prefix and not one with another prefix', async () => {
    const prefix = uniquePrefix('cross');
    const a = make(prefix);
    const b = make(prefix);
    const other = make();
    const gotB: string[] = [];
    const gotOther: string[] = [];
    b.subscribe('p.>', (e) => void gotB.push(e.subject));
    other.subscribe('p.>', (e) => void gotOther.push(e.subject));
    await b.connect();
    await other.connect();
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 50; i++) await a.publish(createEnvelope({ subject: `p.${i}`, payload: i }));
    await waitFor(() => gotB.length === 50);
    expect(gotB).toEqual(Array.from({ length: 50 }, (_, i) => `p.${i}`)); // per-publisher order
    expect(gotOther).toEqual([]);
  });

  it('queue groups: each message reaches exactly one member across instances; plain subscribers get all', async () => {
    const prefix = uniquePrefix('queue');
    const a = make(prefix);
    const b = make(prefix);
    const got: Record<string, string[]> = { a1: [], a2: [], b1: [] };
    const plain: string[] = [];
    a.subscribe('jobs.*', (e) => void got.a1!.push(e.id), { queue: 'workers' });
    a.subscribe('jobs.*', (e) => void got.a2!.push(e.id), { queue: 'workers' });
    b.subscribe('jobs.>', (e) => void got.b1!.push(e.id), { queue: 'workers' });
    b.subscribe('jobs.*', (e) => void plain.push(e.id));
    await Promise.all([a.connect(), b.connect()]);
    await new Promise((r) => setTimeout(r, 50));
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const env = createEnvelope({ subject: `jobs.${i % 3}`, payload: i });
      ids.push(env.id);
      void a.publish(env);
    }
    await waitFor(() => plain.length === 200 && got.a1!.length + got.a2!.length + got.b1!.length === 200);
    await new Promise((r) => setTimeout(r, 100));
    const all = [...got.a1!, ...got.a2!, ...got.b1!];
    expect(all.sort()).toEqual([...ids].sort());
    expect(new Set(all).size).toBe(200);
  });

  it('queue groups: messages spread evenly over the members of several instances, each delivered once; a closed instance leaves the group', async () => {
    const prefix = uniquePrefix('balance');
    const members = [make(prefix), make(prefix), make(prefix)];
    const publisher = make(prefix);
    const got: string[][] = [[], [], []];
    const other: string[] = [];
    members.forEach((t, i) => t.subscribe('work.x', (e) => void got[i]!.push(e.id), { queue: 'pool' }));
    // Same group, a pattern that never matches: it must never be chosen for work.x.
    members[0]!.subscribe('elsewhere.*', (e) => void other.push(e.id), { queue: 'pool' });
    await Promise.all([...members, publisher].map((t) => t.connect()));
    const redis = new Redis(REDIS_URL);
    const listed = (): Promise<number> => redis.zcard(`${prefix}qm:pool`);
    for (let n = 0; (await listed()) < 4 && n < 200; n++) await new Promise((r) => setTimeout(r, 50));
    const ids: string[] = [];
    for (let i = 0; i < 600; i++) {
      const env = createEnvelope({ subject: 'work.x', payload: i });
      ids.push(env.id);
      void publisher.publish(env);
    }
    await waitFor(() => got.flat().length === 600, 20_000);
    const split = got.map((g) => g.length);
    console.log(`queue-group split over 3 instances: ${split.join(' / ')}`);
    expect(new Set(got.flat()).size).toBe(600);
    expect([...got.flat()].sort()).toEqual([...ids].sort());
    for (const n of split) expect(n).toBeGreaterThanOrEqual(150); // rotation: 200 each when all are listed
    expect(other).toEqual([]);

    try {
      expect(await listed()).toBe(4);
      await members[2]!.close();
      expect(await listed()).toBe(3);
    } finally {
      redis.disconnect();
    }
    const before = got.flat().length;
    for (let i = 0; i < 100; i++) void publisher.publish(createEnvelope({ subject: 'work.x', payload: i }));
    await waitFor(() => got[0]!.length + got[1]!.length === before - got[2]!.length + 100, 20_000);
    expect(got[0]!.length + got[1]!.length + got[2]!.length).toBe(before + 100);
  });

  it('queue groups: members within one instance take turns', async () => {
    const t = make();
    const got: number[][] = [[], [], []];
    for (const bucket of got) t.subscribe('turns.*', (e) => void bucket.push(e.payload as number), { queue: 'g' });
    for (let i = 0; i < 30; i++) await t.publish(createEnvelope({ subject: 'turns.x', payload: i }));
    await waitFor(() => got.flat().length === 30);
    expect(got.map((b) => b.length)).toEqual([10, 10, 10]);
    expect(got.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('unsubscribe stops delivery; other subscriptions on the same Redis key keep theirs', async () => {
    const t = make();
    const one: number[] = [];
    const two: number[] = [];
    const s1 = t.subscribe('u.*', (e) => void one.push(e.payload as number));
    t.subscribe('u.*', (e) => void two.push(e.payload as number));
    await t.publish(createEnvelope({ subject: 'u.x', payload: 1 }));
    await waitFor(() => one.length === 1 && two.length === 1);
    s1.unsubscribe();
    await s1.closed;
    await t.publish(createEnvelope({ subject: 'u.x', payload: 2 }));
    await waitFor(() => two.length === 2);
    expect(one).toEqual([1]);
  });

  it('a throwing subscriber does not hurt the transport or other subscribers', async () => {
    const t = make();
    const got: number[] = [];
    t.subscribe('boom', () => {
      throw new Error('subscriber bug');
    });
    t.subscribe('boom', () => Promise.reject(new Error('async bug')));
    t.subscribe('boom', (e) => void got.push(e.payload as number));
    await t.publish(createEnvelope({ subject: 'boom', payload: 1 }));
    await t.publish(createEnvelope({ subject: 'boom', payload: 2 }));
    await waitFor(() => got.length === 2);
    expect(got).toEqual([1, 2]);
  });

  it('rejects bad subjects, oversize payloads and use after close with typed errors', async () => {
    const t = createRedisTransport({ keyPrefix: uniquePrefix('errors'), maxPayload: 100 });
    open.push(t);
    expect(() => t.publish(createEnvelope({ subject: 'a.*', payload: 1 }))).toThrow(expect.objectContaining({ code: 'INVALID_SUBJECT' }));
    expect(() => t.subscribe('a.b*', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_SUBJECT' }));
    expect(() => t.publish(createEnvelope({ subject: 'big', payload: 'x'.repeat(200) }))).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
    expect(t.capabilities.maxPayload).toBe(100);
    await t.close();
    expect(t.status).toBe('closed');
    expect(() => t.publish(createEnvelope({ subject: 'a', payload: 1 }))).toThrow(expect.objectContaining({ code: 'TRANSPORT_CLOSED' }));
    await expect(t.request(createEnvelope({ subject: 'a', payload: 1 }), { timeout: 100 })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('request/reply over the instance reply channel, many in flight', async () => {
    const prefix = uniquePrefix('rr');
    const server = make(prefix);
    const client = make(prefix);
    server.subscribe(
      'math.double',
      async (req) => {
        await server.publish(
          createEnvelope({ subject: req.replyTo!, payload: (req.payload as number) * 2, correlationId: req.correlationId! }),
        );
      },
      { queue: 'math' },
    );
    await server.connect();
    await new Promise((r) => setTimeout(r, 50));
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => client.request(createEnvelope({ subject: 'math.double', payload: i }), { timeout: 5000 })),
    );
    expect(replies.map((r) => r.payload)).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
    expect(replies[0]!.correlationId).toBeDefined();
  });

  it('request fails NO_RESPONDERS at once, TIMEOUT when nobody answers, CANCELLED on abort', async () => {
    const t = make();
    await expect(t.request(createEnvelope({ subject: 'nobody.home', payload: 1 }), { timeout: 5000 })).rejects.toMatchObject({
      code: 'NO_RESPONDERS',
    });
    t.subscribe('silent', () => undefined);
    const err = await t.request(createEnvelope({ subject: 'silent', payload: 1 }), { timeout: 100 }).catch((e: unknown) => e);
    expect(CellularError.is(err, 'TIMEOUT')).toBe(true);
    const ac = new AbortController();
    const p = t.request(createEnvelope({ subject: 'silent', payload: 1 }), { timeout: 5000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('close rejects pending requests TRANSPORT_CLOSED', async () => {
    const t = make();
    t.subscribe('slow', () => undefined);
    await t.connect();
    const p = t.request(createEnvelope({ subject: 'slow', payload: 1 }), { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 30));
    await t.close();
    await expect(p).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('reports status changes and declares honest capabilities', async () => {
    const t = make();
    const seen: string[] = [];
    t.onStatusChange((s) => seen.push(s));
    expect(t.status).toBe('idle');
    await t.connect();
    expect(t.status).toBe('connected');
    expect(t.capabilities).toMatchObject({ pubsubDelivery: 'at-most-once', wildcards: true, queueGroups: true, noResponders: true });
    await t.drain();
    expect(t.status).toBe('closed');
    expect(seen).toEqual(['connecting', 'connected', 'draining', 'closed']);
  });

  it('drain waits for in-flight async handlers', async () => {
    const t = make();
    let finished = false;
    t.subscribe('work', async () => {
      await new Promise((r) => setTimeout(r, 100));
      finished = true;
    });
    await t.publish(createEnvelope({ subject: 'work', payload: 1 }));
    await new Promise((r) => setTimeout(r, 30));
    await t.drain();
    expect(finished).toBe(true);
  });
});
