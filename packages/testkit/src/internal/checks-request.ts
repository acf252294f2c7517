/**
 * Request/reply checks. The reply convention (core `transport.ts`): the responder publishes an envelope
 * whose subject is the request's `replyTo` and whose `correlationId` is the request's; an error reply
 * carries the `HEADERS.error` header. The transport must route it back to the right caller.
 */
import { HEADERS, newMessageId } from '@cellular/core';
import type { Envelope } from '@cellular/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from '../conformance-checks.js';
import type { ConformanceContext } from '../conformance-context.js';
import { expectCellularError } from '../conformance-context.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** A responder that answers with `answer(request)` following the reply convention. */
function respond(ctx: ConformanceContext, subject: string, answer: (req: Envelope) => { payload: unknown; headers?: Record<string, string> }, queue?: string): Envelope[] {
  const seen: Envelope[] = [];
  ctx.transport.subscribe(
    subject,
    async (req) => {
      seen.push(req);
      if (req.replyTo === undefined) return;
      const { payload, headers } = answer(req);
      const init: { correlationId?: string; headers?: Record<string, string> } = {};
      if (req.correlationId !== undefined) init.correlationId = req.correlationId;
      if (headers !== undefined) init.headers = headers;
      await ctx.transport.publish(ctx.envelope(req.replyTo, payload, init));
    },
    queue === undefined ? undefined : { queue },
  );
  return seen;
}

function request(ctx: ConformanceContext, subject: string, payload: unknown, timeout: number, extra: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Envelope> {
  const env = ctx.envelope(subject, payload, { correlationId: newMessageId(), ...(extra.headers ? { headers: extra.headers } : {}) });
  return ctx.transport.request(env, extra.signal ? { timeout, signal: extra.signal } : { timeout });
}

export const requestChecks: readonly ConformanceCheck[] = [
  {
    id: 'request.reply',
    group: 'request/reply',
    title: 'a request gets the reply of its responder, with the correlation id',
    async run(ctx) {
      const subject = ctx.subject('echo');
      const seen = respond(ctx, subject, (req) => ({ payload: { echo: req.payload } }));
      const env = ctx.envelope(subject, { q: 1 }, { correlationId: newMessageId() });
      const reply = await ctx.transport.request(env, { timeout: ctx.waitTimeoutMs });
      expect(reply.payload).toEqual({ echo: { q: 1 } });
      expect(reply.correlationId).toBe(env.correlationId);
      expect(seen).toHaveLength(1);
      expect(seen[0]?.replyTo, 'the responder saw no replyTo').toBeTypeOf('string');
      expect(seen[0]?.id).toBe(env.id);
    },
  },
  {
    id: 'request.concurrent',
    group: 'request/reply',
    title: 'concurrent requests each get their own reply',
    async run(ctx) {
      const subject = ctx.subject('square');
      respond(ctx, subject, (req) => ({ payload: (req.payload as number) ** 2 }));
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => request(ctx, subject, i, ctx.waitTimeoutMs)));
      expect(replies.map((r) => r.payload)).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
    },
  },
  {
    id: 'request.error-reply',
    group: 'request/reply',
    title: 'an error reply (HEADERS.error) comes back as an envelope for the caller to decode',
    async run(ctx) {
      if (!ctx.caps.headers) ctx.skip('capabilities.headers is false: error replies need headers');
      const subject = ctx.subject('fails');
      const error = { name: 'CellularError', code: 'NOT_FOUND', message: 'no such thing' };
      respond(ctx, subject, () => ({ payload: error, headers: { [HEADERS.error]: '1' } }));
      const reply = await request(ctx, subject, null, ctx.waitTimeoutMs);
      expect(reply.headers[HEADERS.error]).toBe('1');
      expect(reply.payload).toEqual(error);
    },
  },
  {
    id: 'request.queue-responders',
    group: 'request/reply',
    title: 'responders in a queue group answer each request once',
    async run(ctx) {
      if (!ctx.caps.queueGroups) ctx.skip('capabilities.queueGroups is false');
      const subject = ctx.subject('svc');
      const a = respond(ctx, subject, () => ({ payload: 'a' }), 'svc');
      const b = respond(ctx, subject, () => ({ payload: 'b' }), 'svc');
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => request(ctx, subject, i, ctx.waitTimeoutMs)));
      expect(replies.every((r) => r.payload === 'a' || r.payload === 'b')).toBe(true);
      await ctx.settle();
      expect(a.length + b.length, 'a request reached more than one queue responder').toBe(10);
    },
  },
  {
    id: 'headers.request',
    group: 'headers and trace context',
    title: 'request headers (traceparent) reach the responder and reply headers reach the caller',
    async run(ctx) {
      if (!ctx.caps.headers) ctx.skip('capabilities.headers is false');
      const subject = ctx.subject('traced');
      const seen = respond(ctx, subject, (req) => ({ payload: 'ok', headers: { [HEADERS.traceparent]: req.headers[HEADERS.traceparent] ?? 'missing', 'x-reply': 'yes' } }));
      const reply = await request(ctx, subject, 1, ctx.waitTimeoutMs, { headers: { [HEADERS.traceparent]: TRACEPARENT, 'x-req': 'r' } });
      expect(seen[0]?.headers[HEADERS.traceparent]).toBe(TRACEPARENT);
      expect(seen[0]?.headers['x-req']).toBe('r');
      expect(reply.headers[HEADERS.traceparent]).toBe(TRACEPARENT);
      expect(reply.headers['x-reply']).toBe('yes');
    },
  },
  {
    id: 'request.timeout',
    group: 'request/reply',
    title: 'a responder that never answers makes the request fail TIMEOUT',
    async run(ctx) {
      const subject = ctx.subject('silent');
      const c = ctx.collect(subject);
      await expectCellularError(() => request(ctx, subject, 1, 200), 'TIMEOUT', 'request to a silent responder');
      expect(c.items, 'the silent responder never got the request').toHaveLength(1);
    },
  },
  {
    id: 'request.no-responders',
    group: 'request/reply',
    title: 'a request nobody handles fails NO_RESPONDERS (or TIMEOUT where capabilities.noResponders is false)',
    async run(ctx) {
      const subject = ctx.subject('nobody');
      if (ctx.caps.noResponders) {
        await expectCellularError(() => request(ctx, subject, 1, ctx.waitTimeoutMs), 'NO_RESPONDERS', 'request with no responder');
      } else {
        await expectCellularError(() => request(ctx, subject, 1, 200), 'TIMEOUT', 'request with no responder (noResponders: false)');
      }
    },
  },
  {
    id: 'request.cancel',
    group: 'request/reply',
    title: 'aborting the signal fails the request CANCELLED',
    async run(ctx) {
      const subject = ctx.subject('slow');
      const c = ctx.collect(subject);
      const controller = new AbortController();
      const pending = request(ctx, subject, 1, ctx.waitTimeoutMs, { signal: controller.signal });
      await c.waitForCount(1);
      controller.abort();
      await expectCellularError(() => pending, 'CANCELLED', 'aborted request');
      await expectCellularError(() => request(ctx, subject, 2, ctx.waitTimeoutMs, { signal: AbortSignal.abort() }), 'CANCELLED', 'request with an already aborted signal');
    },
  },
];
