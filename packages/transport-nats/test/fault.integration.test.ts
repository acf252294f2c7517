/**
 * Fault tests on a nats-server this file spawns (free loopback port, temp store dir):
 * - 10,000 durable publishes with the server SIGKILLed mid-stream and restarted on the same store:
 *   every message is delivered at least once, duplicates are recognisable by envelope id;
 * - a consumer process SIGKILLed mid-batch leaves nothing unacknowledged: its deliveries go to another
 *   member of the durable after ackWait.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { CellularError, createEnvelope, type Envelope } from '@cellular/core';
import { waitFor } from '@cellular/testkit';
import { createNatsTransport, type NatsTransport } from '../src/index.js';
import { SpawnedNatsServer, natsServerAvailable, NATS_SERVER_BIN } from './support/nats-server.js';

const skipReason = `skipped: ${NATS_SERVER_BIN} not found (set NATS_SERVER_BIN)`;
if (!natsServerAvailable && process.env.CI === 'true') throw new Error(`${skipReason}, and CI=true`);

describe.skipIf(!natsServerAvailable)(`fault tests on a spawned nats-server${natsServerAvailable ? '' : ` (${skipReason})`}`, () => {
  let server: SpawnedNatsServer;
  const transports: NatsTransport[] = [];
  const open = async (name: string): Promise<NatsTransport> => {
    const t = createNatsTransport({ servers: server.url, name, reconnectTimeWaitMs: 100, maxPendingPublishes: 100_000 });
    transports.push(t);
    await t.connect();
    return t;
  };

  beforeEach(async () => {
    server = await SpawnedNatsServer.start();
  });
  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close().catch(() => undefined);
    await server.dispose();
  });

  it('10,000 durable messages survive a SIGKILL of the server mid-stream: all delivered at least once, duplicates recognisable by id', async () => {
    const N = 10_000;
    const publisher = await open('fault-publisher');
    const consumerT = await open('fault-consumer');
    await publisher.ensureStream({ name: 'FAULT', subjects: ['fault.>'] });

    const delivered = new Map<string, number>();
    let deliveries = 0;
    const sub = consumerT.consume({ stream: 'FAULT', durable: 'fault', ackWaitMs: 3000, maxAckPending: 2000 }, (m) => {
      deliveries++;
      delivered.set(m.envelope.id, (delivered.get(m.envelope.id) ?? 0) + 1);
    });

    const envelopes: Envelope[] = Array.from({ length: N }, (_, i) => createEnvelope({ subject: `fault.m.${i % 10}`, payload: { i } }));
    const published = new Set(envelopes.map((e) => e.id));
    let acked = 0;
    let retries = 0;
    let killed = false;
    const publishOne = async (env: Envelope): Promise<void> => {
      for (;;) {
        try {
          await publisher.publishDurable(env, { timeout: 2000 });
          acked++;
          return;
        } catch (e) {
          if (!CellularError.is(e, 'TIMEOUT', 'TRANSPORT_ERROR', 'BACKPRESSURE', 'NOT_FOUND')) throw e;
          retries++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const chaos = (async () => {
      await waitFor(() => acked >= N * 0.3, { timeout: 60_000 });
      await server.kill();
      killed = true;
      await new Promise((r) => setTimeout(r, 500));
      await server.restart();
    })();
    let next = 0;
    const window = 64;
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (next < N) await publishOne(envelopes[next++]!);
      }),
    );
    await chaos;
    expect(killed).toBe(true);
    expect(acked).toBe(N);

    await waitFor(() => delivered.size >= N, {
      timeout: 60_000,
      message: () => `delivered ${delivered.size}/${N} distinct ids (${deliveries} deliveries)`,
    });
    await sub.drain();
    for (const id of delivered.keys()) expect(published.has(id)).toBe(true);
    for (const id of published) expect(delivered.get(id) ?? 0).toBeGreaterThanOrEqual(1);
    const duplicates = deliveries - delivered.size;
    expect(duplicates).toBeGreaterThanOrEqual(0);
    console.info(`fault: ${N} published, ${retries} publish retries, ${deliveries} deliveries, ${duplicates} duplicates (by envelope id)`);

    // JetStream deduplicated the retried publishes by envelope id (Nats-Msg-Id): the stream holds N.
    const nc = publisher.connection!;
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('FAULT');
    expect(info.state.messages).toBe(N);
  }, 120_000);

  it('a consumer process killed mid-batch leaves nothing unacked: its deliveries are redelivered to another member after ackWait', async () => {
    const N = 200;
    const t = await open('fault-survivor');
    await t.ensureStream({ name: 'KILLED', subjects: ['killed.>'] });
    const ids = new Set<string>();
    for (let i = 0; i < N; i++) {
      const env = createEnvelope({ subject: 'killed.job', payload: i });
      ids.add(env.id);
      await t.publishDurable(env);
    }

    // A consumer in another process takes a batch, never acks, and is SIGKILLed.
    const fixture = fileURLToPath(new URL('./fixtures/hung-consumer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@cellular/source', '--import', 'tsx', fixture, server.url, 'KILLED', 'workers', '1000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let childGot = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.startsWith('got ')) childGot = Number(line.slice(4));
    });
    await waitFor(() => childGot >= 50, { timeout: 30_000, message: () => `hung consumer received ${childGot}` });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const handled = new Map<string, number>();
    const sub = t.consume({ stream: 'KILLED', durable: 'workers', ackWaitMs: 1000 }, (m) => {
      handled.set(m.envelope.id, Math.max(handled.get(m.envelope.id) ?? 0, m.deliveryAttempt));
    });
    await waitFor(() => handled.size >= N, { timeout: 30_000, message: () => `survivor handled ${handled.size}/${N}` });
    // Those the killed process held came back as redeliveries.
    const redelivered = [...handled.values()].filter((a) => a >= 2).length;
    expect(redelivered).toBeGreaterThanOrEqual(50);
    for (const id of ids) expect(handled.has(id)).toBe(true);

    const jsm = await jetstreamManager(t.connection!);
    await waitFor(async () => {
      const ci = await jsm.consumers.info('KILLED', 'workers');
      return ci.num_ack_pending === 0 && ci.num_pending === 0 && ci.ack_floor.stream_seq === N;
    }, { timeout: 10_000, message: 'consumer still has unacknowledged or pending messages' });
    await sub.drain();
  }, 90_000);
});
