/**
 * Lifecycle checks: connect is idempotent, `drain()` lets in-flight handlers finish before closing,
 * and after `close()` every call fails TRANSPORT_CLOSED (sync throw or rejection both accepted).
 */
import type { TransportSubscription } from '@cellular/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from '../conformance-checks.js';
import { expectCellularError } from '../conformance-context.js';
import type { ConformanceContext } from '../conformance-context.js';

async function expectAllClosed(ctx: ConformanceContext): Promise<void> {
  const subject = ctx.subject('after');
  expect(ctx.transport.status).toBe('closed');
  await expectCellularError(() => ctx.transport.publish(ctx.envelope(subject, 1)), 'TRANSPORT_CLOSED', 'publish after close');
  await expectCellularError(() => ctx.transport.subscribe(subject, () => undefined), 'TRANSPORT_CLOSED', 'subscribe after close');
  await expectCellularError(() => ctx.transport.request(ctx.envelope(subject, 1), { timeout: 200 }), 'TRANSPORT_CLOSED', 'request after close');
  await expectCellularError(() => ctx.transport.publishDurable(ctx.envelope(subject, 1)), 'TRANSPORT_CLOSED', 'publishDurable after close');
  await expectCellularError(() => ctx.transport.ensureStream({ name: ctx.streamName(), subjects: [subject] }), 'TRANSPORT_CLOSED', 'ensureStream after close');
  await expectCellularError(
    () => ctx.transport.consume({ stream: 'none', durable: 'none' }, () => undefined),
    'TRANSPORT_CLOSED',
    'consume after close',
  );
}

/**
 * A subscription whose handler is running (held at a gate) when this returns; `expectWaitsFor(p)`
 * asserts that `p` (a drain) stays pending until the gate opens, and that the handler then finished.
 */
async function gatedSubscription(ctx: ConformanceContext, suffix: string): Promise<{
  readonly subject: string;
  readonly sub: TransportSubscription;
  started(): number;
  expectWaitsFor(drain: Promise<void>, what: string): Promise<void>;
}> {
  const subject = ctx.subject(suffix);
  let started = 0;
  let finished = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  ctx.defer(release);
  const sub = ctx.transport.subscribe(subject, async () => {
    started++;
    await gate;
    finished++;
  });
  await ctx.transport.publish(ctx.envelope(subject, 1));
  await ctx.waitFor(() => started === 1, 'handler never started');
  return {
    subject,
    sub,
    started: () => started,
    async expectWaitsFor(drain, what) {
      let drained = false;
      const watched = drain.then(() => { drained = true; });
      await ctx.settle();
      expect(drained, `${what} resolved while a handler was still running`).toBe(false);
      release();
      await ctx.within(watched, what);
      expect(finished).toBe(1);
      await ctx.within(sub.closed, `subscription.closed after ${what}`);
    },
  };
}

export const lifecycleChecks: readonly ConformanceCheck[] = [
  {
    id: 'lifecycle.connect',
    group: 'drain and close',
    title: 'connect is idempotent and leaves the transport connected',
    async run(ctx) {
      await ctx.transport.connect();
      await ctx.transport.connect();
      expect(ctx.transport.status).toBe('connected');
      expect(typeof ctx.transport.name).toBe('string');
    },
  },
  {
    id: 'lifecycle.status-events',
    group: 'drain and close',
    title: 'onStatusChange (where implemented) reports closing, and its remover stops reports',
    async run(ctx) {
      const on = ctx.transport.onStatusChange?.bind(ctx.transport);
      if (on === undefined) {
        ctx.skip('the transport does not implement onStatusChange');
        return;
      }
      const seen: string[] = [];
      const removed: string[] = [];
      on((s) => seen.push(s));
      const remove = on((s) => removed.push(s));
      remove();
      await ctx.transport.close();
      await ctx.waitFor(() => seen.includes('closed'), () => `status listener saw [${seen.join(', ')}], never "closed"`);
      expect(removed, 'a removed listener was still called').toEqual([]);
    },
  },
  {
    id: 'lifecycle.close',
    group: 'drain and close',
    title: 'close rejects pending requests, ends subscriptions, then every call fails TRANSPORT_CLOSED',
    async run(ctx) {
      const subject = ctx.subject('pending');
      const c = ctx.collect(subject);
      const pending = ctx.transport.request(ctx.envelope(subject, 1), { timeout: ctx.waitTimeoutMs });
      pending.catch(() => undefined);
      await c.waitForCount(1);
      await ctx.within(ctx.transport.close(), 'transport.close()');
      await expectCellularError(() => ctx.within(pending, 'request pending at close'), 'TRANSPORT_CLOSED', 'request pending at close');
      await ctx.within(c.sub.closed, 'subscription.closed after transport close'); // resolves, never rejects
      await ctx.transport.close(); // idempotent
      await expectAllClosed(ctx);
    },
  },
  {
    id: 'lifecycle.drain',
    group: 'drain and close',
    title: 'drain waits for in-flight handlers, then the transport is closed',
    async run(ctx) {
      const gated = await gatedSubscription(ctx, 'drain');
      await gated.expectWaitsFor(ctx.transport.drain(), 'transport.drain()');
      await expectAllClosed(ctx);
    },
  },
  {
    id: 'subscription.drain',
    group: 'drain and close',
    title: 'subscription.drain stops delivery and waits for its in-flight handler',
    async run(ctx) {
      const gated = await gatedSubscription(ctx, 'subdrain');
      await gated.expectWaitsFor(gated.sub.drain(), 'subscription.drain()');
      await ctx.transport.publish(ctx.envelope(gated.subject, 2));
      await ctx.settle();
      expect(gated.started(), 'a drained subscription still received messages').toBe(1);
      expect(ctx.transport.status).toBe('connected');
    },
  },
];
