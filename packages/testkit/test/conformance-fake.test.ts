import { describe, expect, it } from 'vitest';
import { describeTransportConformance, runConformanceCheck } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import type { Fault } from './fake-transport.js';

// The suite passes on a correct transport...
describeTransportConformance('fake (correct)', () => createFakeTransport(), { settleMs: 50 });
describeTransportConformance('fake (finite maxPayload, no noResponders)', () => createFakeTransport({ maxPayload: 4096, capabilities: { noResponders: false }, faults: ['no-responders-times-out'] }), { settleMs: 50 });

// ...and each check catches the fault it is about: the suite can fail.
const cases: readonly { fault: Fault; check: string; capabilities?: object; maxPayload?: number }[] = [
  { fault: 'queue-delivers-to-all', check: 'queue.exactly-one' },
  { fault: 'queue-delivers-to-all', check: 'request.queue-responders' },
  { fault: 'ignores-tail-wildcard', check: 'wildcards.tail' },
  { fault: 'star-matches-many', check: 'wildcards.single-token' },
  { fault: 'drops-headers', check: 'headers.pubsub' },
  { fault: 'drops-headers', check: 'headers.request' },
  { fault: 'no-responders-times-out', check: 'request.no-responders' },
  { fault: 'open-after-close', check: 'lifecycle.close' },
  { fault: 'drain-does-not-wait', check: 'lifecycle.drain' },
  { fault: 'ignores-payload-limit', check: 'payload.limit', maxPayload: 1024 },
  { fault: 'reorders', check: 'pubsub.ordering' },
  { fault: 'handler-error-kills-subscription', check: 'pubsub.handler-isolation' },
  { fault: 'ignores-abort', check: 'request.cancel' },
  { fault: 'unsubscribe-ignored', check: 'pubsub.unsubscribe' },
  { fault: 'unsubscribe-ignored', check: 'queue.member-leaves' },
  { fault: 'replays-last', check: 'pubsub.no-replay' },
  { fault: 'status-listener-not-removed', check: 'lifecycle.status-events' },
];

describe('the suite catches broken transports', () => {
  for (const c of cases) {
    it(`${c.check} fails on a transport that ${c.fault}`, async () => {
      const factory = () => createFakeTransport({ faults: [c.fault], ...(c.maxPayload ? { maxPayload: c.maxPayload } : {}) });
      await expect(runConformanceCheck(c.check, factory, { settleMs: 50, waitTimeoutMs: 1000 })).rejects.toThrow();
      // the same check passes without the fault, so it is the fault that was caught
      await expect(runConformanceCheck(c.check, () => createFakeTransport(c.maxPayload ? { maxPayload: c.maxPayload } : {}), { settleMs: 50 })).resolves.toMatchObject({ status: 'passed' });
    });
  }

  it('checks declarations: a transport declaring durability none must refuse streams UNSUPPORTED', async () => {
    await expect(runConformanceCheck('durable.ack', () => createFakeTransport())).resolves.toMatchObject({ status: 'skipped' });
    const lying = () => {
      const t = createFakeTransport();
      return { ...t, capabilities: t.capabilities, status: t.status, connect: () => t.connect(), close: () => t.close(), ensureStream: () => Promise.resolve() } as typeof t;
    };
    await expect(runConformanceCheck('durable.ack', lying)).rejects.toThrow(/UNSUPPORTED|should fail/u);
  });

  it('honours options.skip and rejects unknown ids', async () => {
    await expect(runConformanceCheck('pubsub.deliver', () => createFakeTransport(), { skip: { 'pubsub.deliver': 'because' } })).resolves.toEqual({ status: 'skipped', reason: 'because' });
    await expect(runConformanceCheck('no.such.check', () => createFakeTransport())).rejects.toThrow(/unknown/u);
  });
});
