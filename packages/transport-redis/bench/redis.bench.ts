/**
 * Benchmarks of @cellular/transport-redis against raw ioredis doing the same work in the same process
 * and run: pub/sub throughput, request/reply throughput + p99 (100 in flight), durable
 * publish-and-ack throughput. Each pair runs ROUNDS times alternately; the table shows medians.
 *
 * Run: pnpm --filter @cellular/transport-redis bench   (uses REDIS_URL or the loopback Redis)
 */
import { cpus } from 'node:os';
import { createEnvelope, type Envelope } from '@cellular/core';
import { Redis } from 'ioredis';
// Compiled output on both sides: the raw client is plain JS, so the transport is measured as users run it.
import { createRedisTransport } from '../dist/index.js';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PUBSUB_N = 50_000;
const RR_N = 20_000;
const RR_IN_FLIGHT = 100;
const DURABLE_N = 20_000;
const PREFIX = `cellular-bench:${process.pid}:`;

interface Result {
  readonly rate: number;
  readonly p99?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]!;
};
const envelopes = (n: number, subject: string): Envelope[] =>
  Array.from({ length: n }, (_, i) => createEnvelope({ subject, payload: { i, item: 'sku-1234', qty: 2 } }));
const until = (check: () => boolean): Promise<void> =>
  new Promise((resolve) => {
    const tick = (): void => {
      if (check()) resolve();
      else setImmediate(tick);
    };
    tick();
  });

// ------------------------------------------------------------------ pub/sub
async function rawPubSub(): Promise<Result> {
  const pub = new Redis(URL);
  const sub = new Redis(URL);
  const channel = `${PREFIX}raw.ps`;
  let got = 0;
  sub.on('messageBuffer', (_c: Buffer, m: Buffer) => {
    JSON.parse(m.toString());
    got++;
  });
  await sub.subscribe(channel);
  const envs = envelopes(PUBSUB_N, 'raw.ps');
  const t0 = performance.now();
  for (let i = 0; i < PUBSUB_N; i += 1000) {
    const p = pub.pipeline();
    for (let j = i; j < i + 1000; j++) p.publish(channel, JSON.stringify(envs[j]));
    await p.exec();
  }
  await until(() => got >= PUBSUB_N);
  const ms = performance.now() - t0;
  pub.disconnect();
  sub.disconnect();
  return { rate: (PUBSUB_N / ms) * 1000 };
}

async function transportPubSub(): Promise<Result> {
  const a = createRedisTransport({ url: URL, keyPrefix: PREFIX });
  const b = createRedisTransport({ url: URL, keyPrefix: PREFIX });
  let got = 0;
  b.subscribe('t.ps', () => {
    got++;
  });
  await Promise.all([a.connect(), b.connect()]);
  await new Promise((r) => setTimeout(r, 50));
  const envs = envelopes(PUBSUB_N, 't.ps');
  const t0 = performance.now();
  for (let i = 0; i < PUBSUB_N; i += 1000) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < i + 1000; j++) batch.push(a.publish(envs[j]!));
    await Promise.all(batch);
  }
  await until(() => got >= PUBSUB_N);
  const ms = performance.now() - t0;
  await Promise.all([a.close(), b.close()]);
  return { rate: (PUBSUB_N / ms) * 1000 };
}

// ------------------------------------------------------------------ request/reply
async function rawRequestReply(): Promise<Result> {
  const cPub = new Redis(URL, { enableAutoPipelining: true });
  const cSub = new Redis(URL);
  const sPub = new Redis(URL, { enableAutoPipelining: true });
  const sSub = new Redis(URL);
  const reqChannel = `${PREFIX}raw.rr`;
  const replyChannel = `${PREFIX}_INBOX.raw`;
  sSub.on('messageBuffer', (_c: Buffer, m: Buffer) => {
    const req = JSON.parse(m.toString()) as Envelope;
    void sPub.publish(`${PREFIX}${req.replyTo!}`, JSON.stringify({ ...req, subject: req.replyTo, payload: { ok: true } }));
  });
  const pending = new Map<string, () => void>();
  cSub.on('messageBuffer', (_c: Buffer, m: Buffer) => {
    const rep = JSON.parse(m.toString()) as Envelope;
    const done = pending.get(rep.correlationId!);
    pending.delete(rep.correlationId!);
    done?.();
  });
  await Promise.all([sSub.subscribe(reqChannel), cSub.subscribe(replyChannel)]);
  const envs = envelopes(RR_N, 'raw.rr');
  const latencies: number[] = [];
  let next = 0;
  const one = (env: Envelope): Promise<void> =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      pending.set(env.id, () => {
        latencies.push(performance.now() - t);
        resolve();
      });
      const req = { ...env, replyTo: '_INBOX.raw', correlationId: env.id };
      cPub.publish(reqChannel, JSON.stringify(req)).then((n) => {
        if (n === 0) reject(new Error('no responders'));
      }, reject);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: RR_IN_FLIGHT }, async () => {
      while (next < RR_N) await one(envs[next++]!);
    }),
  );
  const ms = performance.now() - t0;
  for (const c of [cPub, cSub, sPub, sSub]) c.disconnect();
  return { rate: (RR_N / ms) * 1000, p99: percentile(latencies, 99) };
}

async function transportRequestReply(): Promise<Result> {
  const server = createRedisTransport({ url: URL, keyPrefix: PREFIX });
  const client = createRedisTransport({ url: URL, keyPrefix: PREFIX });
  server.subscribe('t.rr', (req) =>
    server.publish({ ...req, subject: req.replyTo!, payload: { ok: true } }),
  );
  await Promise.all([server.connect(), client.connect()]);
  await new Promise((r) => setTimeout(r, 50));
  const envs = envelopes(RR_N, 't.rr');
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: RR_IN_FLIGHT }, async () => {
      while (next < RR_N) {
        const env = envs[next++]!;
        const t = performance.now();
        await client.request(env, { timeout: 10_000 });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - t0;
  await Promise.all([server.close(), client.close()]);
  return { rate: (RR_N / ms) * 1000, p99: percentile(latencies, 99) };
}

// ------------------------------------------------------------------ durable publish + consume + ack
let durableRound = 0;
async function rawDurable(): Promise<Result> {
  const pub = new Redis(URL);
  const reader = new Redis(URL);
  const acker = new Redis(URL, { enableAutoPipelining: true });
  const key = `${PREFIX}raw.s.${++durableRound}`;
  await pub.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
  const envs = envelopes(DURABLE_N, 'raw.durable');
  let consumed = 0;
  let stop = false;
  const t0 = performance.now();
  const consumer = (async () => {
    while (!stop) {
      const res = (await reader.callBuffer('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', 500, 'BLOCK', 100, 'STREAMS', key, '>')) as
        | [Buffer, [Buffer, Buffer[]][]][]
        | null;
      if (!res) continue;
      const entries = res[0]![1];
      const ids: Buffer[] = [];
      for (const [id, fields] of entries) {
        JSON.parse(fields[fields.length - 1]!.toString());
        ids.push(id);
      }
      await acker.xack(key, 'g', ...ids);
      consumed += entries.length;
      if (consumed >= DURABLE_N) stop = true;
    }
  })();
  for (let i = 0; i < DURABLE_N; i += 1000) {
    const p = pub.pipeline();
    for (let j = i; j < i + 1000; j++) p.xadd(key, 'MAXLEN', '~', 100_000, '*', 's', 'raw.durable', 'e', JSON.stringify(envs[j]));
    await p.exec();
  }
  await consumer;
  const ms = performance.now() - t0;
  await pub.del(key);
  for (const c of [pub, reader, acker]) c.disconnect();
  return { rate: (DURABLE_N / ms) * 1000 };
}

async function transportDurable(): Promise<Result> {
  return durableRun(false);
}

async function transportDurablePlain(): Promise<Result> {
  return durableRun(true);
}

/** `plain`: duplicate detection off and drop-oldest: what the raw client does (XADD with MAXLEN ~ only). */
async function durableRun(plain: boolean): Promise<Result> {
  const t = createRedisTransport({ url: URL, keyPrefix: PREFIX, blockMs: 100, ...(plain ? { duplicateWindowMs: 0 } : {}) });
  const name = `T${++durableRound}`;
  await t.ensureStream({ name, subjects: [`t.durable.${durableRound}`], ...(plain ? { overflow: 'drop-oldest' as const } : {}) });
  const envs = envelopes(DURABLE_N, `t.durable.${durableRound}`);
  let consumed = 0;
  // Resolved by the handler, not polled: a polling loop would take a core from Redis and the client
  // (the raw consumer's loop does not poll either).
  let allConsumed!: () => void;
  const done = new Promise<void>((resolve) => (allConsumed = resolve));
  const t0 = performance.now();
  t.consume({ stream: name, durable: 'g' }, () => {
    if (++consumed === DURABLE_N) allConsumed();
  });
  for (let i = 0; i < DURABLE_N; i += 1000) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < i + 1000; j++) batch.push(t.publishDurable(envs[j]!));
    await Promise.all(batch);
  }
  await done;
  await t.drain(); // the last acks are written before the clock stops, as the raw loop awaits its XACK
  const ms = performance.now() - t0;
  return { rate: (DURABLE_N / ms) * 1000 };
}

// ------------------------------------------------------------------ run
async function cleanup(): Promise<void> {
  const r = new Redis(URL);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.unlink(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

const pairs: [string, () => Promise<Result>, () => Promise<Result>][] = [
  [`pub/sub, ${PUBSUB_N} msgs (msg/s)`, rawPubSub, transportPubSub],
  [`request/reply, ${RR_IN_FLIGHT} in flight (req/s)`, rawRequestReply, transportRequestReply],
  [`durable publish + consume + ack, ${DURABLE_N} msgs, dedup + bound check (msg/s)`, rawDurable, transportDurable],
  [`durable publish + consume + ack, ${DURABLE_N} msgs, duplicate detection off (msg/s)`, rawDurable, transportDurablePlain],
];

const rows: string[] = [];
for (const [label, raw, ours] of pairs) {
  const r: Result[] = [];
  const o: Result[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    r.push(await raw());
    o.push(await ours());
  }
  const rRate = median(r.map((x) => x.rate));
  const oRate = median(o.map((x) => x.rate));
  const p99 =
    r[0]?.p99 !== undefined
      ? ` | p99 ${median(r.map((x) => x.p99!)).toFixed(2)} ms vs ${median(o.map((x) => x.p99!)).toFixed(2)} ms`
      : '';
  rows.push(`| ${label} | ${Math.round(rRate).toLocaleString('en')} | ${Math.round(oRate).toLocaleString('en')} | ${(oRate / rRate).toFixed(2)}x${p99} |`);
  console.error(`${label}: raw ${r.map((x) => Math.round(x.rate)).join('/')} ours ${o.map((x) => Math.round(x.rate)).join('/')}`);
}
await cleanup();
console.log(`Node ${process.version}, ${cpus().length} cores, shared machine, Redis at ${URL}, medians of ${ROUNDS} rounds\n`);
console.log('| work | raw ioredis | @cellular/transport-redis | ratio |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(row);
