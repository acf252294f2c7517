/**
 * Fault tests on a redis-server this file spawns (AOF, appendfsync always, free loopback port, temp
 * dir). Never touches the machine's Redis.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEnvelope, type Envelope } from '@cellular/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTransport, type RedisTransport } from '../src/index.js';
import { PrivateRedis, REDIS_SERVER, waitFor } from './redis-helpers.js';

const haveServer = existsSync(REDIS_SERVER);
if (!haveServer) {
  if (process.env.CI === 'true') throw new Error(`${REDIS_SERVER} not found; CI=true requires it for fault tests`);
  console.warn(`[transport-redis] SKIPPING fault tests: ${REDIS_SERVER} not found`);
}

describe.skipIf(!haveServer)('RedisTransport fault tolerance (private redis-server)', () => {
  let server: PrivateRedis;
  const open: RedisTransport[] = [];
  beforeAll(async () => {
    server = await PrivateRedis.start();
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close()));
    await server.stop();
  });

  it('10,000 durable messages survive a SIGKILL of the broker mid-stream: all delivered at least once, duplicates share the envelope id', async () => {
    const total = 10_000;
    const prefix = 'fault1:';
    const publisher = createRedisTransport({ url: server.url, keyPrefix: prefix, publishTimeoutMs: 2000 });
    const consumerSide = createRedisTransport({ url: server.url, keyPrefix: prefix, blockMs: 200, readBatch: 200 });
    open.push(publisher, consumerSide);
    const statuses: string[] = [];
    consumerSide.onStatusChange((s) => statuses.push(s));
    await publisher.ensureStream({ name: 'ORDERS', subjects: ['orders.>'], maxMessages: 50_000 });
    const deliveries = new Map<string, number>();
    consumerSide.consume({ stream: 'ORDERS', durable: 'billing', ackWaitMs: 1000 }, (m) => {
      deliveries.set(m.envelope.id, (deliveries.get(m.envelope.id) ?? 0) + 1);
    });
    const envelopes: Envelope[] = Array.from({ length: total }, (_, i) => createEnvelope({ subject: `orders.o${i % 10}`, payload: { i } }));
    let acked = 0;
    let duplicatesAcked = 0;
    let retries = 0;
    const publishOne = async (env: Envelope): Promise<void> => {
      for (;;) {
        try {
          const ack = await publisher.publishDurable(env);
          if (ack.duplicate) duplicatesAcked++;
          acked++;
          return;
        } catch {
          retries++; // broker gone or timed out: retry the same envelope (same id)
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    let next = 0;
    let killed = false;
    const killer = (async () => {
      await waitFor(() => acked >= 3000, 60_000, '3000 acks before the kill');
      await server.kill();
      killed = true;
      await new Promise((r) => setTimeout(r, 300));
      await server.spawn();
    })();
    const workers = Array.from({ length: 64 }, async () => {
      while (next < total) await publishOne(envelopes[next++]!);
    });
    await Promise.all([...workers, killer]);
    expect(killed).toBe(true);
    expect(acked).toBe(total);
    await waitFor(() => deliveries.size === total, 60_000, 'every message delivered');
    for (const env of envelopes) expect(deliveries.get(env.id) ?? 0).toBeGreaterThanOrEqual(1);
    const dupDeliveries = [...deliveries.values()].reduce((a, n) => a + n - 1, 0);
    // Evidence for the report: how many publishes were retried and how many duplicates were recognised.
    console.info(`[fault] retries=${retries} duplicateAcks=${duplicatesAcked} duplicateDeliveries=${dupDeliveries}`);
    // A publisher that lost its acks in the crash republishes: the dedup markers written before the
    // kill survived it (same script, same AOF record), so every retry is recognised by envelope id.
    const again = await Promise.all(envelopes.slice(0, 500).map((e) => publisher.publishDurable(e)));
    expect(again.every((a) => a.duplicate)).toBe(true);
    expect(statuses).toContain('reconnecting');
    expect(consumerSide.status).toBe('connected');
    // Stored once per id: the dedup marker and the entry were written by one script.
    const raw = new Redis(server.url);
    const len = await raw.xlen(`${prefix}s:ORDERS`);
    raw.disconnect();
    expect(len).toBe(total);
  }, 120_000);

  it('a consumer process killed mid-batch leaves nothing pending forever: another consumer claims its messages', async () => {
    const prefix = 'fault2:';
    const t = createRedisTransport({ url: server.url, keyPrefix: prefix, blockMs: 200 });
    open.push(t);
    await t.ensureStream({ name: 'FAULT', subjects: ['jobs.*'] });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const env = createEnvelope({ subject: 'jobs.run', payload: i });
      ids.push(env.id);
      await t.publishDurable(env);
    }
    const child = spawn(
      process.execPath,
      ['--conditions=@cellular/source', '--import', 'tsx', fileURLToPath(new URL('./fixtures/consumer-child.ts', import.meta.url)), server.url, prefix, '5'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let childOut = '';
    child.stdout.on('data', (d: Buffer) => (childOut += d.toString()));
    const exit = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    expect(exit).toBe('SIGKILL');
    expect(childOut.split('\n').filter((l) => l.startsWith('got '))).toHaveLength(5);
    const raw = new Redis(server.url);
    const before = (await raw.xpending(`${prefix}s:FAULT`, 'workers')) as [number];
    expect(before[0]).toBe(40); // the whole batch was fetched and is pending on the dead consumer
    const got = new Map<string, number>();
    t.consume({ stream: 'FAULT', durable: 'workers', ackWaitMs: 500 }, (m) => {
      got.set(m.envelope.id, m.deliveryAttempt);
    });
    await waitFor(() => got.size === 40, 20_000, 'all 40 reclaimed');
    expect([...got.keys()].sort()).toEqual([...ids].sort());
    expect([...got.values()].every((a) => a >= 2)).toBe(true);
    let pending = 40;
    for (let i = 0; i < 50 && pending > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pending = ((await raw.xpending(`${prefix}s:FAULT`, 'workers')) as [number])[0];
    }
    raw.disconnect();
    expect(pending).toBe(0);
  }, 60_000);

  it('pub/sub subscriptions and the reply channel survive a broker restart (re-subscribed on reconnect)', async () => {
    const prefix = 'fault3:';
    const a = createRedisTransport({ url: server.url, keyPrefix: prefix });
    const b = createRedisTransport({ url: server.url, keyPrefix: prefix });
    open.push(a, b);
    const got: unknown[] = [];
    b.subscribe('events.*', (e) => void got.push(e.payload));
    b.subscribe('svc.echo', (req) => b.publish({ ...req, subject: req.replyTo!, payload: req.payload }), { queue: 'svc' });
    await Promise.all([a.connect(), b.connect()]);
    await a.publish(createEnvelope({ subject: 'events.before', payload: 'before' }));
    await waitFor(() => got.length === 1, 5000, 'message before the restart');
    await server.kill();
    await waitFor(() => a.status === 'reconnecting' && b.status === 'reconnecting', 10_000, 'reconnecting status');
    await server.spawn();
    await waitFor(() => a.status === 'connected' && b.status === 'connected', 20_000, 'reconnected');
    await new Promise((r) => setTimeout(r, 200)); // resubscription is sent right after 'ready'
    await a.publish(createEnvelope({ subject: 'events.after', payload: 'after' }));
    await waitFor(() => got.length === 2, 5000, 'message after the restart');
    expect(got).toEqual(['before', 'after']);
    const reply = await a.request(createEnvelope({ subject: 'svc.echo', payload: 42 }), { timeout: 5000 });
    expect(reply.payload).toBe(42);
  }, 60_000);
});
