/**
 * Durable stream checks: storage, ack (explicit and automatic), nack with delay, redelivery after a
 * throw and after ack wait, dead letters (maxDeliver and term), per-subject ordering, consumer groups,
 * duplicate detection by envelope id, subject filters, headers and overflow. Where capabilities say a
 * transport has no streams (durability `none`) or no dead letters, the declaration is checked instead.
 */
import { HEADERS } from '@cellular/core';
import type { ConsumerConfig, DurableMessage, Envelope } from '@cellular/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from '../conformance-checks.js';
import { expectCellularError } from '../conformance-context.js';
import type { ConformanceContext } from '../conformance-context.js';

interface Durable {
  readonly stream: string;
  /** `prefix.s` — the stream captures `prefix.s.>`. */
  readonly base: string;
}

/** Create a unique stream capturing `<prefix>.s.>`; skips (after checking the declaration) when durability is `none`. */
async function stream(ctx: ConformanceContext, extra: { maxMessages?: number; overflow?: 'reject' | 'drop-oldest' | 'block' } = {}): Promise<Durable> {
  const base = ctx.subject('s');
  const name = ctx.streamName();
  if (ctx.caps.durability === 'none') {
    await expectCellularError(() => ctx.transport.ensureStream({ name, subjects: [`${base}.>`] }), 'UNSUPPORTED', 'ensureStream on a transport declaring durability: none');
    ctx.skip('capabilities.durability is none (declaration checked: ensureStream fails UNSUPPORTED)');
  }
  await ctx.transport.ensureStream({ name, subjects: [`${base}.>`], ...extra });
  return { stream: name, base };
}

interface Consumed {
  readonly deliveries: DurableMessage[];
  readonly sub: ReturnType<ConformanceContext['transport']['consume']>;
  /** Wait until `n` deliveries arrived. */
  waitForCount(n: number): Promise<DurableMessage[]>;
}

function consume(ctx: ConformanceContext, config: ConsumerConfig, handler: (m: DurableMessage) => unknown = () => undefined): Consumed {
  const deliveries: DurableMessage[] = [];
  const sub = ctx.transport.consume(config, async (m) => {
    deliveries.push(m);
    await handler(m);
  });
  ctx.defer(() => { sub.unsubscribe(); });
  return {
    deliveries,
    sub,
    waitForCount: async (n) => {
      await ctx.waitFor(() => deliveries.length >= n, () => `expected ${n} durable deliveries on ${config.stream}/${config.durable}, got ${deliveries.length}`);
      return deliveries;
    },
  };
}

async function publishAll(ctx: ConformanceContext, subject: string, payloads: readonly unknown[]): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for (const p of payloads) {
    const env = ctx.envelope(subject, p);
    await ctx.transport.publishDurable(env);
    out.push(env);
  }
  return out;
}

function requireDeadLetter(ctx: ConformanceContext): void {
  if (!ctx.caps.deadLetter) ctx.skip('capabilities.deadLetter is false');
}

export const durableChecks: readonly ConformanceCheck[] = [
  {
    id: 'durable.declaration',
    group: 'durable streams',
    title: 'ensureStream is idempotent; publishDurable without a capturing stream fails NOT_FOUND',
    async run(ctx) {
      const s = await stream(ctx);
      await ctx.transport.ensureStream({ name: s.stream, subjects: [`${s.base}.>`] });
      await expectCellularError(() => ctx.transport.publishDurable(ctx.envelope(ctx.subject('nostream.x'), 1)), 'NOT_FOUND', 'publishDurable to a subject no stream captures');
      const ack = await ctx.transport.publishDurable(ctx.envelope(`${s.base}.a`, 1));
      expect(ack.stream).toBe(s.stream);
      expect(ack.duplicate).toBe(false);
    },
  },
  {
    id: 'durable.ack',
    group: 'durable streams',
    title: 'stored messages reach a later consumer once; explicit and automatic acks stop redelivery',
    async run(ctx) {
      const s = await stream(ctx);
      const sent = await publishAll(ctx, `${s.base}.a`, [0, 1, 2, 3]);
      const c = consume(ctx, { stream: s.stream, durable: 'acker', ackWaitMs: ctx.ackWaitMs, backoffMs: [50] }, async (m) => {
        if ((m.envelope.payload as number) % 2 === 0) await m.ack(); // odd ones are acked automatically on return
      });
      await c.waitForCount(sent.length);
      await ctx.settle(ctx.ackWaitMs * 2 + ctx.settleMs);
      expect(c.deliveries.map((m) => m.envelope.id).sort(), 'a message was redelivered after ack').toEqual(sent.map((e) => e.id).sort());
      expect(c.deliveries.every((m) => m.deliveryAttempt === 1 && m.envelope.attempt === 1)).toBe(true);
    },
  },
  {
    id: 'durable.nack',
    group: 'durable streams',
    title: 'nack(delay) redelivers the same message with attempt 2',
    async run(ctx) {
      const s = await stream(ctx);
      const [sent] = await publishAll(ctx, `${s.base}.n`, ['x']);
      const c = consume(ctx, { stream: s.stream, durable: 'nacker', ackWaitMs: 5000, backoffMs: [5000] }, async (m) => {
        if (m.deliveryAttempt === 1) await m.nack(50);
        else await m.ack();
      });
      const [first, second] = await c.waitForCount(2);
      expect(second?.envelope.id).toBe(sent?.id);
      expect(first?.deliveryAttempt).toBe(1);
      expect(second?.deliveryAttempt).toBe(2);
      expect(second?.envelope.attempt).toBe(2);
      expect(second?.envelope.payload).toBe('x');
    },
  },
  {
    id: 'durable.throw',
    group: 'durable streams',
    title: 'a throwing handler nacks with the backoff: the message comes back',
    async run(ctx) {
      const s = await stream(ctx);
      await publishAll(ctx, `${s.base}.t`, ['boom']);
      const c = consume(ctx, { stream: s.stream, durable: 'thrower', ackWaitMs: 5000, backoffMs: [50] }, (m) => {
        if (m.deliveryAttempt === 1) throw new Error('handler failure (expected by the conformance suite)');
      });
      const [, second] = await c.waitForCount(2);
      expect(second?.deliveryAttempt).toBe(2);
      await ctx.settle(ctx.settleMs + 100);
      expect(c.deliveries, 'redelivered after the successful attempt').toHaveLength(2);
    },
  },
  {
    id: 'durable.ack-wait',
    group: 'durable streams',
    title: 'a delivery left unacknowledged past ackWait is redelivered',
    async run(ctx) {
      const s = await stream(ctx);
      await publishAll(ctx, `${s.base}.w`, ['slow']);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      ctx.defer(release);
      const c = consume(ctx, { stream: s.stream, durable: 'waiter', ackWaitMs: ctx.ackWaitMs, backoffMs: [50] }, async (m) => {
        if (m.deliveryAttempt === 1) await gate; // never settles within ackWait
        else await m.ack();
      });
      const [first, second] = await c.waitForCount(2);
      expect(second?.envelope.id).toBe(first?.envelope.id);
      expect(second?.deliveryAttempt).toBe(2);
      release();
    },
  },
  {
    id: 'durable.dead-letter',
    group: 'durable streams',
    title: 'after maxDeliver failed attempts the message goes to dlq.<stream>.<durable> with reason and original subject',
    async run(ctx) {
      requireDeadLetter(ctx);
      const s = await stream(ctx);
      const durable = 'dl';
      const dlq = ctx.collect(`dlq.${s.stream}.${durable}`);
      const [sent] = await publishAll(ctx, `${s.base}.d`, [{ poison: true }]);
      const c = consume(ctx, { stream: s.stream, durable, maxDeliver: 2, backoffMs: [30], ackWaitMs: 5000 }, (m) => m.nack());
      const [dead] = await dlq.waitForCount(1);
      expect(c.deliveries.map((m) => m.deliveryAttempt)).toEqual([1, 2]);
      expect(dead?.payload).toEqual({ poison: true });
      if (ctx.caps.headers) {
        expect(dead?.headers[HEADERS.originalSubject]).toBe(sent?.subject);
        expect(dead?.headers[HEADERS.deadLetterReason], 'dead letter without a reason header').toBeTruthy();
      }
      await ctx.settle(ctx.settleMs + 100);
      expect(c.deliveries, 'delivered again after dead-lettering').toHaveLength(2);
    },
  },
  {
    id: 'durable.term',
    group: 'durable streams',
    title: 'term(reason) dead-letters at once to the configured subject, never redelivered',
    async run(ctx) {
      requireDeadLetter(ctx);
      const s = await stream(ctx);
      const deadLetterSubject = ctx.subject('dead');
      const dlq = ctx.collect(deadLetterSubject);
      await publishAll(ctx, `${s.base}.x`, ['bad']);
      const c = consume(ctx, { stream: s.stream, durable: 'terminator', deadLetterSubject, maxDeliver: 5, backoffMs: [30], ackWaitMs: ctx.ackWaitMs }, (m) => m.term('malformed order'));
      const [dead] = await dlq.waitForCount(1);
      expect(dead?.payload).toBe('bad');
      if (ctx.caps.headers) expect(dead?.headers[HEADERS.deadLetterReason]).toContain('malformed order');
      await ctx.settle(ctx.ackWaitMs + ctx.settleMs);
      expect(c.deliveries).toHaveLength(1);
    },
  },
  {
    id: 'durable.ordering',
    group: 'durable streams',
    title: 'messages on one subject are delivered in publish order',
    async run(ctx) {
      const s = await stream(ctx);
      const n = 20;
      await publishAll(ctx, `${s.base}.o`, Array.from({ length: n }, (_, i) => i));
      const c = consume(ctx, { stream: s.stream, durable: 'orderly', ackWaitMs: 5000 });
      await c.waitForCount(n);
      expect(c.deliveries.map((m) => m.envelope.payload)).toEqual(Array.from({ length: n }, (_, i) => i));
    },
  },
  {
    id: 'durable.group',
    group: 'durable streams',
    title: 'consumers sharing a durable name split the work: each message handled once',
    async run(ctx) {
      const s = await stream(ctx);
      const seen: string[] = [];
      const config: ConsumerConfig = { stream: s.stream, durable: 'shared', ackWaitMs: 5000 };
      const a = consume(ctx, config, (m) => { seen.push(m.envelope.id); });
      const b = consume(ctx, config, (m) => { seen.push(m.envelope.id); });
      const n = 20;
      const subjects = ['g1', 'g2', 'g3', 'g4'];
      const sent: Envelope[] = [];
      for (let i = 0; i < n; i++) sent.push(...(await publishAll(ctx, `${s.base}.${subjects[i % 4] ?? 'g'}`, [i])));
      await ctx.waitFor(() => seen.length >= n, () => `group handled ${seen.length} of ${n}`);
      await ctx.settle();
      expect(seen.sort(), 'a message was handled twice within one consumer group').toEqual(sent.map((e) => e.id).sort());
      expect(a.deliveries.length + b.deliveries.length).toBe(n);
    },
  },
  {
    id: 'durable.independent-groups',
    group: 'durable streams',
    title: 'two durable names on one stream each get every message',
    async run(ctx) {
      const s = await stream(ctx);
      const sent = await publishAll(ctx, `${s.base}.i`, [1, 2, 3]);
      const a = consume(ctx, { stream: s.stream, durable: 'one', ackWaitMs: 5000 });
      const b = consume(ctx, { stream: s.stream, durable: 'two', ackWaitMs: 5000 });
      await a.waitForCount(3);
      await b.waitForCount(3);
      expect(b.deliveries.map((m) => m.envelope.id)).toEqual(sent.map((e) => e.id));
    },
  },
  {
    id: 'durable.duplicate',
    group: 'durable streams',
    title: 'publishing an envelope id already stored is acknowledged as duplicate and delivered once',
    async run(ctx) {
      const s = await stream(ctx);
      const env = ctx.envelope(`${s.base}.dup`, 'once');
      const first = await ctx.transport.publishDurable(env);
      const again = await ctx.transport.publishDurable({ ...env });
      expect(first.duplicate).toBe(false);
      expect(again.duplicate, 'the second publish of the same id was not flagged duplicate').toBe(true);
      await ctx.transport.publishDurable(ctx.envelope(`${s.base}.dup`, 'sentinel'));
      const c = consume(ctx, { stream: s.stream, durable: 'dedup', ackWaitMs: 5000 });
      await c.waitForCount(2);
      await ctx.settle();
      expect(c.deliveries.map((m) => m.envelope.payload)).toEqual(['once', 'sentinel']);
    },
  },
  {
    id: 'durable.filter',
    group: 'durable streams',
    title: 'filterSubject limits a consumer to matching subjects',
    async run(ctx) {
      const s = await stream(ctx);
      await publishAll(ctx, `${s.base}.keep`, [1]);
      await publishAll(ctx, `${s.base}.skip`, [2]);
      await publishAll(ctx, `${s.base}.keep`, [3]);
      const c = consume(ctx, { stream: s.stream, durable: 'filtered', filterSubject: `${s.base}.keep`, ackWaitMs: 5000 });
      await c.waitForCount(2);
      await ctx.settle();
      expect(c.deliveries.map((m) => m.envelope.payload)).toEqual([1, 3]);
    },
  },
  {
    id: 'durable.headers',
    group: 'headers and trace context',
    title: 'headers and traceparent survive storage and redelivery',
    async run(ctx) {
      if (!ctx.caps.headers) ctx.skip('capabilities.headers is false');
      const s = await stream(ctx);
      const headers = { [HEADERS.traceparent]: '00-11111111111111111111111111111111-2222222222222222-01', 'x-k': 'v' };
      await ctx.transport.publishDurable(ctx.envelope(`${s.base}.h`, 1, { headers }));
      const c = consume(ctx, { stream: s.stream, durable: 'hdr', backoffMs: [30], ackWaitMs: 5000 }, (m) => (m.deliveryAttempt === 1 ? m.nack(30) : m.ack()));
      const [first, second] = await c.waitForCount(2);
      for (const m of [first, second]) {
        expect(m?.envelope.headers[HEADERS.traceparent]).toBe(headers[HEADERS.traceparent]);
        expect(m?.envelope.headers['x-k']).toBe('v');
      }
    },
  },
  {
    id: 'durable.backpressure',
    group: 'durable streams',
    title: "a full stream with overflow 'reject' fails BACKPRESSURE",
    async run(ctx) {
      const s = await stream(ctx, { maxMessages: 3, overflow: 'reject' });
      await publishAll(ctx, `${s.base}.b`, [1, 2, 3]);
      await expectCellularError(() => ctx.transport.publishDurable(ctx.envelope(`${s.base}.b`, 4)), 'BACKPRESSURE', 'publishDurable to a full stream');
    },
  },
];
