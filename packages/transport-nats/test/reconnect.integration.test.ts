/**
 * Reconnect behaviour on a spawned nats-server: subscriptions and status survive a restart; while
 * disconnected, publishes are buffered up to `maxPendingPublishes` and then fail BACKPRESSURE.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CellularError, createEnvelope, type Envelope, type TransportStatus } from '@cellular/core';
import { waitFor } from '@cellular/testkit';
import { createNatsTransport, type NatsTransport } from '../src/index.js';
import { SpawnedNatsServer, natsServerAvailable, NATS_SERVER_BIN } from './support/nats-server.js';

const skipReason = `skipped: ${NATS_SERVER_BIN} not found (set NATS_SERVER_BIN)`;
if (!natsServerAvailable && process.env.CI === 'true') throw new Error(`${skipReason}, and CI=true`);

describe.skipIf(!natsServerAvailable)(`reconnect on a spawned nats-server${natsServerAvailable ? '' : ` (${skipReason})`}`, () => {
  let server: SpawnedNatsServer;
  const transports: NatsTransport[] = [];

  beforeEach(async () => {
    server = await SpawnedNatsServer.start();
  });
  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close().catch(() => undefined);
    await server.dispose();
  });

  const open = async (maxPendingPublishes?: number): Promise<NatsTransport> => {
    const t = createNatsTransport({ servers: server.url, reconnectTimeWaitMs: 50, ...(maxPendingPublishes === undefined ? {} : { maxPendingPublishes }) });
    transports.push(t);
    await t.connect();
    return t;
  };

  it('subscriptions, queue groups and request handlers survive a server restart; status goes reconnecting then connected', async () => {
    const t = await open();
    const statuses: TransportStatus[] = [];
    t.onStatusChange((s) => statuses.push(s));
    const got: Envelope[] = [];
    t.subscribe('r.events.*', (e) => { got.push(e); });
    t.subscribe('r.rpc', (e) => { t.publish(createEnvelope({ subject: e.replyTo!, payload: 'pong', ...(e.correlationId === undefined ? {} : { correlationId: e.correlationId }) })); }, { queue: 'rpc' });

    await server.kill();
    await waitFor(() => t.status === 'reconnecting', { timeout: 5000 });
    await server.restart();
    await waitFor(() => t.status === 'connected', { timeout: 10_000 });
    expect(statuses).toEqual(['reconnecting', 'connected']);

    t.publish(createEnvelope({ subject: 'r.events.a', payload: 1 }));
    await waitFor(() => got.length === 1, { timeout: 5000 });
    const reply = await t.request(createEnvelope({ subject: 'r.rpc', payload: 'ping', correlationId: 'c-1' }), { timeout: 2000 });
    expect(reply.payload).toBe('pong');
    expect(reply.correlationId).toBe('c-1');
  });

  it('while disconnected, publishes are buffered up to maxPendingPublishes, then fail BACKPRESSURE; the buffered ones arrive after reconnect', async () => {
    const t = await open(5);
    const got: number[] = [];
    t.subscribe('buf.x', (e) => { got.push(e.payload as number); });
    await t.connection!.flush();

    await server.kill();
    await waitFor(() => t.status === 'reconnecting', { timeout: 5000 });
    for (let i = 0; i < 5; i++) t.publish(createEnvelope({ subject: 'buf.x', payload: i }));
    let error: unknown;
    try {
      t.publish(createEnvelope({ subject: 'buf.x', payload: 5 }));
    } catch (e) {
      error = e;
    }
    expect(CellularError.is(error, 'BACKPRESSURE')).toBe(true);
    expect((error as CellularError).data).toMatchObject({ limit: 5, pending: 5, status: 'reconnecting' });
    // Requests are not buffered: refused at once with TRANSPORT_ERROR, whatever the buffer holds
    // (buffered and sent after the reconnect, it would end NO_RESPONDERS or TIMEOUT instead).
    await expect(t.request(createEnvelope({ subject: 'buf.rpc', payload: 0 }), { timeout: 30_000 })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      data: { subject: 'buf.rpc', status: 'reconnecting' },
    });

    await server.restart();
    await waitFor(() => t.status === 'connected', { timeout: 10_000 });
    await waitFor(() => got.length === 5, { timeout: 5000, message: () => `got ${JSON.stringify(got)}` });
    expect(got).toEqual([0, 1, 2, 3, 4]);
    // The bound resets once reconnected.
    t.publish(createEnvelope({ subject: 'buf.x', payload: 6 }));
    await waitFor(() => got.length === 6, { timeout: 5000 });
  });

  it('a request waiting for its reply fails TRANSPORT_ERROR when the connection is lost, not at its timeout; one made while disconnected is refused', async () => {
    const t = await open();
    let received = 0;
    t.subscribe('lost.rpc', () => {
      received++; // never answers
    });
    await t.connection!.flush();
    const outcome = t.request(createEnvelope({ subject: 'lost.rpc', payload: 'ping' }), { timeout: 30_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => received === 1, { timeout: 10_000 });

    await server.kill();
    // Proof by code: its timeout would give TIMEOUT (after 30 s, within this test's 45 s); the disconnect gives TRANSPORT_ERROR.
    const error = await outcome;
    expect(error).toBeInstanceOf(CellularError);
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/"lost\.rpc".*connection was lost/) as unknown,
      data: { subject: 'lost.rpc', status: 'reconnecting' },
    });

    await waitFor(() => t.status === 'reconnecting', { timeout: 5000 });
    await expect(t.request(createEnvelope({ subject: 'lost.rpc', payload: 'again' }), { timeout: 30_000 })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/"lost\.rpc" refused: the NATS connection is lost/) as unknown,
    });
  }, 45_000);

  it('a durable consumer keeps consuming after a server restart (JetStream state on disk)', async () => {
    const t = await open();
    await t.ensureStream({ name: 'RESTART', subjects: ['restart.>'] });
    const got = new Set<unknown>();
    t.consume({ stream: 'RESTART', durable: 'r', ackWaitMs: 2000 }, (m) => { got.add(m.envelope.payload); });
    await t.publishDurable(createEnvelope({ subject: 'restart.a', payload: 'before' }));
    await waitFor(() => got.has('before'), { timeout: 5000 });
    await server.kill();
    await server.restart();
    await waitFor(() => t.status === 'connected', { timeout: 10_000 });
    await waitFor(async () => {
      try {
        await t.publishDurable(createEnvelope({ subject: 'restart.b', payload: 'after', id: 'after-restart-1' }), { timeout: 1000 });
        return true;
      } catch {
        return false;
      }
    }, { timeout: 10_000 });
    await waitFor(() => got.has('after'), { timeout: 15_000, message: () => `got ${JSON.stringify([...got])}` });
  });
});
