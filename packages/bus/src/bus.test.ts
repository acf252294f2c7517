import { CellularError, createEnvelope, defineContract, HEADERS } from '@cellular/core';
import type { Envelope } from '@cellular/core';
import { waitFor } from '@cellular/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBus, type Bus, type BusErrorInfo } from './bus.js';
import { createMemoryTransport } from './memory-transport.js';
import { foreignTransport } from '../test/helpers/foreign-transport.js';

const OrderPlaced = defineContract({
  name: 'orders.placed',
  subject: 'orders.placed',
  version: 1,
  kind: 'event',
  schema: z.object({ id: z.string(), total: z.number().nonnegative() }),
});

const Strict = defineContract({
  name: 'orders.strict',
  subject: 'orders.strict',
  version: 1,
  kind: 'event',
  schema: z.object({ id: z.string(), items: z.array(z.object({ price: z.number() })) }),
  validate: 'receive',
});

const Loose = defineContract({
  name: 'orders.loose',
  subject: 'orders.strict', // same subject, no validation: lets a test send a bad message
  version: 1,
  kind: 'event',
  schema: z.any(),
  validate: 'off',
});

const GetOrder = defineContract({
  name: 'orders.get',
  subject: 'orders.get',
  version: 1,
  kind: 'query',
  schema: z.object({ id: z.string() }),
  response: z.object({ id: z.string(), total: z.number() }),
  validate: 'both',
});

const Parse = defineContract({
  name: 'num.parse',
  subject: 'num.parse',
  version: 1,
  kind: 'query',
  schema: z.string().transform((s) => Number(s)),
  response: z.number(),
  validate: 'both',
});

let buses: Bus[] = [];
function makeBus(options: Parameters<typeof createBus>[0] = {}): { bus: Bus; errors: [CellularError, BusErrorInfo][] } {
  const errors: [CellularError, BusErrorInfo][] = [];
  const bus = createBus({ onError: (e, info) => errors.push([e, info]), telemetry: false, ...options });
  buses.push(bus);
  return { bus, errors };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

afterEach(async () => {
  await Promise.all(buses.map((b) => b.close()));
  buses = [];
});

for (const [label, transport] of [
  ['memory', () => undefined],
  ['foreign', foreignTransport],
] as const) {
  describe(`bus over the ${label} transport`, () => {
    const mk = (opts: Parameters<typeof createBus>[0] = {}): ReturnType<typeof makeBus> => {
      const t = transport();
      return makeBus(t === undefined ? opts : { ...opts, transport: t });
    };

    it('publishes typed events to contract subscribers with a context', async () => {
      const { bus } = mk();
      const got: { id: string; total: number; subject: string }[] = [];
      bus.subscribe(OrderPlaced, (order, ctx) => {
        got.push({ ...order, subject: ctx.envelope.subject });
        expect(ctx.envelope.contract).toMatchObject({ name: 'orders.placed', version: 1 });
        expect(typeof ctx.envelope.id).toBe('string');
        expect(ctx.envelope.id).toHaveLength(24);
        expect(ctx.principal).toBe('alice');
        expect(ctx.capabilities).toEqual(['orders:read', 'orders:write']);
      });
      await bus.publish(OrderPlaced, { id: 'o-1', total: 42 }, {
        headers: { [HEADERS.principal]: 'alice', [HEADERS.capabilities]: 'orders:read, orders:write' },
      });
      await tick();
      expect(got).toEqual([{ id: 'o-1', total: 42, subject: 'orders.placed' }]);
      expect(bus.stats()).toMatchObject({ published: 1, delivered: 1, failed: 0 });
    });

    it('rejects an invalid publish with VALIDATION naming the field, delivering nothing', async () => {
      const { bus } = mk();
      let n = 0;
      bus.subscribe(OrderPlaced, () => { n++; });
      const err = await bus.publish(OrderPlaced, { id: 'o-1', total: -1 }).catch((e: unknown) => e);
      expect(CellularError.is(err, 'VALIDATION')).toBe(true);
      expect((err as CellularError).message).toContain('"total"');
      await tick();
      expect(n).toBe(0);
      expect(bus.stats().validationFailed).toBe(1);
    });

    it('validates at receive: a bad message is reported, never delivered, and crashes nothing', async () => {
      const { bus, errors } = mk();
      const got: unknown[] = [];
      bus.subscribe(Strict, (p) => void got.push(p));
      await bus.publish(Loose, { id: 'x', items: [{ price: 'free' }] });
      await bus.publish(Loose, { id: 'y', items: [{ price: 3 }] });
      await tick();
      expect(got).toEqual([{ id: 'y', items: [{ price: 3 }] }]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.[0].code).toBe('VALIDATION');
      expect(errors[0]?.[0].message).toContain('items.0.price');
      expect(errors[0]?.[1]).toMatchObject({ kind: 'validation', contract: 'orders.strict' });
    });

    it('isolates throwing and rejecting handlers: counted, reported, others still run', async () => {
      const { bus, errors } = mk();
      let ok = 0;
      bus.subscribe(OrderPlaced, () => {
        throw new Error('boom');
      });
      bus.subscribe(OrderPlaced, () => Promise.reject(new CellularError('CONFLICT', 'nope')));
      bus.subscribe(OrderPlaced, () => { ok++; });
      await bus.publish(OrderPlaced, { id: 'a', total: 1 });
      await tick();
      expect(ok).toBe(1);
      expect(errors.map(([e, i]) => `${e.code}/${i.kind}`).sort()).toEqual(['CONFLICT/handler', 'HANDLER_ERROR/handler']);
      expect(bus.stats().failed).toBe(2);
    });

    it('subscribes to raw patterns without validation', async () => {
      const { bus } = mk();
      const subjects: string[] = [];
      bus.subscribe('orders.*', (_p, ctx) => void subjects.push(ctx.envelope.subject));
      await bus.publish(OrderPlaced, { id: 'a', total: 1 });
      await tick();
      expect(subjects).toEqual(['orders.placed']);
    });

    it('splits a queue group between members', async () => {
      const { bus } = mk();
      const counts = [0, 0];
      bus.subscribe(OrderPlaced, () => { counts[0]!++; }, { queue: 'billing' });
      bus.subscribe(OrderPlaced, () => { counts[1]!++; }, { queue: 'billing' });
      for (let i = 0; i < 10; i++) await bus.publish(OrderPlaced, { id: String(i), total: i });
      await tick();
      expect(counts[0]! + counts[1]!).toBe(10);
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).toBeGreaterThan(0);
    });

    it('answers typed requests', async () => {
      const { bus } = mk();
      bus.handle(GetOrder, async ({ id }) => ({ id, total: 7 }));
      const r = await bus.request(GetOrder, { id: 'o-9' });
      expect(r).toEqual({ id: 'o-9', total: 7 });
      bus.handle(Parse, (n) => n * 2);
      expect(await bus.request(Parse, '21')).toBe(42);
    });

    it('returns a handler error to the caller as the same CellularError', async () => {
      const { bus, errors } = mk();
      bus.handle(GetOrder, ({ id }) => {
        throw new CellularError('NOT_FOUND', `order ${id} not found`, { data: { id } });
      });
      const err = await bus.request(GetOrder, { id: 'missing' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CellularError);
      expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'order missing not found', data: { id: 'missing' } });
      expect(errors[0]?.[1].kind).toBe('handler');
      // A plain Error becomes HANDLER_ERROR for the caller.
      bus.handle(Parse, () => Promise.reject(new Error('kaput')));
      await expect(bus.request(Parse, '1')).rejects.toMatchObject({ code: 'HANDLER_ERROR', message: 'kaput' });
    });

    it('a responder breaking its response schema yields VALIDATION for the caller', async () => {
      const { bus } = mk();
      bus.handle(GetOrder, () => ({ id: 'x', total: 'lots' }) as unknown as { id: string; total: number });
      await expect(bus.request(GetOrder, { id: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
    });

    it('a bad request payload is refused before sending, and a bad received one is answered VALIDATION', async () => {
      const { bus } = mk();
      let called = 0;
      bus.handle(GetOrder, ({ id }) => {
        called++;
        return { id, total: 1 };
      });
      await expect(bus.request(GetOrder, { id: 5 } as unknown as { id: string })).rejects.toMatchObject({ code: 'VALIDATION' });
      expect(called).toBe(0);
    });

    it('fails NO_RESPONDERS at once and TIMEOUT after the timeout', async () => {
      const { bus } = mk({ defaultTimeoutMs: 20 });
      await expect(bus.request(GetOrder, { id: 'a' }, { timeout: 60_000 })).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
      bus.handle(GetOrder, () => new Promise(() => undefined));
      await expect(bus.request(GetOrder, { id: 'a' })).rejects.toMatchObject({ code: 'TIMEOUT' });
    });

    it('a request carries readable reply routing; a raw responder on the reply subject is heard; late answers are dropped', async () => {
      const { bus } = mk();
      const seen: { replyTo: string | undefined; correlationId: string | undefined }[] = [];
      bus.handle(GetOrder, ({ id }, ctx) => {
        seen.push({ replyTo: ctx.envelope.replyTo, correlationId: ctx.envelope.correlationId });
        return { id, total: 1 };
      });
      expect(await bus.request(GetOrder, { id: 'a' })).toEqual({ id: 'a', total: 1 });
      expect(seen[0]?.replyTo).toMatch(/^_INBOX\./u);
      expect(typeof seen[0]?.correlationId).toBe('string');
      // A responder that answers through the transport by reply subject (as a remote one would).
      const Raw = defineContract({ name: 'raw.q', subject: 'raw.q', version: 1, kind: 'query', schema: z.number(), response: z.number(), validate: 'off' });
      bus.transport.subscribe('raw.q', (env) => {
        const reply = createEnvelope({ subject: env.replyTo!, payload: (env.payload as number) + 1, ...(env.correlationId === undefined ? {} : { correlationId: env.correlationId }) });
        void bus.transport.publish(reply);
      });
      expect(await bus.request(Raw, 41)).toBe(42);
      // An answer after the timeout reaches nobody and breaks nothing.
      let release: () => void = () => undefined;
      const Slow = defineContract({ name: 'slow.q', subject: 'slow.q', version: 1, kind: 'query', schema: z.number(), response: z.number(), validate: 'off' });
      bus.handle(Slow, (n) => new Promise<number>((r) => (release = () => r(n))));
      await expect(bus.request(Slow, 1, { timeout: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
      release();
      await tick();
      expect(await bus.request(Raw, 1)).toBe(2);
    });

    it('cancels a request with an AbortSignal', async () => {
      const { bus } = mk();
      bus.handle(GetOrder, () => new Promise(() => undefined));
      const ac = new AbortController();
      const p = bus.request(GetOrder, { id: 'a' }, { signal: ac.signal });
      ac.abort(new Error('user left'));
      await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    });

    it('iterates a subscription without a handler, and ends on unsubscribe', async () => {
      const { bus } = mk();
      const sub = bus.subscribe(OrderPlaced);
      for (let i = 0; i < 3; i++) await bus.publish(OrderPlaced, { id: String(i), total: i });
      const seen: string[] = [];
      for await (const { payload, context } of sub) {
        seen.push(`${payload.id}@${context.envelope.subject}`);
        if (seen.length === 3) break; // return() unsubscribes
      }
      expect(seen).toEqual(['0@orders.placed', '1@orders.placed', '2@orders.placed']);
      await sub.closed;
      expect(bus.stats().subscriptions).toBe(0);
    });

    it('refuses to iterate a subscription that has a handler', () => {
      const { bus } = mk();
      const sub = bus.subscribe(OrderPlaced, () => undefined);
      expect(() => sub[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    });

    it('drops the oldest iterated message when the buffer is full', async () => {
      const { bus } = mk({ iteratorBufferSize: 2 });
      const sub = bus.subscribe(OrderPlaced);
      for (let i = 0; i < 5; i++) await bus.publish(OrderPlaced, { id: String(i), total: i });
      await tick();
      await sub.drain();
      const ids: string[] = [];
      for await (const m of sub) ids.push(m.payload.id);
      expect(ids).toEqual(['3', '4']);
      expect(bus.stats().dropped).toBe(3);
    });

    it('await using drains the subscription; closed resolves', async () => {
      const { bus } = mk();
      const done: string[] = [];
      {
        await using sub = bus.subscribe(OrderPlaced, async (o) => {
          await new Promise((r) => setTimeout(r, 5));
          done.push(o.id);
        });
        await bus.publish(OrderPlaced, { id: 'a', total: 1 });
        expect(sub.closed).toBeInstanceOf(Promise);
      }
      expect(done).toEqual(['a']);
    });

    it('drain and close: later calls fail TRANSPORT_CLOSED', async () => {
      const { bus } = mk();
      const done: string[] = [];
      bus.subscribe(OrderPlaced, async (o) => {
        await new Promise((r) => setTimeout(r, 5));
        done.push(o.id);
      });
      await bus.publish(OrderPlaced, { id: 'a', total: 1 });
      await bus.drain();
      expect(done).toEqual(['a']);
      expect(bus.status).toBe('closed');
      await expect(bus.publish(OrderPlaced, { id: 'b', total: 1 })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
      await expect(bus.request(GetOrder, { id: 'b' })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
      expect(() => bus.subscribe(OrderPlaced, () => undefined)).toThrow(expect.objectContaining({ code: 'TRANSPORT_CLOSED' }));
    });
  });
}

describe('bus envelopes', () => {
  it('lazy envelopes serialise to plain, valid envelopes', async () => {
    const { bus } = makeBus();
    const seen: Envelope[] = [];
    bus.subscribe(OrderPlaced, (_p, ctx) => void seen.push(ctx.envelope));
    await bus.publish(OrderPlaced, { id: 'a', total: 1 });
    await tick();
    const json = JSON.parse(JSON.stringify(seen[0])) as Record<string, unknown>;
    expect(json).toMatchObject({
      subject: 'orders.placed',
      payload: { id: 'a', total: 1 },
      headers: {},
      attempt: 1,
      contract: { name: 'orders.placed', version: 1 },
    });
    expect(typeof json.id).toBe('string');
    expect(typeof json.timestamp).toBe('number');
    const { EnvelopeSchema } = await import('@cellular/core');
    expect(EnvelopeSchema.safeParse(json).success).toBe(true);
  });

  it('ids are unique and sortable in publish order', async () => {
    const { bus } = makeBus();
    const ids: string[] = [];
    bus.subscribe(OrderPlaced, (_p, ctx) => void ids.push(ctx.envelope.id));
    for (let i = 0; i < 50; i++) void bus.publish(OrderPlaced, { id: String(i), total: i });
    await tick();
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
  });

  it('rejects something that is not a contract', async () => {
    const { bus } = makeBus();
    await expect(bus.publish({} as typeof OrderPlaced, { id: 'a', total: 1 })).rejects.toMatchObject({ code: 'INVALID_CONTRACT' });
  });

  it('consume with ordered: false works a one-subject queue in parallel (up to maxAckPending), nacks redelivered', async () => {
    const Job = defineContract({ name: 'jobs.run', subject: 'jobs.run', version: 1, kind: 'command', schema: z.object({ n: z.number() }) });
    const { bus } = makeBus();
    for (let n = 0; n < 9; n++) await bus.stream(Job, { n });
    let inFlight = 0;
    let max = 0;
    let open = false;
    const gate: (() => void)[] = [];
    const done: number[] = [];
    const attempts = new Map<number, number>();
    bus.consume(
      Job,
      async ({ n }, ctx) => {
        attempts.set(n, ctx.deliveryAttempt);
        inFlight++;
        max = Math.max(max, inFlight);
        if (!open) await new Promise<void>((r) => gate.push(r));
        inFlight--;
        if (n === 4 && ctx.deliveryAttempt === 1) throw new Error('fails once'); // nacked, redelivered
        done.push(n);
      },
      { durable: 'runners', ordered: false, maxAckPending: 3, backoffMs: [10] },
    );
    await waitFor(() => inFlight === 3);
    open = true;
    for (const g of gate.splice(0)) g();
    await waitFor(() => done.length === 9);
    expect(max).toBe(3);
    expect([...done].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(attempts.get(4)).toBe(2);
  });

  it('leaves no pending request behind, whichever way a request ends (direct, by subject, timeout, cancel, close)', async () => {
    const transport = createMemoryTransport();
    const { bus } = makeBus({ transport });
    const Q = defineContract({ name: 'mix.q', subject: 'mix.q', version: 1, kind: 'query', schema: z.number(), response: z.number(), validate: 'off' });
    const Raw = defineContract({ name: 'mix.raw', subject: 'mix.raw', version: 1, kind: 'query', schema: z.number(), response: z.number(), validate: 'off' });
    const Hang = defineContract({ name: 'mix.hang', subject: 'mix.hang', version: 1, kind: 'query', schema: z.number(), response: z.number(), validate: 'off' });
    const oldReplySubjects: string[] = [];
    bus.handle(Q, (n, ctx) => {
      if (n % 2 === 0) oldReplySubjects.push(ctx.envelope.replyTo!); // builds the reply subject, still answered directly
      return n + 1;
    });
    transport.subscribe('mix.raw', (e) => {
      oldReplySubjects.push(e.replyTo!);
      transport.publish(createEnvelope({ subject: e.replyTo!, payload: (e.payload as number) * 10 }));
    });
    bus.handle(Hang, () => new Promise<number>(() => undefined));
    expect(await Promise.all([1, 2, 3, 4].map((n) => bus.request(Q, n)))).toEqual([2, 3, 4, 5]);
    expect(await Promise.all([1, 2].map((n) => bus.request(Raw, n)))).toEqual([10, 20]);
    await expect(bus.request(Hang, 1, { timeout: 10 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const ac = new AbortController();
    const cancelled = bus.request(Hang, 2, { signal: ac.signal });
    ac.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(transport.pendingRequests).toBe(0);
    // Replies to requests that are gone reach nobody and break nothing.
    for (const subject of oldReplySubjects) transport.publish(createEnvelope({ subject, payload: -1 }));
    expect(await bus.request(Raw, 3)).toBe(30);
    const open = bus.request(Hang, 3, { timeout: 60_000 });
    expect(transport.pendingRequests).toBe(1);
    await bus.close();
    await expect(open).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(transport.pendingRequests).toBe(0);
  });
});

describe('handlers that read no context', () => {
  it('get the payload without an envelope, while handlers that declare a context still get one', async () => {
    const { bus } = makeBus();
    const calls: unknown[][] = [];
    bus.subscribe(OrderPlaced, (p) => void calls.push(['one', p]));
    bus.subscribe(OrderPlaced, (p, ctx) => void calls.push(['two', p, ctx.envelope.subject, ctx.envelope.contract?.name, typeof ctx.envelope.id]));
    // A rest parameter does not count in Function.length but can read the context.
    bus.subscribe(OrderPlaced, (...args: unknown[]) => void calls.push(['rest', (args[1] as { envelope: Envelope }).envelope.subject]));
    await bus.publish(OrderPlaced, { id: 'a', total: 1 });
    await tick();
    expect(calls).toEqual([
      ['one', { id: 'a', total: 1 }],
      ['two', { id: 'a', total: 1 }, 'orders.placed', 'orders.placed', 'string'],
      ['rest', 'orders.placed'],
    ]);
  });

  it('validate at receive, isolate throws and rejections, and serve queue groups like any handler', async () => {
    const { bus, errors } = makeBus();
    const got: unknown[] = [];
    bus.subscribe(Strict, (p) => void got.push(p));
    await bus.publish(Loose, { id: 'bad', items: [{ price: 'x' }] });
    await bus.publish(Strict, { id: 'ok', items: [] });
    await tick();
    expect(got).toEqual([{ id: 'ok', items: [] }]);
    expect(errors[0]?.[0].code).toBe('VALIDATION');
    expect(errors[0]?.[1].subject).toBe('orders.strict');

    const { bus: bus2, errors: errors2 } = makeBus();
    const members: string[] = [];
    bus2.subscribe(OrderPlaced, () => void members.push('a'), { queue: 'q' });
    bus2.subscribe(OrderPlaced, () => void members.push('b'), { queue: 'q' });
    bus2.subscribe(OrderPlaced, (p) => {
      if (p.id === 'throw') throw new Error('sync');
      if (p.id === 'reject') return Promise.reject(new Error('async'));
      return undefined;
    });
    for (const id of ['x', 'throw', 'reject', 'y']) await bus2.publish(OrderPlaced, { id, total: 1 });
    await tick();
    await tick();
    expect(members).toEqual(['a', 'b', 'a', 'b']);
    expect(errors2.map(([e]) => e.message).sort()).toEqual(['async', 'sync']);
    expect(bus2.stats().failed).toBe(2);
    await bus2.drain();
  });
});
