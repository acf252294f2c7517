import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope } from '@cellular/core';
import type { DurableMessage, Envelope } from '@cellular/core';
import { waitFor } from '@cellular/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileJournal } from './file-journal.js';
import type { FileJournal } from './file-journal.js';
import { MemoryStreams } from './internal/memory-streams.js';
import { createMemoryTransport } from './memory-transport.js';

let dir: string;
let path: string;
const open: MemoryStreams[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cellular-journal-'));
  path = join(dir, 'bus.journal');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

function start(journal: FileJournal = createFileJournal({ path, flushIntervalMs: 2 })): { streams: MemoryStreams; journal: FileJournal } {
  const streams = new MemoryStreams({ publishCore: () => undefined, journal });
  open.push(streams);
  return { streams, journal };
}

const env = (subject: string, payload: unknown): Envelope => createEnvelope({ subject, payload });

describe('createFileJournal', () => {
  it('replays after a restart: unacked messages come back with their delivery count, acked ones do not', async () => {
    const first = start();
    await first.streams.ensureStream({ name: 'orders', subjects: ['orders.>'] });
    const sent: Envelope[] = [];
    for (let i = 0; i < 5; i++) {
      const e = env('orders.placed', i);
      sent.push(e);
      await first.streams.publishDurable(e);
    }
    const held: DurableMessage[] = [];
    first.streams.consume({ stream: 'orders', durable: 'billing' }, async (m) => {
      held.push(m);
      if ((m.envelope.payload as number) < 2) await m.ack(); // 0 and 1 acked (durably: ack resolves after fsync)
      else await new Promise(() => undefined); // 2 in flight forever, 3 and 4 blocked behind it (same subject)
    });
    await waitFor(() => held.length === 3);
    await first.streams.close(); // flushes the journal

    const second = start();
    const again: DurableMessage[] = [];
    second.streams.consume({ stream: 'orders', durable: 'billing' }, (m) => { again.push(m); });
    await waitFor(() => again.length === 3);
    expect(again.map((m) => m.envelope.id)).toEqual(sent.slice(2).map((e) => e.id));
    expect(again.map((m) => m.deliveryAttempt)).toEqual([2, 1, 1]); // message 2 had been delivered once before
    expect(again[0]?.envelope.attempt).toBe(2);
    // duplicate detection survives the restart
    await expect(second.streams.publishDurable(sent[4]!)).resolves.toMatchObject({ duplicate: true });
  });

  it('replays limits (drop-oldest) and per-group progress with filters', async () => {
    const first = start();
    await first.streams.ensureStream({ name: 'lim', subjects: ['lim.>'], maxMessages: 3, overflow: 'drop-oldest' });
    const a: unknown[] = [];
    first.streams.consume({ stream: 'lim', durable: 'a', filterSubject: 'lim.a' }, (m) => { a.push(m.envelope.payload); });
    for (const [s, n] of [['lim.a', 1], ['lim.b', 2], ['lim.a', 3]] as const) await first.streams.publishDurable(env(s, n));
    await waitFor(() => a.length === 2); // group a settled 1 and 3; 2 is waiting for a group that wants it
    for (const n of [4, 5, 6]) await first.streams.publishDurable(env('lim.b', n)); // drops the oldest
    await first.streams.close();

    const second = start();
    const a2: unknown[] = [];
    const b2: unknown[] = [];
    second.streams.consume({ stream: 'lim', durable: 'a', filterSubject: 'lim.a' }, (m) => { a2.push(m.envelope.payload); });
    second.streams.consume({ stream: 'lim', durable: 'b' }, (m) => { b2.push(m.envelope.payload); });
    await waitFor(() => b2.length === 3);
    expect(b2).toEqual([4, 5, 6]);
    expect(a2).toEqual([]);
  });

  it('dead-letters a message whose deliveries were used up by crashes instead of delivering it again', async () => {
    const first = start();
    await first.streams.ensureStream({ name: 'poison', subjects: ['poison.>'] });
    await first.streams.publishDurable(env('poison.x', 'kills the consumer'));
    let delivered = 0;
    first.streams.consume({ stream: 'poison', durable: 'd', maxDeliver: 1 }, () => {
      delivered++;
      return new Promise<void>(() => undefined); // "crashes": never settles
    });
    await waitFor(() => delivered === 1);
    await first.streams.close();

    const dead: Envelope[] = [];
    const streams = new MemoryStreams({ publishCore: (e) => dead.push(e), journal: createFileJournal({ path, flushIntervalMs: 2 }) });
    open.push(streams);
    const again: unknown[] = [];
    streams.consume({ stream: 'poison', durable: 'd', maxDeliver: 1 }, (m) => { again.push(m.envelope.payload); });
    await waitFor(() => dead.length === 1);
    expect(dead[0]?.subject).toBe('dlq.poison.d');
    expect(again).toEqual([]);
  });

  it('cuts off a torn last record and keeps the rest', async () => {
    const first = start();
    await first.streams.ensureStream({ name: 't', subjects: ['t.>'] });
    await first.streams.publishDurable(env('t.x', 'kept'));
    await first.streams.close();
    const goodSize = statSync(path).size;
    appendFileSync(path, '{"t":"pub","stream":"t","seq":2,"at":1,"env":{"id":"x'); // the process died mid-write
    const second = start();
    expect(statSync(path).size).toBe(goodSize);
    const got: unknown[] = [];
    second.streams.consume({ stream: 't', durable: 'd' }, (m) => { got.push(m.envelope.payload); });
    await waitFor(() => got.length === 1);
    await second.streams.publishDurable(env('t.x', 'after'));
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['kept', 'after']);
    expect(readFileSync(path, 'utf8').split('\n').every((l) => l === '' || JSON.parse(l) !== null)).toBe(true);
  });

  it('skips corrupt records in the middle instead of failing to start', () => {
    writeFileSync(path, '{"t":"stream","config":{"name":"c","subjects":["c.>"]}}\nnot json\n');
    const { streams } = start();
    expect(() => streams.consume({ stream: 'c', durable: 'd' }, () => undefined)).not.toThrow();
  });

  it('compacts when the file grows, keeping exactly the live state', async () => {
    const journal = createFileJournal({ path, flushIntervalMs: 1, compactAfterBytes: 4096 });
    const first = start(journal);
    await first.streams.ensureStream({ name: 'k', subjects: ['k.>'] });
    const seen: number[] = [];
    first.streams.consume({ stream: 'k', durable: 'd' }, async (m) => {
      seen.push(m.envelope.payload as number);
      if ((m.envelope.payload as number) < 195) await m.ack();
      else await new Promise(() => undefined);
    });
    for (let i = 0; i < 200; i++) await first.streams.publishDurable(env(`k.s${i % 10}`, i));
    await waitFor(() => seen.length >= 195);
    await journal.flush();
    await journal.flush(); // a second pass compacts if the first only appended
    expect(journal.stats.compactions).toBeGreaterThan(0);
    await first.streams.close();
    expect(statSync(path).size).toBeLessThan(20_000);

    const second = start();
    const replayed: number[] = [];
    second.streams.consume({ stream: 'k', durable: 'd' }, (m) => { replayed.push(m.envelope.payload as number); });
    await waitFor(() => replayed.length === 5);
    expect(replayed.sort((a, b) => a - b)).toEqual([195, 196, 197, 198, 199]);
  });

  it('rejects appends after close and bad options', async () => {
    const journal = createFileJournal({ path });
    journal.load();
    await journal.close();
    await expect(journal.append({ t: 'del', stream: 's', seq: 1 })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(() => createFileJournal({ path: '' })).toThrow(/path/u);
    expect(() => createFileJournal({ path: join(path, 'under-a-file') }).load()).toThrow(/Cannot open the journal/u); // path is a file
    const nested = createFileJournal({ path: join(dir, 'new', 'dir', 'j') });
    expect(nested.load()).toEqual([]); // parent directories are created
    await nested.close();
    expect(() => new MemoryStreams({ publishCore: () => undefined, journal: { nope: true } })).toThrow(/StreamJournal/u);
  });

  it('makes the memory transport declare persistent durability', async () => {
    const plain = createMemoryTransport();
    const journaled = createMemoryTransport({ journal: createFileJournal({ path }) });
    expect(plain.capabilities.durability).toBe('process');
    expect(journaled.capabilities.durability).toBe('persistent');
    await plain.close();
    await journaled.close();
  });
});
