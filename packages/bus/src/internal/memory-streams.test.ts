import { CellularError, createEnvelope, HEADERS } from '@cellular/core';
import type { DurableMessage, Envelope } from '@cellular/core';
import { waitFor } from '@cellular/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStreams } from './memory-streams.js';

const open: MemoryStreams[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function setup(): { streams: MemoryStreams; core: Envelope[] } {
  const core: Envelope[] = [];
  const streams = new MemoryStreams({ publishCore: (e) => core.push(e) });
  open.push(streams);
  return { streams, core };
}

const env = (subject: string, payload: unknown): Envelope => createEnvelope({ subject, payload });

describe('MemoryStreams', () => {
  it('keeps per-subject order through a nack: later messages of the subject wait, other subjects flow', async () => {
    const { streams } = setup();
    await streams.ensureStream({ name: 's', subjects: ['o.>'] });
    for (const [subject, n] of [['o.a', 1], ['o.a', 2], ['o.b', 3], ['o.a', 4]] as const) await streams.publishDurable(env(subject, n));
    const seen: string[] = [];
    streams.consume({ stream: 's', durable: 'd', backoffMs: [30] }, async (m) => {
      seen.push(`${String(m.envelope.payload)}#${m.deliveryAttempt}`);
      if (m.envelope.payload === 1 && m.deliveryAttempt === 1) await m.nack();
    });
    await waitFor(() => seen.length === 5);
    expect(seen.filter((s) => !s.startsWith('3'))).toEqual(['1#1', '1#2', '2#1', '4#1']);
    expect(seen.indexOf('3#1')).toBeLessThan(seen.indexOf('1#2')); // o.b was not blocked by o.a
  });

  it('removes a message once every interested group settled it (interest retention)', async () => {
    const { streams } = setup();
    await streams.ensureStream({ name: 'r', subjects: ['r.>'], maxMessages: 2 });
    const a: number[] = [];
    streams.consume({ stream: 'r', durable: 'a' }, (m) => { a.push(m.envelope.payload as number); });
    for (let i = 0; i < 10; i++) {
      await streams.publishDurable(env('r.x', i)); // would overflow at 3 if acked messages were kept
      await waitFor(() => a.length === i + 1);
    }
    expect(a).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('overflow reject / drop-oldest / block', async () => {
    const { streams } = setup();
    await streams.ensureStream({ name: 'rej', subjects: ['rej.>'], maxMessages: 2 });
    await streams.publishDurable(env('rej.x', 1));
    await streams.publishDurable(env('rej.x', 2));
    await expect(streams.publishDurable(env('rej.x', 3))).rejects.toMatchObject({ code: 'BACKPRESSURE' });

    await streams.ensureStream({ name: 'drop', subjects: ['drop.>'], maxMessages: 2, overflow: 'drop-oldest' });
    for (let i = 1; i <= 4; i++) await streams.publishDurable(env('drop.x', i));
    const got: unknown[] = [];
    streams.consume({ stream: 'drop', durable: 'd' }, (m) => { got.push(m.envelope.payload); });
    await waitFor(() => got.length === 2);
    expect(got).toEqual([3, 4]);

    await streams.ensureStream({ name: 'blk', subjects: ['blk.>'], maxMessages: 1, overflow: 'block' });
    await streams.publishDurable(env('blk.x', 1));
    await expect(streams.publishDurable(env('blk.x', 2), { timeout: 30 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const waiting = streams.publishDurable(env('blk.x', 3), { timeout: 5000 });
    const b: unknown[] = [];
    streams.consume({ stream: 'blk', durable: 'd' }, (m) => { b.push(m.envelope.payload); });
    await expect(waiting).resolves.toMatchObject({ stream: 'blk', duplicate: false });
    await waitFor(() => b.length === 2);
    expect(b).toEqual([1, 3]);
  });

  it('bounds bytes with maxBytes', async () => {
    const { streams } = setup();
    await streams.ensureStream({ name: 'bytes', subjects: ['b.>'], maxBytes: 1500 }); // each envelope is ~550 bytes of JSON
    await streams.publishDurable(env('b.x', 'x'.repeat(400)));
    await streams.publishDurable(env('b.x', 'y'.repeat(400)));
    await expect(streams.publishDurable(env('b.x', 'z'.repeat(400)))).rejects.toMatchObject({ code: 'BACKPRESSURE' });
  });

  it('ignores a late nack from a delivery that ack wait already replaced, but honours its ack', async () => {
    const { streams } = setup();
    await streams.ensureStream({ name: 'late', subjects: ['late.>'] });
    await streams.publishDurable(env('late.x', 1));
    const deliveries: DurableMessage[] = [];
    // Ack wait long enough that the second delivery cannot also expire on a loaded machine.
    streams.consume({ stream: 'late', durable: 'd', ackWaitMs: 400, backoffMs: [5] }, (m) => {
      deliveries.push(m);
      return new Promise<void>(() => undefined);
    });
    await waitFor(() => deliveries.length === 2); // first delivery timed out and was redelivered
    await deliveries[0]!.nack(); // stale: ignored
    await new Promise((r) => setTimeout(r, 20));
    expect(deliveries).toHaveLength(2);
    await deliveries[0]!.ack(); // already settled once (nack) on that delivery: no effect
    await deliveries[1]!.ack();
    await new Promise((r) => setTimeout(r, 60));
    expect(deliveries).toHaveLength(2);
  });

  it('expires messages older than maxAgeMs', async () => {
    let now = 1_000_000;
    const streams = new MemoryStreams({ publishCore: () => undefined, clock: { now: () => now } });
    open.push(streams);
    await streams.ensureStream({ name: 'age', subjects: ['age.>'], maxAgeMs: 1000, maxMessages: 2 });
    await streams.publishDurable(env('age.x', 'old'));
    await streams.publishDurable(env('age.x', 'old2'));
    now += 2000;
    await streams.publishDurable(env('age.x', 'new')); // room again: the old ones expired
    const got: unknown[] = [];
    streams.consume({ stream: 'age', durable: 'd' }, (m) => { got.push(m.envelope.payload); });
    await waitFor(() => got.length === 1);
    expect(got).toEqual(['new']);
  });

  it('limits in-flight deliveries to maxAckPending', async () => {
    const { streams } = setup();
    await streams.ensureStream({ name: 'p', subjects: ['p.>'] });
    for (let i = 0; i < 10; i++) await streams.publishDurable(env(`p.s${i}`, i));
    const held: DurableMessage[] = [];
    streams.consume({ stream: 'p', durable: 'd', maxAckPending: 3 }, (m) => {
      held.push(m);
      return new Promise<void>(() => undefined); // never returns: settled only by explicit ack below
    });
    await waitFor(() => held.length === 3);
    await new Promise((r) => setTimeout(r, 30));
    expect(held).toHaveLength(3);
    await held[0]!.ack();
    await waitFor(() => held.length === 4);
  });

  it('stores dead letters durably when a stream captures the dead-letter subject, with reason headers', async () => {
    const { streams, core } = setup();
    await streams.ensureStream({ name: 'work', subjects: ['w.>'] });
    await streams.ensureStream({ name: 'dead', subjects: ['dlq.>'] });
    const original = env('w.job', { id: 7 });
    await streams.publishDurable(original);
    streams.consume({ stream: 'work', durable: 'jobs', maxDeliver: 2, backoffMs: [5] }, () => { throw new Error('always fails'); });
    const dead: Envelope[] = [];
    streams.consume({ stream: 'dead', durable: 'inspect' }, (m) => { dead.push(m.envelope); });
    await waitFor(() => dead.length === 1);
    expect(dead[0]?.subject).toBe('dlq.work.jobs');
    expect(dead[0]?.id).toBe(original.id);
    expect(dead[0]?.headers[HEADERS.originalSubject]).toBe('w.job');
    expect(dead[0]?.headers[HEADERS.deadLetterReason]).toMatch(/max deliveries/u);
    expect(core.map((e) => e.subject)).toEqual(['dlq.work.jobs']);
  });

  it('validates configuration with typed errors', async () => {
    const { streams } = setup();
    await expect(streams.ensureStream({ name: 'bad name', subjects: ['a'] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(streams.ensureStream({ name: 'x', subjects: [] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(streams.ensureStream({ name: 'x', subjects: ['a..b'] })).rejects.toMatchObject({ code: 'INVALID_SUBJECT' });
    await streams.ensureStream({ name: 'one', subjects: ['a.*'] });
    await expect(streams.ensureStream({ name: 'two', subjects: ['a.b'] })).rejects.toMatchObject({ code: 'CONFLICT' });
    await streams.ensureStream({ name: 'three', subjects: ['a.b.c'] }); // no overlap with a.*
    expect(() => streams.consume({ stream: 'missing', durable: 'd' }, () => undefined)).toThrow(CellularError);
    streams.consume({ stream: 'one', durable: 'd', filterSubject: 'a.x' }, () => undefined);
    expect(() => streams.consume({ stream: 'one', durable: 'd', filterSubject: 'a.y' }, () => undefined)).toThrow(/already has filter/u);
    expect(() => streams.consume({ stream: 'one', durable: 'e', maxDeliver: 0 }, () => undefined)).toThrow(/maxDeliver/u);
  });

  it('drain waits for in-flight handlers; close rejects further calls TRANSPORT_CLOSED', async () => {
    const { streams } = setup();
    await streams.ensureStream({ name: 'dr', subjects: ['dr.>'] });
    await streams.publishDurable(env('dr.x', 1));
    let finished = false;
    let started = false;
    const sub = streams.consume({ stream: 'dr', durable: 'd' }, async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    await waitFor(() => started);
    await streams.drain();
    expect(finished).toBe(true);
    await streams.close();
    await sub.closed;
    await expect(streams.publishDurable(env('dr.x', 2))).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(() => streams.consume({ stream: 'dr', durable: 'd' }, () => undefined)).toThrow(/closed/u);
  });

  describe('ordered: false (a parallel work queue on one subject)', () => {
    /** A handler that holds every delivery until released, counting how many run at once. */
    function gated(): {
      handler: (m: DurableMessage) => Promise<void>;
      inFlight: () => number;
      maxInFlight: () => number;
      release: () => void;
      done: unknown[];
      attempts: string[];
    } {
      let inFlight = 0;
      let max = 0;
      let open = false;
      const waiting: (() => void)[] = [];
      const done: unknown[] = [];
      const attempts: string[] = [];
      return {
        async handler(m) {
          attempts.push(`${String(m.envelope.payload)}#${m.deliveryAttempt}`);
          inFlight++;
          max = Math.max(max, inFlight);
          if (!open) await new Promise<void>((r) => waiting.push(r));
          inFlight--;
          done.push(m.envelope.payload);
        },
        inFlight: () => inFlight,
        maxInFlight: () => max,
        release() {
          open = true;
          for (const w of waiting.splice(0)) w();
        },
        done,
        attempts,
      };
    }

    it('runs up to maxAckPending messages of one subject at once and loses none', async () => {
      const { streams } = setup();
      await streams.ensureStream({ name: 'q', subjects: ['q.>'] });
      for (let i = 0; i < 20; i++) await streams.publishDurable(env('q.job', i));
      const g = gated();
      streams.consume({ stream: 'q', durable: 'workers', ordered: false, maxAckPending: 4 }, g.handler);
      await waitFor(() => g.inFlight() === 4);
      g.release();
      await waitFor(() => g.done.length === 20);
      expect(g.maxInFlight()).toBe(4);
      expect([...g.done].sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(g.attempts).toHaveLength(20); // each handled once
    });

    it('keeps the default (ordered) consumer of one subject at one message at a time', async () => {
      const { streams } = setup();
      await streams.ensureStream({ name: 'o', subjects: ['o.>'] });
      for (let i = 0; i < 5; i++) await streams.publishDurable(env('o.job', i));
      const g = gated();
      g.release();
      streams.consume({ stream: 'o', durable: 'serial', maxAckPending: 4 }, g.handler);
      await waitFor(() => g.done.length === 5);
      expect(g.maxInFlight()).toBe(1);
      expect(g.done).toEqual([0, 1, 2, 3, 4]);
    });

    it('redelivers a nacked message without holding back the rest, then dead-letters it after maxDeliver', async () => {
      const { streams, core } = setup();
      await streams.ensureStream({ name: 'n', subjects: ['n.>'] });
      for (let i = 0; i < 6; i++) await streams.publishDurable(env('n.job', i));
      const seen: string[] = [];
      streams.consume({ stream: 'n', durable: 'd', ordered: false, maxDeliver: 3, backoffMs: [20] }, async (m) => {
        seen.push(`${String(m.envelope.payload)}#${m.deliveryAttempt}`);
        if (m.envelope.payload === 0) await m.nack(); // always fails
        if (m.envelope.payload === 1 && m.deliveryAttempt === 1) throw new Error('fails once');
      });
      await waitFor(() => core.length === 1);
      expect(core[0]?.subject).toBe('dlq.n.d');
      expect(core[0]?.payload).toBe(0);
      // The first delivery of every message came before any redelivery: nothing was held back.
      const firstRedelivery = seen.findIndex((s) => !s.endsWith('#1'));
      expect(seen.slice(0, firstRedelivery).sort()).toEqual(['0#1', '1#1', '2#1', '3#1', '4#1', '5#1']);
      expect(seen.filter((s) => s.startsWith('0#'))).toEqual(['0#1', '0#2', '0#3']);
      expect(seen.filter((s) => s.startsWith('1#'))).toEqual(['1#1', '1#2']);
    });

    it('a member joining unordered re-keys the group without delivering an in-flight message twice', async () => {
      const { streams } = setup();
      await streams.ensureStream({ name: 'sw', subjects: ['sw.>'] });
      for (let i = 0; i < 6; i++) await streams.publishDurable(env('sw.job', i));
      const g = gated();
      streams.consume({ stream: 'sw', durable: 'd', maxAckPending: 10 }, g.handler);
      await waitFor(() => g.inFlight() === 1); // ordered: message 0 only
      streams.consume({ stream: 'sw', durable: 'd', maxAckPending: 10, ordered: false }, g.handler);
      await waitFor(() => g.inFlight() === 6); // the other five start while 0 is still in flight
      g.release();
      await waitFor(() => g.done.length === 6);
      expect(g.attempts.sort()).toEqual(['0#1', '1#1', '2#1', '3#1', '4#1', '5#1']);
    });
  });
});
