/**
 * NATS-specific behaviour on the machine's NATS (the conformance suite covers the shared contract):
 * wire format seen by a raw client, interop with plain NATS messages, capabilities from server info,
 * idempotent stream/consumer declaration and updates, durable dead letters with reason headers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { CellularError, HEADERS, createEnvelope, type Envelope } from '@cellular/core';
import { uniqueName, uniqueSubject, waitFor } from '@cellular/testkit';
import { createNatsTransport, type NatsTransport } from '../src/index.js';
import { frameSink } from '../src/nats-transport.js';
import { NATS_URL, natsBroker } from './support/nats-env.js';

describe.skipIf(!natsBroker.available)(`nats transport specifics (${natsBroker.reason})`, () => {
  let raw: NatsConnection;
  let t: NatsTransport;
  const streams: string[] = [];

  beforeAll(async () => {
    raw = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(raw);
    for (const s of streams) await jsm.streams.delete(s).catch(() => false);
    await raw.close();
  });
  afterEach(async () => {
    await t.close();
  });
  const open = async (): Promise<NatsTransport> => {
    t = createNatsTransport({ servers: NATS_URL, name: 'nats-specifics' });
    await t.connect();
    return t;
  };
  it('the pinned client still has the protocol shape the whole-frame publish path needs', async () => {
    await open();
    // The frame path falls back to nc.publish silently when the client's internals change shape; this
    // test makes a client upgrade that breaks it visible (the fallback is correct, only slower).
    const sink = frameSink(raw);
    expect(sink).toBeDefined();
    expect(typeof sink?.sendCommand).toBe('function');
    expect(sink?.isClosed()).toBe(false);
  });

  const stream = (): string => {
    const s = uniqueName('NT');
    streams.push(s);
    return s;
  };

  it('maxPayload comes from the server INFO', async () => {
    await open();
    expect(t.capabilities.maxPayload).toBe(raw.info?.max_payload);
  });

  it('a raw NATS client sees the payload as the body and metadata as readable headers', async () => {
    await open();
    const subject = uniqueSubject('nt.wire');
    const sub = raw.subscribe(subject, { max: 1 });
    await raw.flush();
    const env = createEnvelope({ subject, payload: { hello: 'world' }, headers: { [HEADERS.traceparent]: '00-aa-bb-01' }, correlationId: 'c9' });
    t.publish(env);
    for await (const m of sub) {
      expect(m.json()).toEqual({ hello: 'world' });
      expect(m.headers?.get('Nats-Msg-Id')).toBe(env.id);
      expect(m.headers?.get('traceparent')).toBe('00-aa-bb-01');
      expect(m.headers?.get('cellular-correlation-id')).toBe('c9');
    }
  });

  it('plain NATS messages (no Cellular headers) decode; a raw request reaches a Cellular responder', async () => {
    await open();
    const subject = uniqueSubject('nt.interop');
    const got: Envelope[] = [];
    t.subscribe(subject, (e) => {
      got.push(e);
      if (e.replyTo !== undefined) t.publish(createEnvelope({ subject: e.replyTo, payload: { ok: true } }));
    });
    await t.connection!.flush();
    const h = natsHeaders();
    h.set('x-user', 'u1');
    raw.publish(subject, JSON.stringify(5), { headers: h });
    await waitFor(() => got.length === 1, { timeout: 5000 });
    expect(got[0]).toMatchObject({ subject, payload: 5, headers: { 'x-user': 'u1' }, attempt: 1 });
    const reply = await raw.request(subject, JSON.stringify('q'), { timeout: 2000 });
    expect(reply.json()).toEqual({ ok: true });
  });

  it('ensureStream creates, verifies, updates compatible changes, and refuses a storage change with CONFLICT', async () => {
    await open();
    const name = stream();
    const base = uniqueSubject('nt.s');
    await t.ensureStream({ name, subjects: [`${base}.>`] });
    await t.ensureStream({ name, subjects: [`${base}.>`] });
    await t.ensureStream({ name, subjects: [`${base}.>`, `${base}2.>`], maxMessages: 10, overflow: 'drop-oldest' });
    const jsm = await jetstreamManager(raw);
    const info = await jsm.streams.info(name);
    expect(info.config).toMatchObject({ max_msgs: 10, discard: 'old' });
    expect([...info.config.subjects].sort()).toEqual([`${base}.>`, `${base}2.>`].sort());

    const memory = createNatsTransport({ servers: NATS_URL, storage: 'memory' });
    await memory.connect();
    try {
      await expect(memory.ensureStream({ name, subjects: [`${base}.>`] })).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await memory.close();
    }
  });

  it('drop-oldest keeps the newest maxMessages; block waits then fails within its timeout', async () => {
    await open();
    const name = stream();
    const base = uniqueSubject('nt.o');
    await t.ensureStream({ name, subjects: [`${base}.>`], maxMessages: 3, overflow: 'drop-oldest' });
    for (let i = 0; i < 5; i++) await t.publishDurable(createEnvelope({ subject: `${base}.x`, payload: i }));
    const jsm = await jetstreamManager(raw);
    expect((await jsm.streams.info(name)).state).toMatchObject({ messages: 3, first_seq: 3 });

    const blocking = stream();
    const b = uniqueSubject('nt.b');
    await t.ensureStream({ name: blocking, subjects: [`${b}.>`], maxMessages: 1, overflow: 'block' });
    await t.publishDurable(createEnvelope({ subject: `${b}.x`, payload: 0 }));
    // Full for the whole timeout: BACKPRESSURE when a retry was refused, TIMEOUT when (on a loaded
    // machine) an attempt's ack was still out at the deadline; never stored.
    const err = await t.publishDurable(createEnvelope({ subject: `${b}.x`, payload: 1 }), { timeout: 300 }).then(() => undefined, (e: unknown) => e);
    expect(CellularError.is(err, 'BACKPRESSURE', 'TIMEOUT')).toBe(true);
    // Block waits for capacity: a publish with a generous timeout is stored once a message is removed.
    const waiting = t.publishDurable(createEnvelope({ subject: `${b}.x`, payload: 2 }), { timeout: 20_000 });
    expect((await jsm.streams.info(blocking)).state).toMatchObject({ messages: 1, last_seq: 1 });
    await jsm.streams.deleteMessage(blocking, 1);
    const ack = await waiting;
    expect(ack).toMatchObject({ stream: blocking, duplicate: false });
    expect((await jsm.streams.info(blocking)).state).toMatchObject({ messages: 1, last_seq: ack.seq });
    expect((await jsm.streams.getMessage(blocking, { seq: Number(ack.seq) }))?.json()).toBe(2);
  }, 30_000);

  it('dead letters go durably into a stream that captures the DLQ subject, keeping the envelope id, with reason headers', async () => {
    await open();
    const name = stream();
    const dlqStream = stream();
    const base = uniqueSubject('nt.d');
    const dlqSubject = uniqueSubject('nt.dlq');
    await t.ensureStream({ name, subjects: [`${base}.>`] });
    await t.ensureStream({ name: dlqStream, subjects: [dlqSubject] });
    const env = createEnvelope({ subject: `${base}.job`, payload: 'poison' });
    await t.publishDurable(env);
    const attempts: number[] = [];
    const sub = t.consume({ stream: name, durable: 'w', maxDeliver: 2, backoffMs: [20], deadLetterSubject: dlqSubject }, (m) => {
      attempts.push(m.deliveryAttempt);
      throw new Error('cannot process');
    });
    const dead: Envelope[] = [];
    const dsub = t.consume({ stream: dlqStream, durable: 'audit' }, (m) => { dead.push(m.envelope); });
    await waitFor(() => dead.length === 1, { timeout: 5000 });
    expect(attempts).toEqual([1, 2]);
    expect(dead[0]).toMatchObject({ id: env.id, payload: 'poison', subject: dlqSubject });
    expect(dead[0]?.headers[HEADERS.deadLetterReason]).toContain('cannot process');
    expect(dead[0]?.headers[HEADERS.originalSubject]).toBe(`${base}.job`);
    await sub.drain();
    await dsub.drain();
    const jsm = await jetstreamManager(raw);
    const ci = await jsm.consumers.info(name, 'w');
    expect(ci.num_ack_pending).toBe(0);
    expect(ci.num_pending).toBe(0);
  });

  it('a second consume() on an existing durable with changed settings updates it', async () => {
    await open();
    const name = stream();
    const base = uniqueSubject('nt.u');
    await t.ensureStream({ name, subjects: [`${base}.>`] });
    const a = t.consume({ stream: name, durable: 'upd', ackWaitMs: 1000 }, () => undefined);
    const jsm = await jetstreamManager(raw);
    await waitFor(async () => (await jsm.consumers.info(name, 'upd').catch(() => undefined))?.config.ack_wait === 1000e6, { timeout: 5000 });
    await a.drain();
    const b = t.consume({ stream: name, durable: 'upd', ackWaitMs: 2000 }, () => undefined);
    await waitFor(async () => (await jsm.consumers.info(name, 'upd')).config.ack_wait === 2000e6, { timeout: 5000 });
    await b.drain();
  });

  it('consume() on a missing stream ends the subscription (closed resolves) instead of hanging', async () => {
    await open();
    const sub = t.consume({ stream: uniqueName('MISSING'), durable: 'x' }, () => undefined);
    await sub.closed;
    expect(t.status).toBe('connected');
  });

  it('consumers do not accumulate: with consumerInactiveMs the server deletes a closed transport\'s durable; without it the durable stays', async () => {
    await open();
    const name = stream();
    const base = uniqueSubject('nt.idle');
    await t.ensureStream({ name, subjects: [`${base}.>`] });
    const jsm = await jetstreamManager(raw);
    const exists = (durable: string): Promise<boolean> => jsm.consumers.info(name, durable).then(() => true, () => false);
    const short = createNatsTransport({ servers: NATS_URL, consumerInactiveMs: 1000 });
    await short.connect();
    const got: unknown[] = [];
    short.consume({ stream: name, durable: 'temporary' }, (m) => {
      got.push(m.envelope.payload);
    });
    t.consume({ stream: name, durable: 'kept' }, () => undefined);
    await t.publishDurable(createEnvelope({ subject: `${base}.a`, payload: 1 }));
    await waitFor(() => got.length === 1, { timeout: 15_000 });
    expect((await jsm.consumers.info(name, 'temporary')).config.inactive_threshold).toBe(1_000_000_000);
    await short.close();
    await t.close();
    await waitFor(async () => !(await exists('temporary')), { timeout: 30_000, interval: 200 });
    expect(await exists('temporary')).toBe(false);
    expect(await exists('kept')).toBe(true);
    await open(); // afterEach closes it
  });
});
