import { CellularError, createEnvelope } from '@cellular/core';
import type { Envelope } from '@cellular/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransport, type MemoryTransport } from './memory-transport.js';
import type { StreamJournal } from './stream-journal.js';

const env = (subject: string, payload: unknown = null, extra: Partial<Envelope> = {}): Envelope => ({
  ...createEnvelope({ subject, payload }),
  ...extra,
});

let transports: MemoryTransport[] = [];
const make = (...args: Parameters<typeof createMemoryTransport>): MemoryTransport => {
  const t = createMemoryTransport(...args);
  transports.push(t);
  return t;
};

afterEach(async () => {
  await Promise.all(transports.map((t) => t.close()));
  transports = [];
  vi.useRealTimers();
});

describe('memory transport pub/sub', () => {
  it('delivers to matching subscriptions only, wildcards included, in publish order', async () => {
    const t = make();
    const got: string[] = [];
    t.subscribe('orders.*', (e) => void got.push(`star:${e.subject}`));
    t.subscribe('orders.>', (e) => void got.push(`gt:${e.subject}`));
    t.subscribe('users.created', (e) => void got.push(`lit:${e.subject}`));
    t.publish(env('orders.placed'));
    t.publish(env('orders.eu.placed'));
    t.publish(env('users.created'));
    expect(got).toEqual([]); // delivery is batched into a microtask, never re-entrant
    await t.flushed();
    expect(got).toEqual(['star:orders.placed', 'gt:orders.placed', 'gt:orders.eu.placed', 'lit:users.created']);
  });

  it('carries headers and the envelope unchanged', async () => {
    const t = make();
    const seen: Envelope[] = [];
    t.subscribe('h.x', (e) => void seen.push(e));
    const sent = env('h.x', { n: 1 }, { headers: { traceparent: '00-abc-def-01', a: 'b' } });
    t.publish(sent);
    await t.flushed();
    expect(seen[0]?.headers).toEqual({ traceparent: '00-abc-def-01', a: 'b' });
    expect(seen[0]?.payload).toEqual({ n: 1 });
  });

  it('gives each message to exactly one member of a queue group, round robin', async () => {
    const t = make();
    const counts = [0, 0, 0];
    let plain = 0;
    counts.forEach((_, i) => t.subscribe('work.*', () => { counts[i]!++; }, { queue: 'workers' }));
    t.subscribe('work.*', () => { plain++; });
    for (let i = 0; i < 30; i++) t.publish(env('work.item'));
    await t.flushed();
    expect(counts).toEqual([10, 10, 10]);
    expect(plain).toBe(30);
  });

  it('refuses invalid subjects and patterns with INVALID_SUBJECT', () => {
    const t = make();
    expect(() => t.publish(env('a.*'))).toThrow(expect.objectContaining({ code: 'INVALID_SUBJECT' }));
    expect(() => t.publish(env('a..b'))).toThrow(expect.objectContaining({ code: 'INVALID_SUBJECT' }));
    expect(() => t.subscribe('a.>.b', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_SUBJECT' }));
  });

  it('isolates handler throws and rejections and reports them', async () => {
    const errors: string[] = [];
    const t = make({ onError: (e, info) => errors.push(`${e.code}:${info.pattern}`) });
    let after = 0;
    t.subscribe('x', () => {
      throw new Error('sync boom');
    });
    t.subscribe('x', () => Promise.reject(new Error('async boom')));
    t.subscribe('x', () => { after++; });
    t.publish(env('x'));
    t.publish(env('x'));
    await t.flushed();
    await new Promise((r) => setImmediate(r));
    expect(after).toBe(2);
    expect(errors).toEqual(['HANDLER_ERROR:x', 'HANDLER_ERROR:x', 'HANDLER_ERROR:x', 'HANDLER_ERROR:x']);
  });

  it('unsubscribe stops delivery at once, even for messages already queued', async () => {
    const t = make();
    let n = 0;
    const sub = t.subscribe('u', () => { n++; });
    t.publish(env('u'));
    sub.unsubscribe();
    sub.unsubscribe(); // idempotent
    await t.flushed();
    await sub.closed;
    expect(n).toBe(0);
    expect(t.subscriptionCount).toBe(0);
  });

  it('subscription drain finishes queued and in-flight handlers before closing', async () => {
    const t = make();
    const done: number[] = [];
    const sub = t.subscribe('d', async (e) => {
      await new Promise((r) => setTimeout(r, 5));
      done.push(e.payload as number);
    });
    t.publish(env('d', 1));
    t.publish(env('d', 2));
    await sub.drain();
    expect(done).toEqual([1, 2]);
    t.publish(env('d', 3));
    await t.flushed();
    expect(done).toEqual([1, 2]);
  });
});

describe('memory transport request/reply', () => {
  const responder = (t: MemoryTransport, subject: string, fn: (e: Envelope) => unknown): void => {
    t.subscribe(subject, async (req) => {
      const payload = await fn(req);
      t.publish(createEnvelope({ subject: req.replyTo!, correlationId: req.correlationId!, payload }));
    });
  };

  it('replies through the reply convention', async () => {
    const t = make();
    responder(t, 'math.double', (e) => (e.payload as number) * 2);
    const replies = await Promise.all([1, 2, 3].map((n) => t.request(env('math.double', n), { timeout: 1000 })));
    expect(replies.map((r) => r.payload)).toEqual([2, 4, 6]);
    expect(t.pendingRequests).toBe(0);
  });

  it('fails NO_RESPONDERS at once when nothing subscribes', async () => {
    const t = make();
    await expect(t.request(env('nobody.home'), { timeout: 60_000 })).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
  });

  it('times out with TIMEOUT using one shared timer', async () => {
    vi.useFakeTimers();
    const t = make();
    t.subscribe('slow', () => undefined); // never replies
    const a = t.request(env('slow'), { timeout: 100 });
    const b = t.request(env('slow'), { timeout: 300 });
    const aErr = a.catch((e: unknown) => e);
    const bErr = b.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(150);
    expect(await aErr).toMatchObject({ code: 'TIMEOUT' });
    expect(t.pendingRequests).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(await bErr).toMatchObject({ code: 'TIMEOUT' });
    expect(t.pendingRequests).toBe(0);
  });

  it('a shorter timeout after a longer one still fires first', async () => {
    vi.useFakeTimers();
    const t = make();
    t.subscribe('slow', () => undefined);
    const long = t.request(env('slow'), { timeout: 10_000 }).catch((e: unknown) => e);
    const short = t.request(env('slow'), { timeout: 50 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60);
    expect(await short).toMatchObject({ code: 'TIMEOUT' });
    expect(t.pendingRequests).toBe(1);
    await t.close();
    expect(await long).toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('rejects CANCELLED when the signal aborts, before or during the request', async () => {
    const t = make();
    t.subscribe('slow', () => undefined);
    const ac = new AbortController();
    const p = t.request(env('slow'), { timeout: 10_000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(t.request(env('slow'), { timeout: 10_000, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(t.pendingRequests).toBe(0);
  });

  it('close rejects requests still queued for delivery as well as those waiting for a reply', async () => {
    const t = make();
    t.subscribe('slow', () => undefined);
    const delivered = t.request(env('slow'), { timeout: 10_000 }).catch((e: unknown) => e);
    await t.flushed(); // delivered, unanswered: in the pending table
    const queued = t.request(env('slow'), { timeout: 10_000 }).catch((e: unknown) => e); // not yet delivered
    expect(t.pendingRequests).toBe(2);
    await t.close();
    expect(await delivered).toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(await queued).toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(t.pendingRequests).toBe(0);
  });

  it('keeps the unanswered among many answered requests: they still time out, in deadline order', async () => {
    vi.useFakeTimers();
    const t = make();
    t.subscribe('slow.*', () => undefined);
    responder(t, 'fast', (e) => e.payload);
    const slow: Promise<unknown>[] = [];
    const answered: Promise<Envelope>[] = [];
    // Interleave: the pending table grows past its compaction threshold with mostly answered entries.
    for (let i = 0; i < 200; i++) {
      answered.push(t.request(env('fast', i), { timeout: 1_000 }));
      if (i % 50 === 0) slow.push(t.request(env(`slow.${String(i)}`), { timeout: 100 + i }).catch((e: unknown) => e));
      if (i % 10 === 0) await vi.advanceTimersByTimeAsync(0);
    }
    expect((await Promise.all(answered)).map((r) => r.payload)).toEqual([...Array(200).keys()]);
    expect(t.pendingRequests).toBe(4);
    await vi.advanceTimersByTimeAsync(160); // deadlines 100 and 150 passed, 200 and 250 not yet
    expect(t.pendingRequests).toBe(2);
    expect(await slow[0]).toMatchObject({ code: 'TIMEOUT', data: { subject: 'slow.0' } });
    expect(await slow[1]).toMatchObject({ code: 'TIMEOUT', data: { subject: 'slow.50' } });
    await vi.advanceTimersByTimeAsync(100);
    expect(await slow[3]).toMatchObject({ code: 'TIMEOUT', data: { subject: 'slow.150' } });
    expect(t.pendingRequests).toBe(0);
  });

  it('the first reply wins and late replies are dropped', async () => {
    const t = make();
    responder(t, 'race', () => 'first');
    responder(t, 'race', () => 'second');
    const r = await t.request(env('race'), { timeout: 1000 });
    expect(r.payload).toBe('first');
  });
});

describe('memory transport lifecycle', () => {
  it('capabilities are honest without a journal', () => {
    const t = make();
    expect(t.capabilities.durability).toBe('process');
    expect(t.capabilities.noResponders).toBe(true);
    const journal: StreamJournal = {
      load: () => [],
      append: () => Promise.resolve(),
      setSnapshot: () => undefined,
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    expect(make({ journal }).capabilities.durability).toBe('persistent');
  });

  it('drain stops intake, finishes in-flight handlers (whose replies still arrive), then closes', async () => {
    const t = make();
    const statuses: string[] = [];
    t.onStatusChange((s) => statuses.push(s));
    let finished = false;
    t.subscribe('job', async (req) => {
      await new Promise((r) => setTimeout(r, 10));
      finished = true;
      t.publish(createEnvelope({ subject: req.replyTo!, correlationId: req.correlationId!, payload: 'ok' }));
    });
    const reply = t.request(env('job'), { timeout: 1000 });
    await Promise.resolve();
    const drained = t.drain();
    expect(() => t.subscribe('late', () => undefined)).toThrow(expect.objectContaining({ code: 'TRANSPORT_CLOSED' }));
    await expect(t.request(env('job'), { timeout: 1000 })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await drained;
    expect(finished).toBe(true);
    expect((await reply).payload).toBe('ok');
    expect(t.status).toBe('closed');
    expect(statuses).toEqual(['draining', 'closed']);
  });

  it('after close every call fails TRANSPORT_CLOSED and subscriptions resolve closed', async () => {
    const t = make();
    const sub = t.subscribe('a', () => undefined);
    await t.close();
    await sub.closed;
    const closed = expect.objectContaining({ code: 'TRANSPORT_CLOSED' });
    expect(() => t.publish(env('a'))).toThrow(closed);
    expect(() => t.subscribe('a', () => undefined)).toThrow(closed);
    expect(() => t.consume({ stream: 's', durable: 'd' }, () => undefined)).toThrow(closed);
    await expect(t.request(env('a'), { timeout: 10 })).rejects.toSatisfy((e) => CellularError.is(e, 'TRANSPORT_CLOSED'));
    await expect(t.ensureStream({ name: 's', subjects: ['a'] })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await expect(t.publishDurable(env('a'))).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await expect(t.connect()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('scales to many subscriptions: one publish reaches only the matching ones', async () => {
    const t = make();
    let hits = 0;
    for (let i = 0; i < 10_000; i++) t.subscribe(`load.${String(i)}.*`, () => { hits++; });
    t.subscribe('load.42.>', () => { hits++; });
    t.publish(env('load.42.x'));
    await t.flushed();
    expect(hits).toBe(2);
  });
});
