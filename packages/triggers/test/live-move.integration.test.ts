// The live transport move under load: a cell's subjects move from the in-memory transport to a broker
// (NATS, Redis) while events, requests and durable stream messages flow, then move back. Counts of sent
// and received messages prove nothing is lost, in-flight requests finish, and durable delivery stays
// at-least-once: every durable message is handled, and a message handled twice is a redelivery of the
// same envelope (same id, delivery attempt > 1), never a copy made by the move.
//
// The durable consumer is held up on purpose around each move (a gate on the messages just before it),
// so that the old transport still has a backlog of stored and unacknowledged messages when the route
// changes: that backlog must be consumed where it was stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCell, defineContract, type Transport } from '@cellular/core';
import { createBus, createMemoryTransport, type Bus } from '@cellular/bus';
import { createNatsTransport } from '@cellular/transport-nats';
import { createRedisTransport } from '@cellular/transport-redis';
import { requireBroker, uniqueName, waitFor } from '@cellular/testkit';
import { cellSubjects, createSwitchableTransport, type SwitchableTransport } from '../src/index.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const natsBroker = await requireBroker(NATS_URL, { name: 'NATS' });
const redisBroker = await requireBroker(REDIS_URL, { name: 'Redis' });

interface Counted extends Transport {
  readonly counts: { publish: number; request: number; durable: number; consumed: number };
}

/** Counts what each underlying transport carried, to prove the move really changed the path. */
function counting(t: Transport): Counted {
  const counts = { publish: 0, request: 0, durable: 0, consumed: 0 };
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
    consume: (c, h) => t.consume(c, (m) => (counts.consumed++, h(m))),
    ensureStream: (c) => t.ensureStream(c),
    connect: () => t.connect(),
    close: () => t.close(),
    drain: () => t.drain(),
  };
}

interface Target {
  readonly name: 'nats' | 'redis';
  readonly available: boolean;
  readonly reason: string;
  /** The broker transport, and how to remove what the test stored on the shared broker (best effort). */
  create(prefix: string): { transport: Transport; cleanup(stream: string): Promise<void> };
}

const targets: Target[] = [
  {
    name: 'nats',
    ...natsBroker,
    create: () => {
      const transport = createNatsTransport({ servers: NATS_URL, storage: 'memory' });
      return {
        transport,
        cleanup: async (stream) => {
          const nc = transport.connection;
          if (nc !== undefined && !nc.isClosed()) await nc.request(`$JS.API.STREAM.DELETE.${stream}`).catch(() => undefined);
        },
      };
    },
  },
  {
    name: 'redis',
    ...redisBroker,
    create: (prefix) => {
      const transport = createRedisTransport({ url: REDIS_URL, keyPrefix: `${prefix}:`, blockMs: 200 });
      return {
        transport,
        cleanup: async (stream) => {
          if (transport.status !== 'closed') await transport.deleteStream(stream).catch(() => undefined);
        },
      };
    },
  },
];

/** A promise with its resolve function, to hold the durable consumer up around a move. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

for (const target of targets) {
  describe.skipIf(!target.available)(`live transport move memory -> ${target.name} -> memory (${target.reason})`, () => {
    const prefix = uniqueName(`move-${target.name}`);
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
    const stream = `${prefix}_job`.replace(/[^A-Za-z0-9_-]/gu, '_');

    let memory: Counted;
    let broker: Counted;
    let cleanup: (stream: string) => Promise<void>;
    let switchable: SwitchableTransport;
    let bus: Bus;

    beforeAll(async () => {
      memory = counting(createMemoryTransport());
      const created = target.create(prefix);
      cleanup = created.cleanup;
      broker = counting(created.transport);
      switchable = createSwitchableTransport({ transports: { memory, [target.name]: broker }, default: 'memory' });
      bus = createBus({ transport: switchable, defaultTimeoutMs: 20_000, streamName: () => stream });
      await bus.connect();
    });
    afterAll(async () => {
      await cleanup(stream);
      await bus.close();
    });

    it('moves events, requests and durable messages under load: nothing lost, no failed request, at-least-once, and back', async () => {
      const total = 3000;
      const moves = [1000, 2000] as const;
      const events = new Set<number>();
      bus.subscribe(Tick, ({ seq }) => {
        events.add(seq);
      });
      bus.handle(Echo, async ({ n }) => {
        await new Promise((r) => setTimeout(r, 2)); // requests are in flight during the switch
        return { n, doubled: n * 2 };
      });

      // Durable: every other tick is also a stored job. The consumer nacks the first delivery of every
      // 97th job (a real redelivery), and waits at a gate on the jobs just before each move, so the old
      // transport holds a backlog of stored and unacknowledged jobs when the route changes.
      const gates = moves.map(() => gate());
      const firstId = new Map<number, string>();
      const settled = new Set<number>(); // handled to the end (the transport acknowledges them)
      const deliveries = { total: 0, duplicates: 0, redelivered: 0, copies: 0, forcedNacks: 0 };
      const unsettledAtMove: number[] = [];
      bus.consume(
        Job,
        async ({ seq }, ctx) => {
          deliveries.total++;
          const id = ctx.envelope.id;
          const first = firstId.get(seq);
          if (first === undefined) firstId.set(seq, id);
          else {
            deliveries.duplicates++;
            if (first !== id) deliveries.copies++; // the same job under another envelope: a copy, not a redelivery
            if (ctx.deliveryAttempt > 1) deliveries.redelivered++;
          }
          const g = moves.findIndex((m) => seq >= m - 40 && seq < m);
          if (g >= 0) await gates[g]!.promise;
          else await new Promise((r) => setImmediate(r));
          if (seq % 97 === 0 && ctx.deliveryAttempt === 1) {
            deliveries.forcedNacks++;
            throw new Error(`first delivery of job ${String(seq)} fails on purpose`);
          }
          settled.add(seq);
        },
        { durable: `${prefix}-worker`, backoffMs: [20], maxDeliver: 10 },
      );
      await new Promise((r) => setTimeout(r, 300)); // broker subscriptions and consumers registered

      const subjects = cellSubjects(worker);
      let sentEvents = 0;
      const jobsSent = new Set<number>();
      const stored: Promise<void>[] = [];
      const replies: Promise<void>[] = [];
      const errors: unknown[] = [];
      for (let i = 0; i < total; i++) {
        const m = moves.indexOf(i as (typeof moves)[number]);
        if (m >= 0) {
          await Promise.all(stored); // every job before the move is stored on the old transport
          unsettledAtMove.push(jobsSent.size - settled.size);
          await switchable.move(subjects, m === 0 ? target.name : 'memory');
          gates[m]!.open();
        }
        await bus.publish(Tick, { seq: i });
        sentEvents++;
        if (i % 2 === 0) {
          jobsSent.add(i);
          stored.push(bus.stream(Job, { seq: i }).then(() => undefined, (e: unknown) => void errors.push(e)));
        }
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
      await Promise.all([...replies, ...stored]);
      await waitFor(() => events.size === sentEvents, { timeout: 20_000 });
      await waitFor(() => settled.size === jobsSent.size && deliveries.redelivered >= deliveries.forcedNacks, { timeout: 60_000 });

      const report = {
        events: { sent: sentEvents, received: events.size },
        requests: { sent: replies.length, failed: errors.length },
        jobs: {
          sent: jobsSent.size,
          received: firstId.size,
          deliveries: deliveries.total,
          duplicates: deliveries.duplicates,
          redeliveriesForced: deliveries.forcedNacks,
          copies: deliveries.copies,
          unsettledAtMove,
        },
        carried: { memory: memory.counts, [target.name]: broker.counts },
      };
      console.log(`live move memory -> ${target.name} -> memory: ${JSON.stringify(report)}`);

      expect(errors).toEqual([]);
      expect(events.size).toBe(total);
      // Durable: every job handled; every duplicate is a redelivery of the same envelope.
      expect([...firstId.keys()].sort((a, b) => a - b)).toEqual([...jobsSent].sort((a, b) => a - b));
      expect(deliveries.copies).toBe(0);
      expect(deliveries.duplicates).toBe(deliveries.redelivered);
      expect(deliveries.duplicates).toBeGreaterThanOrEqual(deliveries.forcedNacks);
      expect(deliveries.forcedNacks).toBe(Math.floor((total - 1) / 2 / 97) + 1);
      // The old transport really had stored, unacknowledged jobs when the route changed (at least the
      // 20 held at the gate), and every job was settled in the end.
      expect(unsettledAtMove.every((b) => b >= 20)).toBe(true);
      expect(settled.size).toBe(jobsSent.size);
      // The middle third went over the broker, the rest in memory, for every kind of traffic.
      expect(broker.counts.publish).toBeGreaterThanOrEqual(1000 - 1);
      expect(broker.counts.request).toBeGreaterThanOrEqual(190);
      expect(broker.counts.durable).toBeGreaterThanOrEqual(500);
      expect(broker.counts.consumed).toBeGreaterThanOrEqual(500);
      expect(memory.counts.publish).toBeGreaterThanOrEqual(2000);
      expect(memory.counts.durable).toBeGreaterThanOrEqual(1000);
      expect(memory.counts.consumed).toBeGreaterThanOrEqual(1000);
      expect(switchable.routeOf(Tick.subject)).toBe('memory');
      expect(switchable.routeOf(Job.subject)).toBe('memory');
    }, 120_000);
  });
}
