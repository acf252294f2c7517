/**
 * Benchmarks of the NATS transport against the raw @nats-io v3 client doing the same work, in the same
 * process and run, on a private nats-server (spawned on a free loopback port with a temp store dir;
 * set BENCH_NATS_URL to use another server). Each scenario alternates raw and Cellular, ROUNDS times,
 * and prints medians and the ratio Cellular/raw as a markdown table.
 *
 *   pnpm bench                      # builds core and this package, then all scenarios
 *   ROUNDS=5 PUBSUB_N=500000 pnpm bench
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createEnvelope, newMessageId } from '@cellular/core';
// The built package (self-reference, resolves to dist): benchmarks measure what users run, not tsx output.
import { createNatsTransport, type NatsTransport } from '@cellular/transport-nats';
import { SpawnedNatsServer } from '../test/support/nats-server.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PUBSUB_N = Number(process.env.PUBSUB_N ?? 200_000);
const RR1_N = Number(process.env.RR1_N ?? 3000);
const RR100_N = Number(process.env.RR100_N ?? 30_000);
const JS1_N = Number(process.env.JS1_N ?? 2000);
const JS100_N = Number(process.env.JS100_N ?? 20_000);
const payload32 = { v: 'x'.repeat(24) }; // 32 bytes of JSON
const body32 = new TextEncoder().encode(JSON.stringify(payload32));

interface Result {
  rate: number;
  p50?: number;
  p99?: number;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

let url = process.env.BENCH_NATS_URL;
let server: SpawnedNatsServer | undefined;
if (url === undefined) {
  server = await SpawnedNatsServer.start();
  url = server.url;
}

const rawConn = (): Promise<NatsConnection> => connect({ servers: url });
const cellular = async (): Promise<NatsTransport> => {
  const t = createNatsTransport({ servers: url, maxPendingPublishes: 1_000_000 });
  await t.connect();
  return t;
};

// ------------------------------------------------------------------ pub/sub
async function pubsubRaw(withHeaders: boolean): Promise<Result> {
  const nc = await rawConn();
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  nc.subscribe('bench.ps', {
    callback: (_e, m) => {
      if (withHeaders) {
        // Same work as the transport: read the metadata headers and decode the body.
        m.headers?.get('Nats-Msg-Id');
        JSON.parse(new TextDecoder().decode(m.data));
      }
      if (++got === PUBSUB_N) done();
    },
  });
  await nc.flush();
  const t0 = performance.now();
  for (let i = 0; i < PUBSUB_N; i++) {
    if (withHeaders) {
      const h = natsHeaders();
      h.set('Nats-Msg-Id', newMessageId());
      h.set('cellular-ts', String(Date.now()));
      nc.publish('bench.ps', new TextEncoder().encode(JSON.stringify(payload32)), { headers: h });
    } else nc.publish('bench.ps', body32);
    if (i % 1000 === 999) await tick();
  }
  await finished;
  const rate = PUBSUB_N / ((performance.now() - t0) / 1000);
  await nc.close();
  return { rate };
}

async function pubsubCellular(): Promise<Result> {
  const t = await cellular();
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  t.subscribe('bench.ps', () => {
    if (++got === PUBSUB_N) done();
  });
  await t.connection!.flush();
  const t0 = performance.now();
  for (let i = 0; i < PUBSUB_N; i++) {
    t.publish(createEnvelope({ subject: 'bench.ps', payload: payload32 }));
    if (i % 1000 === 999) await tick();
  }
  await finished;
  const rate = PUBSUB_N / ((performance.now() - t0) / 1000);
  await t.close();
  return { rate };
}

// ------------------------------------------------------------------ request/reply
async function runRequests(n: number, inFlight: number, one: () => Promise<unknown>): Promise<Result> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        next++;
        const s = performance.now();
        await one();
        lat.push(performance.now() - s);
      }
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  lat.sort((a, b) => a - b);
  return { rate, p50: pct(lat, 0.5) * 1000, p99: pct(lat, 0.99) * 1000 };
}

async function rrRaw(n: number, inFlight: number): Promise<Result> {
  const responder = await rawConn();
  const requester = await rawConn();
  responder.subscribe('bench.rr', { callback: (_e, m) => { m.respond(m.data); } });
  await responder.flush();
  const r = await runRequests(n, inFlight, () => requester.request('bench.rr', body32, { timeout: 5000 }));
  await requester.close();
  await responder.close();
  return r;
}

async function rrCellular(n: number, inFlight: number): Promise<Result> {
  const responder = await cellular();
  const requester = await cellular();
  responder.subscribe('bench.rr', (e) => {
    const reply = createEnvelope({ subject: e.replyTo!, payload: e.payload });
    if (e.correlationId !== undefined) reply.correlationId = e.correlationId;
    responder.publish(reply);
  });
  await responder.connection!.flush();
  const r = await runRequests(n, inFlight, () => requester.request(createEnvelope({ subject: 'bench.rr', payload: payload32, correlationId: newMessageId() }), { timeout: 5000 }));
  await requester.close();
  await responder.close();
  return r;
}

// ------------------------------------------------------------------ JetStream publish + ack
let streamNo = 0;
async function withStream<T>(fn: (subject: string) => Promise<T>): Promise<T> {
  const nc = await rawConn();
  const jsm = await jetstreamManager(nc);
  const name = `BENCH_${process.pid}_${++streamNo}`;
  const subject = `bench.js.${streamNo}`;
  await jsm.streams.add({ name, subjects: [subject], max_msgs: 1_000_000, storage: 'file' });
  try {
    return await fn(subject);
  } finally {
    await jsm.streams.delete(name).catch(() => false);
    await nc.close();
  }
}

async function jsRaw(n: number, inFlight: number): Promise<Result> {
  return withStream(async (subject) => {
    const nc = await rawConn();
    const js = jetstream(nc);
    const r = await runRequests(n, inFlight, () => js.publish(subject, body32, { msgID: newMessageId() }));
    await nc.close();
    return r;
  });
}

async function jsCellular(n: number, inFlight: number): Promise<Result> {
  return withStream(async (subject) => {
    const t = await cellular();
    const r = await runRequests(n, inFlight, () => t.publishDurable(createEnvelope({ subject, payload: payload32 })));
    await t.close();
    return r;
  });
}

// ------------------------------------------------------------------ run
interface Row {
  name: string;
  raw: Result[];
  cel: Result[];
  anchor: string;
}
const rows: Row[] = [];
async function scenario(name: string, anchor: string, raw: () => Promise<Result>, cel: () => Promise<Result>): Promise<void> {
  const row: Row = { name, raw: [], cel: [], anchor };
  rows.push(row);
  await raw(); // warm-up (JIT, connections)
  await cel();
  for (let i = 0; i < ROUNDS; i++) {
    row.raw.push(await raw());
    row.cel.push(await cel());
    process.stderr.write(`${name} round ${i + 1}: raw ${Math.round(row.raw.at(-1)!.rate)}/s, cellular ${Math.round(row.cel.at(-1)!.rate)}/s\n`);
  }
}

const only = process.env.ONLY;
const want = (k: string): boolean => only === undefined || only.split(',').includes(k);
if (want('pubsub')) {
  // Three-way, interleaved: raw bytes only, raw doing the same work (headers + JSON), Cellular.
  const bytes: Row = { name: 'pub→sub 32 B, same process', anchor: 'raw, bytes only (no metadata)', raw: [], cel: [] };
  const same: Row = { name: 'pub→sub 32 B, same process', anchor: 'raw + id/ts headers + JSON (same work)', raw: [], cel: [] };
  rows.push(bytes, same);
  await pubsubRaw(false);
  await pubsubRaw(true);
  await pubsubCellular();
  for (let i = 0; i < ROUNDS; i++) {
    bytes.raw.push(await pubsubRaw(false));
    same.raw.push(await pubsubRaw(true));
    const c = await pubsubCellular();
    bytes.cel.push(c);
    same.cel.push(c);
    process.stderr.write(`pubsub round ${i + 1}: raw ${Math.round(bytes.raw.at(-1)!.rate)}/s, raw+headers ${Math.round(same.raw.at(-1)!.rate)}/s, cellular ${Math.round(c.rate)}/s\n`);
  }
}
if (want('rr')) {
  await scenario('request/reply, 1 in flight', 'raw nc.request', () => rrRaw(RR1_N, 1), () => rrCellular(RR1_N, 1));
  await scenario('request/reply, 100 in flight', 'raw nc.request', () => rrRaw(RR100_N, 100), () => rrCellular(RR100_N, 100));
}
if (want('js')) {
  await scenario('JetStream publish+ack (file), 1 in flight', 'raw js.publish + msgID', () => jsRaw(JS1_N, 1), () => jsCellular(JS1_N, 1));
  await scenario('JetStream publish+ack (file), 100 in flight', 'raw js.publish + msgID', () => jsRaw(JS100_N, 100), () => jsCellular(JS100_N, 100));
}

const fmt = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
const lat = (rs: Result[]): string => (rs[0]?.p99 === undefined ? '' : ` (p50 ${median(rs.map((r) => r.p50!)).toFixed(0)} µs, p99 ${median(rs.map((r) => r.p99!)).toFixed(0)} µs)`);
console.log(`\nNode ${process.version}, ${cpus().length} cores, ${ROUNDS} rounds (medians), server ${url}${server ? ' (private nats-server)' : ''}\n`);
console.log('| work | anchor | raw msg/s | Cellular msg/s | ratio |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const raw = median(r.raw.map((x) => x.rate));
  const cel = median(r.cel.map((x) => x.rate));
  console.log(`| ${r.name} | ${r.anchor} | ${fmt(raw)}${lat(r.raw)} | ${fmt(cel)}${lat(r.cel)} | ${(cel / raw).toFixed(2)}x |`);
}
await server?.dispose();
