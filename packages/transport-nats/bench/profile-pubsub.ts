/**
 * One pub→sub run of the transport (or the raw client with `RAW=1`), for profilers:
 *   node --cpu-prof --import tsx bench/profile-pubsub.ts
 *   valgrind --tool=callgrind node --import tsx bench/profile-pubsub.ts
 * Uses the server at BENCH_NATS_URL (default: the machine's NATS).
 */
import { connect } from '@nats-io/transport-node';
import { createEnvelope } from '@cellular/core';
import { createNatsTransport } from '@cellular/transport-nats';

const N = Number(process.env.N ?? 100_000);
const url = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const subject = `profile.ps.${process.pid}`;
const payload = { v: 'x'.repeat(24) };
const body = new TextEncoder().encode(JSON.stringify(payload));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

let got = 0;
let done!: () => void;
const finished = new Promise<void>((r) => (done = r));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
if (process.env.RAW === '1') {
  const nc = await connect({ servers: url });
  nc.subscribe(subject, {
    callback: () => {
      if (++got === N) done();
    },
  });
  await nc.flush();
  for (let i = 0; i < N; i++) {
    nc.publish(subject, body);
    if (i % 1000 === 999) await tick();
  }
  await finished;
  await nc.close();
} else {
  const t = createNatsTransport({ servers: url, maxPendingPublishes: 1_000_000 });
  await t.connect();
  t.subscribe(subject, () => {
    if (++got === N) done();
  });
  await t.connection!.flush();
  for (let i = 0; i < N; i++) {
    t.publish(createEnvelope({ subject, payload }));
    if (i % 1000 === 999) await tick();
  }
  await finished;
  await t.close();
}
const cpu = process.cpuUsage(cpu0);
console.log(
  `${process.env.RAW === '1' ? 'raw' : 'cellular'}: ${N} in ${(performance.now() - t0).toFixed(0)} ms, CPU ${(((cpu.user + cpu.system) * 1000) / N).toFixed(0)} ns/msg`,
);
