import { CellularError, createEnvelope, HEADERS, type DurableMessage, type Envelope } from '@cellular/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisTransport, type RedisTransport, type RedisTransportOptions } from '../src/index.js';
import { deletePrefix, REDIS_URL, shouldSkipRedis, uniquePrefix, waitFor } from './redis-helpers.js';

const skip = await shouldSkipRedis();

describe.skipIf(skip)('RedisTransport durable streams (machine Redis)', () => {
  const prefixes: string[] = [];
  const open: RedisTransport[] = [];
  const make = (prefix: string, extra: RedisTransportOptions = {}): RedisTransport => {
    if (!prefixes.includes(prefix)) prefixes.push(prefix);
    const t = createRedisTransport({ keyPrefix: prefix, blockMs: 200, ...extra });
    open.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    for (const p of prefixes) await deletePrefix(p);
  });
  const ev = (subject: string, payload: unknown): Envelope => createEnvelope({ subject, payload });

  it('stores in the stream that captures the subject, with increasing seq; NOT_FOUND otherwise; other instances find it', async () => {
    const prefix = uniquePrefix('durable');
    const t = make(prefix);
    await t.ensureStream({ name: 'ORDERS', subjects: ['orders.>'] });
    await t.ensureStream({ name: 'ORDERS', subjects: ['orders.>'] }); // idempotent
    const a1 = await t.publishDurable(ev('orders.placed', 1));
    const a2 = await t.publishDurable(ev('orders.paid', 2));
    expect(a1).toMatchObject({ stream: 'ORDERS', seq: 1, duplicate: false });
    expect(a2.seq).toBe(2);
    await expect(t.publishDurable(ev('users.created', 1))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const other = make(prefix);
    expect(await other.publishDurable(ev('orders.shipped', 3))).toMatchObject({ stream: 'ORDERS', seq: 3 });
    await expect(t.ensureStream({ name: 'bad name', subjects: ['x'] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(t.ensureStream({ name: 'X', subjects: ['x.*y'] })).rejects.toMatchObject({ code: 'INVALID_SUBJECT' });
  });

  it('recognises a republished envelope id as a duplicate and stores it once', async () => {
    const t = make(uniquePrefix('dup'));
    await t.ensureStream({ name: 'S', subjects: ['s.>'] });
    const env = ev('s.one', { v: 1 });
    const first = await t.publishDurable(env);
    const again = await t.publishDurable(env);
    expect(again).toEqual({ stream: 'S', seq: first.seq, duplicate: true });
    const got: string[] = [];
    t.consume({ stream: 'S', durable: 'd' }, (m) => {
      got.push(m.envelope.id);
    });
    await t.publishDurable(ev('s.two', 2));
    await waitFor(() => got.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([env.id, expect.any(String)]);
  });

  it('with duplicateWindowMs 0 a republished id is stored again (detection off)', async () => {
    const t = make(uniquePrefix('nodup'), { duplicateWindowMs: 0 });
    await t.ensureStream({ name: 'S', subjects: ['s'] });
    const env = ev('s', 1);
    const a = await t.publishDurable(env);
    const b = await t.publishDurable(env);
    expect(a.duplicate || b.duplicate).toBe(false);
    expect(b.seq).toBe(2);
  });

  it('delivers everything in order to a consumer and acks; a group splits work; a new member resumes', async () => {
    const prefix = uniquePrefix('group');
    const t = make(prefix, { readBatch: 7 });
    await t.ensureStream({ name: 'W', subjects: ['w.*'] });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const e = ev('w.job', i);
      ids.push(e.id);
      await t.publishDurable(e);
    }
    const first: number[] = [];
    const sub = t.consume({ stream: 'W', durable: 'workers' }, (m) => {
      first.push(m.envelope.payload as number);
    });
    await waitFor(() => first.length === 50);
    expect(first).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await sub.drain();
    // Two members of the same durable on two instances: every new message once.
    const u = make(prefix);
    const seen: string[] = [];
    const mine: Record<string, number> = { t: 0, u: 0 };
    t.consume({ stream: 'W', durable: 'workers' }, (m) => {
      seen.push(m.envelope.id);
      mine.t!++;
    });
    u.consume({ stream: 'W', durable: 'workers' }, (m) => {
      seen.push(m.envelope.id);
      mine.u!++;
    });
    const more: string[] = [];
    for (let i = 0; i < 100; i++) {
      const e = ev('w.job', 100 + i);
      more.push(e.id);
      await t.publishDurable(e);
    }
    await waitFor(() => seen.length >= 100);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.sort()).toEqual(more.sort()); // none of the acked first 50 again, none twice
    const r = new Redis(REDIS_URL);
    const pending = (await r.xpending(`${prefix}s:W`, 'workers')) as [number, ...unknown[]];
    r.disconnect();
    expect(pending[0]).toBe(0);
  });

  it('nack(delay) redelivers after the delay with attempt + 1', async () => {
    const t = make(uniquePrefix('nack'));
    await t.ensureStream({ name: 'N', subjects: ['n'] });
    const attempts: { attempt: number; at: number }[] = [];
    t.consume({ stream: 'N', durable: 'd', ackWaitMs: 5000 }, async (m) => {
      attempts.push({ attempt: m.deliveryAttempt, at: Date.now() });
      expect(m.envelope.attempt).toBe(m.deliveryAttempt);
      if (m.deliveryAttempt === 1) await m.nack(300);
    });
    await t.publishDurable(ev('n', 'x'));
    await waitFor(() => attempts.length === 2);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(290);
  });

  it('a nack delay longer than ackWait is held, not redelivered early', async () => {
    const t = make(uniquePrefix('hold'));
    await t.ensureStream({ name: 'H', subjects: ['h'] });
    const attempts: { attempt: number; at: number }[] = [];
    t.consume({ stream: 'H', durable: 'd', ackWaitMs: 200 }, async (m) => {
      attempts.push({ attempt: m.deliveryAttempt, at: Date.now() });
      if (m.deliveryAttempt === 1) await m.nack(700);
    });
    await t.publishDurable(ev('h', 'x'));
    await waitFor(() => attempts.length === 2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(690);
    expect(attempts[1]!.attempt).toBe(2);
  });

  it('a throwing handler is retried with backoff up to maxDeliver, then dead-lettered with reason and original subject', async () => {
    const t = make(uniquePrefix('dlq'));
    await t.ensureStream({ name: 'P', subjects: ['pay.*'] });
    await t.ensureStream({ name: 'DLQ', subjects: ['dlq.>'] });
    let calls = 0;
    t.consume({ stream: 'P', durable: 'billing', maxDeliver: 3, backoffMs: [20, 40] }, () => {
      calls++;
      throw new Error('card declined');
    });
    const dead: DurableMessage[] = [];
    t.consume({ stream: 'DLQ', durable: 'ops' }, (m) => {
      dead.push(m);
    });
    const env = ev('pay.charge', { amount: 5 });
    await t.publishDurable(env);
    await waitFor(() => dead.length === 1);
    expect(calls).toBe(3);
    const d = dead[0]!.envelope;
    expect(d.id).toBe(env.id);
    expect(d.subject).toBe('dlq.P.billing');
    expect(d.payload).toEqual({ amount: 5 });
    expect(d.headers[HEADERS.originalSubject]).toBe('pay.charge');
    expect(d.headers[HEADERS.deadLetterReason]).toMatch(/max deliveries/u);
  });

  it('term() dead-letters at once with the reason; without a capturing stream the dead letter lands in the fallback stream', async () => {
    const prefix = uniquePrefix('term');
    const t = make(prefix);
    await t.ensureStream({ name: 'T', subjects: ['t.>'] });
    const live: Envelope[] = [];
    t.subscribe('poison.>', (e) => void live.push(e));
    let calls = 0;
    t.consume({ stream: 'T', durable: 'c', deadLetterSubject: 'poison.t' }, async (m) => {
      calls++;
      await m.term('unparseable');
    });
    await t.publishDurable(ev('t.x', 'bad'));
    await waitFor(() => live.length === 1);
    expect(calls).toBe(1);
    expect(live[0]!.headers[HEADERS.deadLetterReason]).toBe('terminated: unparseable');
    const r = new Redis(REDIS_URL);
    const entries = await r.xrange(`${prefix}dlq:poison.t`, '-', '+');
    r.disconnect();
    expect(entries).toHaveLength(1);
  });

  it('messages left pending by a dead consumer are claimed by another after ackWait (XAUTOCLAIM)', async () => {
    const prefix = uniquePrefix('claim');
    const t = make(prefix);
    await t.ensureStream({ name: 'C', subjects: ['c'] });
    for (let i = 0; i < 20; i++) await t.publishDurable(ev('c', i));
    // A consumer reads a batch and dies without acking.
    const raw = new Redis(REDIS_URL);
    await raw.xgroup('CREATE', `${prefix}s:C`, 'grp', '0', 'MKSTREAM');
    const read = (await raw.xreadgroup('GROUP', 'grp', 'dead-consumer', 'COUNT', 20, 'STREAMS', `${prefix}s:C`, '>'));
    expect(read).toHaveLength(1);
    raw.disconnect();
    const got: { n: number; attempt: number }[] = [];
    t.consume({ stream: 'C', durable: 'grp', ackWaitMs: 300 }, (m) => {
      got.push({ n: m.envelope.payload as number, attempt: m.deliveryAttempt });
    });
    await waitFor(() => got.length === 20);
    expect(got.map((g) => g.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(got.every((g) => g.attempt === 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    const check = new Redis(REDIS_URL);
    const pending = (await check.xpending(`${prefix}s:C`, 'grp')) as [number];
    check.disconnect();
    expect(pending[0]).toBe(0);
  });

  it('consumers do not accumulate: a closed transport leaves its group when nothing is pending; a dead one is removed after deadConsumerIdleMs', async () => {
    const prefix = uniquePrefix('consumers');
    const key = `${prefix}s:K`;
    const redis = new Redis(REDIS_URL);
    const names = async (): Promise<string[]> =>
      ((await redis.xinfo('CONSUMERS', key, 'workers')) as unknown[][]).map((c) => String(c[c.indexOf('name') + 1]));
    try {
      const setup = make(prefix);
      await setup.ensureStream({ name: 'K', subjects: ['k'] });
      // Three "restarts": each transport consumes, acks everything and closes.
      for (let i = 0; i < 3; i++) {
        const t = make(prefix);
        const got: number[] = [];
        t.consume({ stream: 'K', durable: 'workers' }, (m) => {
          got.push(m.envelope.payload as number);
        });
        await t.publishDurable(ev('k', i));
        await waitFor(() => got.length === 1);
        expect((await names()).length).toBe(1);
        await t.close();
        expect(await names()).toEqual([]);
      }
      // A consumer that died (never stopped): removed by a live consumer's janitor once idle long enough.
      await setup.publishDurable(ev('k', 'for-ghost'));
      const read = (await redis.xreadgroup('GROUP', 'workers', 'ghost', 'COUNT', 1, 'STREAMS', key, '>')) as [string, [string, string[]][]][];
      await redis.xack(key, 'workers', read[0]![1][0]![0]);
      expect(await names()).toContain('ghost');
      const live = make(prefix, { blockMs: 50, deadConsumerIdleMs: 300 });
      live.consume({ stream: 'K', durable: 'workers', ackWaitMs: 200 }, () => undefined);
      const deadline = Date.now() + 20_000;
      while ((await names()).includes('ghost') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await names()).not.toContain('ghost');
    } finally {
      redis.disconnect();
    }
  });

  it('filterSubject delivers only matching messages (others are acked silently)', async () => {
    const t = make(uniquePrefix('filter'));
    await t.ensureStream({ name: 'F', subjects: ['f.>'] });
    const got: string[] = [];
    t.consume({ stream: 'F', durable: 'only-b', filterSubject: 'f.b.*' }, (m) => {
      got.push(m.envelope.subject);
    });
    for (const s of ['f.a.1', 'f.b.1', 'f.b.2.x', 'f.b.3']) await t.publishDurable(ev(s, s));
    await waitFor(() => got.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['f.b.1', 'f.b.3']);
  });

  it('overflow: reject fails BACKPRESSURE when full of unacknowledged messages, frees space once acked; drop-oldest keeps the newest', async () => {
    const prefix = uniquePrefix('overflow');
    const t = make(prefix);
    await t.ensureStream({ name: 'R', subjects: ['r'], maxMessages: 3 });
    for (let i = 0; i < 3; i++) await t.publishDurable(ev('r', i));
    const err = await t.publishDurable(ev('r', 3)).catch((e: unknown) => e);
    expect(CellularError.is(err, 'BACKPRESSURE')).toBe(true);
    const got: number[] = [];
    const sub = t.consume({ stream: 'R', durable: 'd' }, (m) => {
      got.push(m.envelope.payload as number);
    });
    await waitFor(() => got.length === 3);
    await new Promise((r) => setTimeout(r, 100)); // acks are flushed
    await sub.drain();
    expect((await t.publishDurable(ev('r', 4))).duplicate).toBe(false);

    await t.ensureStream({ name: 'D', subjects: ['d'], maxMessages: 3, overflow: 'drop-oldest' });
    for (let i = 0; i < 6; i++) await t.publishDurable(ev('d', i));
    const kept: number[] = [];
    t.consume({ stream: 'D', durable: 'd' }, (m) => {
      kept.push(m.envelope.payload as number);
    });
    await waitFor(() => kept.length === 3);
    expect(kept).toEqual([3, 4, 5]);
  });

  it('overflow: block waits for capacity until the publish timeout', async () => {
    const t = make(uniquePrefix('block'));
    await t.ensureStream({ name: 'B', subjects: ['b'], maxMessages: 2, overflow: 'block' });
    await t.publishDurable(ev('b', 1));
    await t.publishDurable(ev('b', 2));
    // Still full at the deadline: BACKPRESSURE, or TIMEOUT when the last attempt's round trip is what ran out
    // (a loaded machine). Either way message 3 is not stored: the stream stays full until the consumer starts.
    const refused = await t.publishDurable(ev('b', 3), { timeout: 150 }).then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect(['BACKPRESSURE', 'TIMEOUT']).toContain(refused?.code);
    const pending = t.publishDurable(ev('b', 4), { timeout: 5000 });
    const got: number[] = [];
    t.consume({ stream: 'B', durable: 'd' }, (m) => {
      got.push(m.envelope.payload as number);
    });
    expect((await pending).duplicate).toBe(false);
    await waitFor(() => got.length === 3);
    expect(got).toEqual([1, 2, 4]);
  });

  it('consume on a missing stream ends the subscription; drain lets durable handlers finish and flushes acks', async () => {
    const prefix = uniquePrefix('drain');
    const t = make(prefix);
    const missing = t.consume({ stream: 'NOPE', durable: 'd' }, () => undefined);
    await missing.closed;
    await t.ensureStream({ name: 'G', subjects: ['g'] });
    let done = 0;
    t.consume({ stream: 'G', durable: 'd' }, async () => {
      await new Promise((r) => setTimeout(r, 100));
      done++;
    });
    await t.publishDurable(ev('g', 1));
    await new Promise((r) => setTimeout(r, 50));
    await t.drain();
    expect(done).toBe(1);
    const r = new Redis(REDIS_URL);
    const pending = (await r.xpending(`${prefix}s:G`, 'd')) as [number];
    r.disconnect();
    expect(pending[0]).toBe(0);
  });
});
