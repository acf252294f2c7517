/**
 * Core pub/sub checks: delivery, fan-out, unsubscribe, handler isolation, subject validation, ordering,
 * wildcards, queue groups, headers and payload limits. Negative assertions ("X was not delivered") use a
 * sentinel message published after X plus a short quiet period, never a long fixed sleep.
 */
import { HEADERS } from '@cellular/core';
import type { Envelope } from '@cellular/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from '../conformance-checks.js';
import { expectCellularError } from '../conformance-context.js';
import type { ConformanceContext } from '../conformance-context.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function ids(items: readonly Envelope[]): string[] {
  return items.map((e) => e.id);
}

/** Subscribe to a pattern, publish to `hits` and `misses`, assert exactly the hits arrive. */
async function expectMatches(ctx: ConformanceContext, pattern: string, hits: string[], misses: string[]): Promise<void> {
  const c = ctx.collect(ctx.subject(pattern));
  for (const s of misses) await ctx.transport.publish(ctx.envelope(ctx.subject(s), { s }));
  for (const s of hits) await ctx.transport.publish(ctx.envelope(ctx.subject(s), { s }));
  await c.waitForCount(hits.length);
  await ctx.settle();
  expect(c.items.map((e) => e.subject).sort(), `pattern "${pattern}" matched the wrong subjects`).toEqual(
    hits.map((s) => ctx.subject(s)).sort(),
  );
}

/** Skip with a declaration check when the transport says it has no wildcards. */
async function requireWildcards(ctx: ConformanceContext): Promise<void> {
  if (ctx.caps.wildcards) return;
  await expectCellularError(() => ctx.transport.subscribe(ctx.subject('*'), () => undefined), 'UNSUPPORTED', 'wildcard subscribe on a transport declaring wildcards: false');
  ctx.skip('capabilities.wildcards is false (declaration checked: wildcard subscribe fails UNSUPPORTED)');
}

async function requireQueueGroups(ctx: ConformanceContext): Promise<void> {
  if (ctx.caps.queueGroups) return;
  await expectCellularError(() => ctx.transport.subscribe(ctx.subject('q'), () => undefined, { queue: 'q' }), 'UNSUPPORTED', 'queue subscribe on a transport declaring queueGroups: false');
  ctx.skip('capabilities.queueGroups is false (declaration checked: queue subscribe fails UNSUPPORTED)');
}

export const pubsubChecks: readonly ConformanceCheck[] = [
  {
    id: 'pubsub.deliver',
    group: 'pub/sub',
    title: 'delivers published envelopes intact (id, subject, payload, timestamp, contract, attempt 1)',
    async run(ctx) {
      const subject = ctx.subject('deliver');
      const c = ctx.collect(subject);
      const sent = [
        ctx.envelope(subject, { n: 1, nested: { list: [1, 'two', null], ok: true } }, { contract: { name: 'test.event', version: 2 } }),
        ctx.envelope(subject, 'plain string'),
        ctx.envelope(subject, 42),
      ];
      for (const e of sent) await ctx.transport.publish(e);
      await c.waitForCount(sent.length);
      const byId = new Map(c.items.map((e) => [e.id, e]));
      for (const e of sent) {
        const got = byId.get(e.id);
        expect(got, `envelope ${e.id} was not delivered`).toBeDefined();
        expect(got?.subject).toBe(e.subject);
        expect(got?.payload).toEqual(e.payload);
        expect(got?.timestamp).toBe(e.timestamp);
        expect(got?.attempt).toBe(1);
        expect(got?.contract).toEqual(e.contract);
      }
      await ctx.settle();
      expect(c.items).toHaveLength(sent.length);
    },
  },
  {
    id: 'pubsub.fanout',
    group: 'pub/sub',
    title: 'every plain subscriber receives every message',
    async run(ctx) {
      const subject = ctx.subject('fanout');
      const a = ctx.collect(subject);
      const b = ctx.collect(subject);
      for (let i = 0; i < 5; i++) await ctx.transport.publish(ctx.envelope(subject, i));
      await a.waitForCount(5);
      await b.waitForCount(5);
      await ctx.settle();
      expect(a.items).toHaveLength(5);
      expect(b.items).toHaveLength(5);
      expect(ids(a.items).sort()).toEqual(ids(b.items).sort());
    },
  },
  {
    id: 'pubsub.unsubscribe',
    group: 'pub/sub',
    title: 'unsubscribe stops delivery and resolves `closed`',
    async run(ctx) {
      const subject = ctx.subject('unsub');
      const gone = ctx.collect(subject);
      const stays = ctx.collect(subject);
      expect(gone.sub.pattern).toBe(subject);
      await ctx.transport.publish(ctx.envelope(subject, 'before'));
      await gone.waitForCount(1);
      await stays.waitForCount(1);
      gone.sub.unsubscribe();
      gone.sub.unsubscribe(); // idempotent
      await ctx.within(gone.sub.closed, 'subscription.closed after unsubscribe');
      await ctx.transport.publish(ctx.envelope(subject, 'after'));
      await stays.waitForCount(2);
      await ctx.settle();
      expect(gone.items.map((e) => e.payload)).toEqual(['before']);
    },
  },
  {
    id: 'pubsub.handler-isolation',
    group: 'pub/sub',
    title: 'a throwing or rejecting handler does not stop delivery',
    async run(ctx) {
      const subject = ctx.subject('throws');
      let calls = 0;
      ctx.collect(subject, undefined, (env) => {
        calls++;
        if (env.payload === 'sync') throw new Error('handler failure (expected by the conformance suite)');
        if (env.payload === 'async') return Promise.reject(new Error('handler rejection (expected by the conformance suite)'));
        return undefined;
      });
      const other = ctx.collect(subject);
      await ctx.transport.publish(ctx.envelope(subject, 'sync'));
      await ctx.transport.publish(ctx.envelope(subject, 'async'));
      await ctx.transport.publish(ctx.envelope(subject, 'fine'));
      await other.waitForCount(3);
      await ctx.waitFor(() => calls >= 3, () => `throwing subscriber got ${calls} of 3 messages`);
      expect(ctx.transport.status).toBe('connected');
    },
  },
  {
    id: 'pubsub.invalid-subject',
    group: 'pub/sub',
    title: 'invalid subjects and patterns fail INVALID_SUBJECT',
    async run(ctx) {
      await expectCellularError(() => ctx.transport.publish(ctx.envelope(`${ctx.prefix}..x`, 1)), 'INVALID_SUBJECT', 'publish to an empty token');
      await expectCellularError(() => ctx.transport.publish(ctx.envelope(`${ctx.prefix}.*`, 1)), 'INVALID_SUBJECT', 'publish to a wildcard');
      await expectCellularError(() => ctx.transport.subscribe(`${ctx.prefix}.>.x`, () => undefined), 'INVALID_SUBJECT', 'subscribe with ">" not last');
      await expectCellularError(() => ctx.transport.subscribe(`${ctx.prefix} x`, () => undefined), 'INVALID_SUBJECT', 'subscribe with whitespace');
    },
  },
  {
    id: 'pubsub.ordering',
    group: 'pub/sub',
    title: 'one publisher, one subject: order kept where capabilities.ordering is per-publisher',
    async run(ctx) {
      const subject = ctx.subject('order');
      const c = ctx.collect(subject);
      const n = 50;
      for (let i = 0; i < n; i++) await ctx.transport.publish(ctx.envelope(subject, i));
      await c.waitForCount(n);
      const got = c.items.map((e) => e.payload);
      if (ctx.caps.ordering === 'per-publisher') {
        expect(got, 'messages arrived out of order').toEqual(Array.from({ length: n }, (_, i) => i));
      } else {
        expect([...got].sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    },
  },
  {
    id: 'pubsub.no-replay',
    group: 'pub/sub',
    title: 'a plain subscription gets only what is published after it started',
    async run(ctx) {
      const subject = ctx.subject('late');
      const early = ctx.collect(subject);
      await ctx.transport.publish(ctx.envelope(subject, 'before'));
      await early.waitForCount(1);
      const late = ctx.collect(subject);
      await ctx.transport.publish(ctx.envelope(subject, 'after'));
      await late.waitForCount(1);
      await early.waitForCount(2);
      await ctx.settle();
      expect(late.items.map((e) => e.payload), 'a late subscriber received an earlier message').toEqual(['after']);
    },
  },
  {
    id: 'wildcards.single-token',
    group: 'wildcards',
    title: '`*` matches exactly one token',
    async run(ctx) {
      await requireWildcards(ctx);
      await expectMatches(ctx, 'w.*', ['w.a', 'w.b'], ['w', 'w.a.b', 'x.a']);
    },
  },
  {
    id: 'wildcards.tail',
    group: 'wildcards',
    title: '`>` matches one or more trailing tokens',
    async run(ctx) {
      await requireWildcards(ctx);
      await expectMatches(ctx, 't.>', ['t.a', 't.a.b', 't.a.b.c'], ['t', 'u.a']);
    },
  },
  {
    id: 'wildcards.middle',
    group: 'wildcards',
    title: '`*` in the middle and combined with `>`',
    async run(ctx) {
      await requireWildcards(ctx);
      await expectMatches(ctx, 'm.*.x', ['m.a.x', 'm.b.x'], ['m.a.y', 'm.a.x.z', 'm.x']);
      await expectMatches(ctx, 'n.*.>', ['n.a.b', 'n.a.b.c'], ['n.a', 'n']);
    },
  },
  {
    id: 'queue.exactly-one',
    group: 'queue groups',
    title: 'each message goes to exactly one member of a queue group; plain subscribers still get all',
    async run(ctx) {
      await requireQueueGroups(ctx);
      const subject = ctx.subject('work');
      const members = [0, 1, 2].map(() => ctx.collect(subject, { queue: 'workers' }));
      expect(members[0]?.sub.queue).toBe('workers');
      const plain = ctx.collect(subject);
      const n = 30;
      for (let i = 0; i < n; i++) await ctx.transport.publish(ctx.envelope(subject, i));
      await plain.waitForCount(n);
      const total = (): number => members.reduce((s, m) => s + m.items.length, 0);
      await ctx.waitFor(() => total() >= n, () => `queue group handled ${total()} of ${n}`);
      await ctx.settle();
      const all = members.flatMap((m) => ids(m.items));
      expect(all, 'a message reached more than one queue member').toHaveLength(n);
      expect(new Set(all).size).toBe(n);
    },
  },
  {
    id: 'queue.member-leaves',
    group: 'queue groups',
    title: 'when a queue member unsubscribes, the remaining members get every message',
    async run(ctx) {
      await requireQueueGroups(ctx);
      const subject = ctx.subject('leave');
      const stays = ctx.collect(subject, { queue: 'q' });
      const leaves = ctx.collect(subject, { queue: 'q' });
      leaves.sub.unsubscribe();
      await ctx.within(leaves.sub.closed, 'subscription.closed after unsubscribe');
      const n = 10;
      for (let i = 0; i < n; i++) await ctx.transport.publish(ctx.envelope(subject, i));
      await stays.waitForCount(n);
      await ctx.settle();
      expect(leaves.items, 'a member that left still received messages').toHaveLength(0);
      expect(stays.items).toHaveLength(n);
    },
  },
  {
    id: 'queue.independent-groups',
    group: 'queue groups',
    title: 'two queue groups on one subject each get every message once',
    async run(ctx) {
      await requireQueueGroups(ctx);
      const subject = ctx.subject('groups');
      const a = [ctx.collect(subject, { queue: 'a' }), ctx.collect(subject, { queue: 'a' })];
      const b = [ctx.collect(subject, { queue: 'b' }), ctx.collect(subject, { queue: 'b' })];
      const n = 10;
      for (let i = 0; i < n; i++) await ctx.transport.publish(ctx.envelope(subject, i));
      const count = (g: typeof a): number => g.reduce((s, m) => s + m.items.length, 0);
      await ctx.waitFor(() => count(a) >= n && count(b) >= n, () => `groups got a=${count(a)} b=${count(b)} of ${n}`);
      await ctx.settle();
      expect(count(a)).toBe(n);
      expect(count(b)).toBe(n);
    },
  },
  {
    id: 'headers.pubsub',
    group: 'headers and trace context',
    title: 'headers, traceparent and tracestate reach subscribers unchanged',
    async run(ctx) {
      if (!ctx.caps.headers) ctx.skip('capabilities.headers is false');
      const subject = ctx.subject('hdr');
      const c = ctx.collect(subject);
      const headers = { [HEADERS.traceparent]: TRACEPARENT, [HEADERS.tracestate]: 'vendor=abc', 'x-custom': 'value with spaces', 'x-empty': '' };
      await ctx.transport.publish(ctx.envelope(subject, 'h', { headers }));
      const [got] = await c.waitForCount(1);
      for (const [k, v] of Object.entries(headers)) expect(got?.headers[k], `header ${k}`).toBe(v);
    },
  },
  {
    id: 'payload.limit',
    group: 'payload limits',
    title: 'payloads over capabilities.maxPayload fail PAYLOAD_TOO_LARGE; payloads well under it arrive',
    async run(ctx) {
      const subject = ctx.subject('big');
      const c = ctx.collect(subject);
      const max = ctx.caps.maxPayload;
      const okSize = Number.isFinite(max) ? Math.floor(max / 4) : 512 * 1024;
      const ok = 'x'.repeat(okSize);
      await ctx.transport.publish(ctx.envelope(subject, ok));
      const [got] = await c.waitForCount(1);
      expect((got?.payload as string).length).toBe(okSize);
      if (Number.isFinite(max)) {
        await expectCellularError(() => ctx.transport.publish(ctx.envelope(subject, 'y'.repeat(max + 1))), 'PAYLOAD_TOO_LARGE', `publish of ${max + 1} bytes`);
        await ctx.transport.publish(ctx.envelope(subject, 'sentinel'));
        await c.waitForCount(2);
        expect(c.items.some((e) => typeof e.payload === 'string' && e.payload.length > max), 'an oversized payload was delivered').toBe(false);
      }
    },
  },
];
