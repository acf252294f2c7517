// Load (bounded, loopback only): 150 simulated members, each with its own API key, submit links, search
// and read for a fixed time. Reported: throughput, p50/p99 latency, errors. The bar: zero errors and
// zero lost submissions (every submitted link ends summarised or clearly failed). Then ten more members
// push the gateway's concurrent-user signal past the seeds' 150 and the concurrent-users trigger fires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '@cellular/triggers';
import { startApp, type RunningApp } from '../src/app.js';
import { client, tempDir, until } from './helpers.js';

const MEMBERS = 150;
const DURATION_MS = Number(process.env.LOAD_DURATION_MS ?? 8000);

let app: RunningApp;
let data: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  data = await tempDir();
  const users = DEFAULT_RULES.find((r) => r.name === 'concurrent-users')!;
  // The seeds' rule with its `for` shortened so it can fire within the test.
  app = await startApp({ dataDir: data.dir, port: 0, monitorIntervalMs: 250, triggerRules: [{ ...users, for: 500, keepFiringFor: 0 }] });
});
afterAll(async () => {
  await app.stop();
  await data.remove();
});

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

describe(`load: ${MEMBERS} members for ${DURATION_MS} ms`, () => {
  it('serves every request without error and loses no submission', async () => {
    const keys = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => app.issueKey(`member-${i}`, 'member')));
    const articles = app.sampleSite!.articles;
    const latencies: number[] = [];
    const errors: string[] = [];
    const submitted: string[] = [];
    const end = Date.now() + DURATION_MS;
    const member = async (i: number): Promise<void> => {
      const c = client(app.url!, keys[i]);
      let n = 0;
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      while (Date.now() < end) {
        const roll = (i + n++) % 5;
        const t0 = performance.now();
        const r =
          roll === 0
            ? await c.post('/api/documents', { url: `${articles[(i + n) % articles.length]!}?m=${i}&n=${n}` })
            : roll < 3
              ? await c.get(`/api/search?q=${['cellular', 'gateway', 'trigger', 'sandbox'][n % 4]!}`)
              : await c.get('/api/documents?limit=20');
        latencies.push(performance.now() - t0);
        if (r.status >= 300) errors.push(`${r.status} ${JSON.stringify(r.body)}`);
        else if (roll === 0) submitted.push(r.body.id as string);
        await new Promise((res) => setTimeout(res, 200 + Math.random() * 600));
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: MEMBERS }, (_, i) => member(i)));
    const seconds = (performance.now() - started) / 1000;

    // Every submission must end summarised or failed: none silently lost.
    const admin = client(app.url!, app.firstAdminKey);
    const final = await until(async () => {
      const s = (await admin.get('/api/admin/status')).body.documents as Record<string, number>;
      const done = (s.summarised ?? 0) + (s.failed ?? 0);
      return done === submitted.length ? s : undefined;
    }, 120_000, `${submitted.length} submissions to finish`);
    const report = {
      members: MEMBERS,
      requests: latencies.length,
      rps: Math.round(latencies.length / seconds),
      p50ms: Math.round(pct(latencies, 50)),
      p99ms: Math.round(pct(latencies, 99)),
      errors: errors.length,
      submitted: submitted.length,
      summarised: final.summarised ?? 0,
      failed: final.failed ?? 0,
    };
    console.log(`load report: ${JSON.stringify(report)}`);
    expect(errors.slice(0, 5)).toEqual([]);
    expect(submitted.length).toBeGreaterThan(50);
    expect(report.summarised + report.failed).toBe(submitted.length);
    expect(report.failed).toBe(0);

    // The gateway counted the members as concurrent users.
    const trig = (await admin.get('/api/admin/triggers')).body;
    const users = trig.signals.find((s: { name: string }) => s.name === 'gateway.concurrent_users');
    expect(users.value).toBeGreaterThanOrEqual(MEMBERS);
  }, 240_000);

  it('fires the concurrent-users trigger when more than 150 members are active', async () => {
    const extra = await Promise.all(Array.from({ length: 10 }, (_, i) => app.issueKey(`extra-${i}`, 'member')));
    const admin = client(app.url!, app.firstAdminKey);
    const fired = await until(async () => {
      await Promise.all(extra.map((k) => client(app.url!, k).get('/api/documents?limit=1')));
      const h = (await admin.get('/api/admin/triggers')).body.history as { type: string; transition?: { rule: string; to: string } }[];
      return h.find((e) => e.type === 'transition' && e.transition?.rule === 'concurrent-users' && e.transition.to === 'firing');
    }, 20_000, 'concurrent-users to fire');
    expect(fired).toBeDefined();
  });
});
