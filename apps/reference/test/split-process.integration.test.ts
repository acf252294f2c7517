// One process by default, several by configuration: the same scenario as the single process, with the
// fetcher and summarizer in a second OS process and every message between them on NATS. The cells'
// code is unchanged: only CELLULAR_TRANSPORT and --cells differ.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBroker } from '@cellular/testkit';
import { startApp, type RunningApp } from '../src/app.js';
import { client, tempDir, until } from './helpers.js';
import { spawnApp, type AppProcess } from './process.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const broker = await requireBroker(NATS_URL, { name: 'NATS' });

describe.skipIf(!broker.available)(`reading room split over two processes on NATS (${broker.reason})`, () => {
  let workers: AppProcess;
  let app: RunningApp;
  let sampleUrl: string;
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    const d1 = await tempDir();
    const d2 = await tempDir();
    dirs.push(d1, d2);
    workers = spawnApp(['--cells', 'fetcher,summarizer'], { CELLULAR_TRANSPORT: 'nats', NATS_URL, CELLULAR_DATA_DIR: d2.dir });
    sampleUrl = (await workers.waitFor(/Sample site to submit: (\S+)/u))[1]!;
    await workers.waitFor(/Reading room running \(nats; cells: fetcher, summarizer\)/u);
    app = await startApp({ dataDir: d1.dir, port: 0, transport: 'nats', natsUrl: NATS_URL, cells: ['library', 'search'], gateway: true, monitorIntervalMs: 1000 });
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await workers?.kill();
    for (const d of dirs) await d.remove();
  });

  it('runs the fetcher and summarizer only in the second process', () => {
    const local = app.host.health().cells.map((c) => c.name);
    expect(local).toEqual(expect.arrayContaining(['library', 'search', 'ops']));
    expect(local).not.toContain('fetcher');
    expect(local).not.toContain('summarizer');
  });

  it('passes the same scenario as the single process: submit, fetch, summarise, search, read', async () => {
    const admin = client(app.url!, app.firstAdminKey);
    const sub = await admin.post('/api/documents', { url: sampleUrl, tags: ['split'] });
    expect(sub.status).toBe(202);
    const doc = await until(async () => {
      const r = await admin.get(`/api/documents/${sub.body.id}`);
      return r.body.status === 'summarised' || r.body.status === 'failed' ? r.body : undefined;
    }, 60_000, 'summarised over NATS');
    expect(doc).toMatchObject({ status: 'summarised', title: 'The cellular monolith', summaryMethod: 'extractive' });
    const hits = await until(async () => {
      const r = await admin.get('/api/search?q=typed%20bus');
      return r.body.hits.some((h: { id: string }) => h.id === sub.body.id) ? r.body.hits : undefined;
    });
    expect(hits.length).toBeGreaterThan(0);
    const bad = await admin.post('/api/documents', { url: 'http://10.0.0.1/' });
    const failed = await until(async () => {
      const r = await admin.get(`/api/documents/${bad.body.id}`);
      return r.body.status === 'failed' ? r.body : undefined;
    }, 60_000);
    expect(failed.error).toMatch(/^SANDBOX_VIOLATION/u);
  });
});
