// The newcomer's path through real HTTP on the default embedded setup (in-memory bus, SQLite): submit a
// link to the local sample site, watch it be fetched in the sandbox and summarised, search and read it;
// plus authentication, roles, the sandbox refusing a private address, the live feed, and a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { client, tempDir, until } from './helpers.js';

let app: RunningApp;
let data: Awaited<ReturnType<typeof tempDir>>;
let admin: ReturnType<typeof client>;
let adminKey: string;

beforeAll(async () => {
  data = await tempDir();
  app = await startApp({ dataDir: data.dir, port: 0, monitorIntervalMs: 500 });
  adminKey = app.firstAdminKey!;
  admin = client(app.url!, adminKey);
});
afterAll(async () => {
  await app.stop();
  await data.remove();
});

const summarised = (id: string) =>
  until(async () => {
    const r = await admin.get(`/api/documents/${id}`);
    return r.body?.status === 'summarised' || r.body?.status === 'failed' ? r.body : undefined;
  }, 30_000, `document ${id} to finish`);

describe('reading room over HTTP', () => {
  it('prints a first admin key and serves the page', async () => {
    expect(adminKey).toMatch(/^ck_/u);
    const page = await fetch(`${app.url!}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Reading room');
  });

  it('fetches, summarises, indexes and serves a submitted link', async () => {
    const url = app.sampleSite!.articles[0]!;
    const sub = await admin.post('/api/documents', { url, tags: ['intro'] });
    expect(sub.status).toBe(202);
    expect(sub.body.status).toBe('queued');
    const doc = await summarised(sub.body.id);
    expect(doc).toMatchObject({ status: 'summarised', title: 'The cellular monolith', summaryMethod: 'extractive', tags: ['intro'] });
    expect(doc.text).toContain('typed in-memory bus');
    expect(doc.text).not.toContain('var tracking');
    expect(doc.summary.length).toBeGreaterThan(40);
    const hits = await until(async () => {
      const r = await admin.get('/api/search?q=hardened%20gateway');
      return r.body.hits.length > 0 ? r.body.hits : undefined;
    });
    expect(hits[0]).toMatchObject({ id: sub.body.id, title: 'The cellular monolith' });
    expect(hits[0].snippet).toContain('[gateway]');
    const list = await admin.get('/api/documents?tag=intro');
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(sub.body.id);
  });

  it('marks a link to a private address failed with the sandbox refusal, and keeps serving', async () => {
    const sub = await admin.post('/api/documents', { url: 'http://169.254.169.254/latest/meta-data/' });
    const doc = await summarised(sub.body.id);
    expect(doc.status).toBe('failed');
    expect(doc.error).toMatch(/^SANDBOX_VIOLATION/u);
    expect((await admin.get('/api/documents')).status).toBe(200);
  });

  it('marks a page that answers 404 failed at once (no retries of a permanent error)', async () => {
    const sub = await admin.post('/api/documents', { url: `${app.sampleSite!.origin}/articles/missing.html` });
    const doc = await summarised(sub.body.id);
    expect(doc).toMatchObject({ status: 'failed', error: expect.stringMatching(/^NOT_FOUND: HTTP 404/u) });
  });

  it('rejects bad input with a typed error and loses nothing', async () => {
    const bad = await admin.post('/api/documents', { url: 'ftp://example.org/x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION');
    const unknown = await admin.post('/api/documents', { url: 'https://example.org', admin: true });
    expect(unknown.status).toBe(400);
    expect((await admin.get('/api/documents/notanid')).status).toBe(400);
    expect((await admin.get('/api/documents/0000000000000000000000zz')).body.error.code).toBe('VALIDATION');
  });

  it('authenticates and authorises: no key 401, member 403 on admin routes, admin allowed', async () => {
    expect((await client(app.url!).get('/api/documents')).status).toBe(401);
    expect((await client(app.url!, 'ck_wrong').get('/api/documents')).status).toBe(401);
    const member = client(app.url!, await app.issueKey('alice', 'member'));
    expect((await member.get('/api/documents')).status).toBe(200);
    expect((await member.get('/api/admin/status')).status).toBe(403);
    const status = await admin.get('/api/admin/status');
    expect(status.status).toBe(200);
    expect(status.body.documents.summarised).toBeGreaterThanOrEqual(1);
  });

  it('streams status changes live to a subscriber', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${app.url!}/api/events`, { headers: { 'x-api-key': adminKey, accept: 'text/event-stream' }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const sub = await admin.post('/api/documents', { url: app.sampleSite!.articles[1]! });
    let buf = '';
    const seen = new Set<string>();
    const deadline = Date.now() + 20_000;
    while (!seen.has('summarised') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      for (const m of buf.matchAll(/"id":"(\w+)","status":"(\w+)"/gu)) if (m[1] === sub.body.id) seen.add(m[2]!);
    }
    ctrl.abort();
    expect([...seen]).toEqual(expect.arrayContaining(['queued', 'fetching', 'fetched', 'summarised']));
  });

  it('serves the topology and triggers to admins', async () => {
    const topo = await admin.get('/api/admin/topology');
    expect(topo.body.topology.cells.map((c: { name: string }) => c.name)).toEqual(['fetcher', 'library', 'ops', 'search', 'summarizer']);
    expect(topo.body.mermaid).toContain('flowchart');
    const trig = await until(async () => {
      const r = await admin.get('/api/admin/triggers');
      return r.body.signals.length > 0 ? r.body : undefined;
    });
    expect(trig.signals.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['process.cpu_percent', 'gateway.concurrent_users']));
    expect(trig.instances.length).toBeGreaterThan(0);
  });
});

describe('restart', () => {
  it('keeps documents and keys across a restart on the same data dir', async () => {
    const before = (await admin.get('/api/documents')).body.total as number;
    await app.stop();
    app = await startApp({ dataDir: data.dir, port: 0, monitorIntervalMs: 500 });
    expect(app.firstAdminKey).toBeUndefined();
    admin = client(app.url!, adminKey);
    const after = await admin.get('/api/documents');
    expect(after.status).toBe(200);
    expect(after.body.total).toBe(before);
  });
});
