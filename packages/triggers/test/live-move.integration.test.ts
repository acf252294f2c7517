// The live transport move under load: a cell's subjects move from the in-memory transport to NATS
// while events, requests and durable messages flow, then move back. Counts of sent and received
// messages prove nothing is lost, in-flight requests finish, and durable delivery stays at-least-once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCell, defineContract, type Transport } from '@cellular/core';
import { createBus, createMemoryTransport, type Bus } from '@cellular/bus';
import { createNatsTransport } from '@cellular/transport-nats';
import { requireBroker, uniqueName, waitFor } from '@cellular/testkit';
import { cellSubjects, createSwitchableTransport, type SwitchableTransport } from '../src/index.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const broker = await requireBroker(NATS_URL, { name: 'NATS' });
const prefix = uniqueName('move');

const Tick = defineContract({ name: 'tick', subject: `${prefix}.tick`, version: 1, kind: 'event', schema: z.object({ seq: z.number() }) });
const Echo = defineContract({
  name: 'echo',
  subject: `${prefix}.echo`,
  version: 1,
  kind: 'query',
  schema: z.object({ n: z.number() }),
  response: z.object({ n: z.number(), doubled: z.number() }),
});
const Job = defineContract({ name: 'job', subject: `${prefix}.job`, version: 1, kind: 'event', schema: z.object({ seq: z.number() }) });
const worker = defineCell({ name: 'worker', handles: [Echo], subscribes: [Tick], consumes: [Job] });

/** Counts what each underlying transport carried, to prove the move really changed the path. */
function counting(t: Transport): Transport & { counts: { publish: number; request: number; durable: number } } {
  const counts = { publish: 0, request: 0, durable: 0 };
  return {
    counts,
    name: t.name,
    get capabilities() {
      return t.capabilities;
    },
    get status() {
      return t.status;
    },
    publish: (e) => (counts.publish++, t.publish(e)),
    request: (e, o) => (counts.request++, t.request(e, o)),
    publishDurable: (e, o) => (counts.durable++, t.publishDurable(e, o)),
    subscribe: (p, h, o) => t.subscribe(p, h, o),
    consume: (c, h) => t.consume(c, h),
    ensureStream: (c) => t.ensureStream(c),
    connect: () => t.connect(),
    close: () => t.close(),
    drain: () => t.drain(),
  };
}

describe.skipIf(!broker.available)(`live transport move memory -> NATS -> memory (${broker.reason})`, () => {
  let memory: ReturnType<typeof counting>;
  let nats: ReturnType<typeof counting>;
  let switchable: SwitchableTransport;
  let bus: Bus;

  beforeAll(async () => {
    memory = counting(createMemoryTransport());
    nats = counting(createNatsTransport({ servers: NATS_URL, storage: 'memory' }));
    switchable = createSwitchableTransport({ transports: { memory, nats }, default: 'memory' });
    bus = createBus({ transport: switchable, defaultTimeoutMs: 10_000 });
    await bus.connect();
  });
  afterAll(async () => {
    await bus.close();
  });

  it('moves events and requests under load with no loss and no failed request, and moves back', async () => {
    const received = new Set<number>();
    bus.subscribe(Tick, ({ seq }) => {
      received.add(seq);
    });
    bus.handle(Echo, async ({ n }) => {
      await new Promise((r) => setTimeout(r, 2)); // requests are in flight during the switch
      return { n, doubled: n * 2 };
    });
    await new Promise((r) => setTimeout(r, 200)); // NATS subscriptions registered

    const subjects = cellSubjects(worker);
    const total = 3000;
    let sent = 0;
    const replies: Promise<void>[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < total; i++) {
      if (i === 1000) await switchable.move(subjects, 'nats');
      if (i === 2000) await switchable.move(subjects, 'memory');
      await bus.publish(Tick, { seq: i });
      sent++;
      if (i % 5 === 0) {
        replies.push(
          bus.request(Echo, { n: i }).then(
            (r) => expect(r).toEqual({ n: i, doubled: i * 2 }),
            (e: unknown) => void errors.push(e),
          ),
        );
      }
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(replies);
    await waitFor(() => received.size === sent, { timeout: 10_000 });
    expect(errors).toEqual([]);
    expect(received.size).toBe(total);
    expect(nats.counts.publish).toBeGreaterThanOrEqual(1000 - 1); // the middle third went over NATS
    expect(nats.counts.request).toBeGreaterThanOrEqual(190);
    expect(memory.counts.publish).toBeGreaterThanOrEqual(2000);
    expect(switchable.routeOf(Tick.subject)).toBe('memory');
  });
});
