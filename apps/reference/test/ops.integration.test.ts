// The runbooks (`pnpm ops <command>`) against a real data directory and a running app: each command's
// effect is asserted (documents back and searchable after a restore, an old API key refused, plaintext
// gone from library.db, a tampered audit line reported), with its exit code.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppConfig, type RunningApp } from '../src/app.js';
import { runOps } from '../src/runbooks/cli.js';
import { client, tempDir, until } from './helpers.js';

const PHRASE = 'typed in-memory bus';

/** Run a command in-process; returns its exit code and what it printed. */
async function opsWith(env: Record<string, string | undefined>, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { ...process.env, CELLULAR_ENCRYPTION_KEY: undefined, ...env },
    cwd: process.cwd(),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const ops = (...argv: string[]) => opsWith({}, ...argv);

const lastLine = (s: string): string => s.trim().split('\n').at(-1)!;

async function start(dataDir: string, extra: Partial<AppConfig> = {}): Promise<RunningApp> {
  return startApp({ dataDir, port: 0, monitorIntervalMs: 60_000, ...extra });
}

/** Submit the first sample article and wait until it is summarised and searchable. */
async function submitAndIndex(app: RunningApp, key: string, article = 0): Promise<string> {
  const c = client(app.url!, key);
  const sub = await c.post('/api/documents', { url: app.sampleSite!.articles[article]!, tags: ['ops'] });
  expect(sub.status).toBe(202);
  const id = sub.body.id as string;
  await until(async () => ((await c.get(`/api/documents/${id}`)).body?.status === 'summarised' ? true : undefined), 60_000, `document ${id}`);
  return id;
}

const searchIds = async (app: RunningApp, key: string, q: string): Promise<string[]> =>
  ((await client(app.url!, key).get(`/api/search?q=${encodeURIComponent(q)}`)).body.hits as { id: string }[]).map((h) => h.id);

/** Raw bytes of library.db and its WAL: what a disk thief would read. */
const rawLibrary = (dir: string): string =>
  ['library.db', 'library.db-wal'].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)).toString('latin1') : '')).join('');

const rawRows = (dir: string): { id: string; title: string; text: string | null; summary: string }[] => {
  const db = new Database(join(dir, 'library.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, title, text, summary FROM documents').all() as { id: string; title: string; text: string | null; summary: string }[];
  } finally {
    db.close();
  }
};

describe('backup and restore', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let app: RunningApp | undefined;
  let key: string;

  beforeAll(async () => {
    data = await tempDir('ops-backup-');
    app = await start(join(data.dir, 'data'));
    key = app.firstAdminKey!;
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await data.remove();
  });

  it('backs up a running app, refuses to restore over it, and brings the documents back after a loss', async () => {
    const dataDir = join(data.dir, 'data');
    const id = await submitAndIndex(app!, key);
    await until(async () => ((await searchIds(app!, key, 'hardened gateway')).includes(id) ? true : undefined), 20_000, 'indexed');

    const b = await ops('backup', '--data-dir', dataDir, '--to', join(data.dir, 'b1'));
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/Backed up \d file\(s\)/u);
    const manifest = JSON.parse(readFileSync(join(data.dir, 'b1', 'manifest.json'), 'utf8')) as { files: { name: string; sha256: string }[] };
    expect(manifest.files.map((f) => f.name).sort()).toEqual(['api-keys.json', 'audit.log', 'library.db', 'search.db']);
    for (const f of manifest.files) expect(createHash('sha256').update(readFileSync(join(data.dir, 'b1', f.name))).digest('hex')).toBe(f.sha256);

    // a backup directory is never overwritten
    expect((await ops('backup', '--data-dir', dataDir, '--to', join(data.dir, 'b1'))).code).toBe(1);

    // after the backup: a second document, then the data is lost
    const later = await submitAndIndex(app!, key, 1);
    const refused = await ops('restore', '--data-dir', dataDir, '--from', join(data.dir, 'b1'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/CONFLICT: Refusing to restore: the app is running/u);

    await app!.stop();
    app = undefined;
    for (const f of readdirSync(dataDir)) if (/^(library|search)\.db/u.test(f)) rmSync(join(dataDir, f));

    const r = await ops('restore', '--data-dir', dataDir, '--from', join(data.dir, 'b1'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Checked 4 file\(s\)/u);

    app = await start(dataDir);
    const c = client(app.url!, key); // the restored key file still knows the admin key
    const doc = await c.get(`/api/documents/${id}`);
    expect(doc.status).toBe(200);
    expect(doc.body).toMatchObject({ status: 'summarised', title: 'The cellular monolith' });
    expect(doc.body.text).toContain(PHRASE);
    expect((await c.get(`/api/documents/${later}`)).status).toBe(404); // written after the backup
    expect(await searchIds(app, key, 'hardened gateway')).toContain(id);
  }, 120_000); // apps started and stopped on a loaded machine

  it('takes a consistent backup while documents are being written', async () => {
    const c = client(app!.url!, key);
    const writes = Promise.all(Array.from({ length: 8 }, (_, i) => c.post('/api/documents', { url: app!.sampleSite!.articles[i % 3]!, tags: [`w${i}`] })));
    const b = await ops('backup', '--data-dir', join(data.dir, 'data'), '--to', join(data.dir, 'b2'));
    expect(b.code, b.err).toBe(0);
    expect((await writes).every((r) => r.status === 202)).toBe(true);
    expect((await ops('verify-backup', '--from', join(data.dir, 'b2'))).code).toBe(0);
    const db = new Database(join(data.dir, 'b2', 'library.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM documents').pluck().get()).toBeGreaterThanOrEqual(1); // at least the restored one
    } finally {
      db.close();
    }
  }, 120_000);

  it('refuses a backup whose files do not match the manifest', async () => {
    const copy = join(data.dir, 'b1-tampered');
    cpSync(join(data.dir, 'b1'), copy, { recursive: true });
    const keys = readFileSync(join(copy, 'api-keys.json'), 'utf8');
    writeFileSync(join(copy, 'api-keys.json'), keys.replace('"admin"', '"admin2"'));
    const v = await ops('verify-backup', '--from', copy);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/Checksum mismatch for api-keys\.json/u);
    const r = await ops('restore', '--data-dir', join(data.dir, 'elsewhere'), '--from', copy);
    expect(r.code).toBe(1);
    expect(existsSync(join(data.dir, 'elsewhere', 'api-keys.json'))).toBe(false);
    expect((await ops('verify-backup', '--from', join(data.dir, 'b1'))).code).toBe(0);
  });
});

describe('API keys and the audit log', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let app: RunningApp;

  beforeAll(async () => {
    data = await tempDir('ops-keys-');
    app = await start(data.dir, { sampleSite: false });
  }, 60_000);
  afterAll(async () => {
    await app.stop();
    await data.remove();
  });

  it('issues a key and rotates it while the app runs: the old key gets 401, the new one works', async () => {
    const issued = await ops('issue-key', 'alice', 'member', '--data-dir', data.dir);
    expect(issued.code, issued.err).toBe(0);
    const oldKey = lastLine(issued.out);
    expect(oldKey).toMatch(/^ck_/u);
    await until(async () => ((await client(app.url!, oldKey).get('/api/documents')).status === 200 ? true : undefined), 20_000, 'issued key accepted');
    expect((await client(app.url!, oldKey).get('/api/admin/status')).status).toBe(403); // a member, not an admin

    const rotated = await ops('rotate-api-key', 'alice', '--data-dir', data.dir);
    expect(rotated.code, rotated.err).toBe(0);
    const newKey = lastLine(rotated.out);
    expect(newKey).not.toBe(oldKey);
    await until(async () => ((await client(app.url!, oldKey).get('/api/documents')).status === 401 ? true : undefined), 20_000, 'old key refused');
    expect((await client(app.url!, newKey).get('/api/documents')).status).toBe(200);
    expect((await client(app.url!, newKey).get('/api/admin/status')).status).toBe(403); // same role as before

    const unknown = await ops('rotate-api-key', 'nobody', '--data-dir', data.dir);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/NOT_FOUND: No active API key for "nobody"/u);
  }, 120_000); // apps started and stopped on a loaded machine

  it('verifies the audit log, and reports a tampered line with a non-zero exit', async () => {
    const admin = client(app.url!, app.firstAdminKey);
    for (let i = 0; i < 3; i++) expect((await admin.get('/api/documents')).status).toBe(200);
    const log = join(data.dir, 'audit.log');
    await until(async () => Promise.resolve(existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 3 ? true : undefined), 20_000, 'audit entries');
    const ok = await ops('verify-audit', '--data-dir', data.dir);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/is intact: \d+ entries/u);

    const copy = join(data.dir, 'audit-copy.log');
    const lines = readFileSync(log, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"GET"') || l.includes('/api/documents'));
    expect(i).toBeGreaterThanOrEqual(0);
    lines[i] = lines[i]!.replace('/api/documents', '/api/d0cuments');
    writeFileSync(copy, lines.join('\n'));
    const bad = await ops('verify-audit', '--file', copy);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(new RegExp(`FAILED verification[\\s\\S]*line ${i + 1}: hash-mismatch`, 'u'));

    expect((await ops('verify-audit', '--file', join(data.dir, 'missing.log'))).code).toBe(1);
  }, 120_000); // apps started and stopped on a loaded machine
});

describe('encryption at rest', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  const k1 = `k1:${randomBytes(32).toString('base64')}`;
  beforeAll(async () => {
    data = await tempDir('ops-crypt-');
  });
  afterAll(async () => {
    await data.remove();
  });

  it('keeps title, text and summary out of library.db in plaintext when a key is configured, and serves them', async () => {
    const dir = join(data.dir, 'configured');
    const app = await start(dir, { encryptionKey: k1 });
    try {
      const key = app.firstAdminKey!;
      const id = await submitAndIndex(app, key);
      const doc = (await client(app.url!, key).get(`/api/documents/${id}`)).body;
      expect(doc.title).toBe('The cellular monolith');
      expect(doc.text).toContain(PHRASE);
      const row = rawRows(dir).find((r) => r.id === id)!;
      for (const v of [row.title, row.text!, row.summary]) expect(v.startsWith('\u0001enc1:k1:')).toBe(true);
      const raw = rawLibrary(dir);
      expect(raw).not.toContain(PHRASE);
      expect(raw).not.toContain('The cellular monolith');
      expect(raw).not.toContain(doc.summary.slice(0, 30));
      // the documented trade-off: the search index holds the text, or it could not search it
      expect(await searchIds(app, key, 'hardened gateway')).toContain(id);
    } finally {
      await app.stop();
    }
    // the same data without the key: refused with a clear error, never served as garbage
    const keyless = await start(dir, { sampleSite: false });
    try {
      const admin = client(keyless.url!, (await ops('issue-key', 'root', 'admin', '--data-dir', dir)).out.trim().split('\n').at(-1));
      const id = rawRows(dir)[0]!.id;
      const r = await until(async () => {
        const res = await admin.get(`/api/documents/${id}`);
        return res.status === 401 ? undefined : res;
      });
      expect(r.status).toBe(500);
    } finally {
      await keyless.stop();
    }
  }, 120_000); // apps started and stopped on a loaded machine

  it('rotate-encryption-key turns encryption on, re-seals every row under a new key while the app runs, and drops the old key', async () => {
    const dir = join(data.dir, 'rotated');
    const app = await start(dir);
    try {
      const key = app.firstAdminKey!;
      const c = client(app.url!, key);
      const first = await submitAndIndex(app, key);
      expect(rawLibrary(dir)).toContain(PHRASE); // no key yet: plaintext

      const on = await ops('rotate-encryption-key', '--data-dir', dir);
      expect(on.code, on.err).toBe(0);
      expect(on.out).toMatch(/re-sealed[\s\S]*Encryption at rest is now on/u);
      const kid1 = /New content key (\S+):/u.exec(on.out)![1]!;
      expect(rawRows(dir).every((r) => r.text!.startsWith(`\u0001enc1:${kid1}:`))).toBe(true);
      expect((await c.get(`/api/documents/${first}`)).body.text).toContain(PHRASE);

      // the running app follows the key file: a new document is sealed with it
      const second = await submitAndIndex(app, key, 1);
      expect(rawRows(dir).find((r) => r.id === second)!.summary.startsWith(`\u0001enc1:${kid1}:`)).toBe(true);

      const rot = await ops('rotate-encryption-key', '--data-dir', dir);
      expect(rot.code, rot.err).toBe(0);
      const kid2 = /New content key (\S+):/u.exec(rot.out)![1]!;
      expect(kid2).not.toBe(kid1);
      expect(rot.out).toContain(`Old key(s) ${kid1} dropped`);
      for (const r of rawRows(dir)) for (const v of [r.title, r.text!, r.summary]) expect(v.startsWith(`\u0001enc1:${kid2}:`)).toBe(true);
      const keyFile = readFileSync(join(dir, 'encryption.keys'), 'utf8');
      expect(keyFile.trim().split('\n')).toHaveLength(1);
      expect(keyFile.startsWith(`${kid2}:`)).toBe(true);
      expect((await c.get(`/api/documents/${first}`)).body.text).toContain(PHRASE);
      expect((await c.get(`/api/documents/${second}`)).body.title).toBe('Governed regeneration');
      expect(rawLibrary(dir)).not.toContain('Governed regeneration');
    } finally {
      await app.stop();
    }
    // a backup does not carry the key; restoring it where the key is missing says so
    expect((await ops('backup', '--data-dir', dir, '--to', join(data.dir, 'sealed-backup'))).code).toBe(0);
    const r = await ops('restore', '--data-dir', join(data.dir, 'keyless'), '--from', join(data.dir, 'sealed-backup'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sealed with key\(s\) k\d+ that the keyring lacks/u);
  }, 120_000); // apps started and stopped on a loaded machine

  it('rotates a key given in CELLULAR_ENCRYPTION_KEY only while the app is stopped, and prints the value to set', async () => {
    const dir = join(data.dir, 'configured'); // sealed with k1 by the first test
    const app = await start(dir, { encryptionKey: k1, sampleSite: false });
    try {
      const refused = await opsWith({ CELLULAR_ENCRYPTION_KEY: k1 }, 'rotate-encryption-key', '--data-dir', dir);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('CONFLICT: Refusing to rotate a key set in CELLULAR_ENCRYPTION_KEY');
    } finally {
      await app.stop();
    }
    const r = await opsWith({ CELLULAR_ENCRYPTION_KEY: k1 }, 'rotate-encryption-key', '--data-dir', dir);
    expect(r.code, r.err).toBe(0);
    const next = /^CELLULAR_ENCRYPTION_KEY=(.+)$/mu.exec(r.out)![1]!;
    const kid = next.split(':')[0]!;
    expect(kid).not.toBe('k1');
    for (const row of rawRows(dir)) expect(row.text!.startsWith(`\u0001enc1:${kid}:`)).toBe(true);
    const again = await start(dir, { encryptionKey: next, sampleSite: false });
    try {
      const admin = client(again.url!, lastLine((await ops('issue-key', 'root2', 'admin', '--data-dir', dir)).out));
      const id = rawRows(dir)[0]!.id;
      const doc = await until(async () => {
        const res = await admin.get(`/api/documents/${id}`);
        return res.status === 200 ? res.body : undefined;
      });
      expect(doc.text).toContain(PHRASE);
    } finally {
      await again.stop();
    }
  }, 120_000); // apps started and stopped on a loaded machine
});

describe('topology, triggers and usage', () => {
  it('prints the topology from the composition, the same diagram as the README', async () => {
    const m = await ops('topology');
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/^flowchart LR/u);
    expect(readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')).toContain(m.out.trim());
    const j = await ops('topology', '--format', 'json');
    expect(j.code).toBe(0);
    const t = JSON.parse(j.out) as { cells: { name: string }[] };
    expect(t.cells.map((c) => c.name)).toEqual(expect.arrayContaining(['library', 'search', 'fetcher', 'summarizer', 'ops']));
  });

  it('checks the triggers as in CI: a table, exit 0 when nothing fires and 1 when a rule fires', async () => {
    const data = await tempDir('ops-triggers-');
    try {
      mkdirSync(join(data.dir, 'packages', 'tiny', 'src'), { recursive: true });
      writeFileSync(join(data.dir, 'packages', 'tiny', 'src', 'index.ts'), 'export const x = 1;\n');
      const quiet = await ops('check-triggers', '--root', data.dir);
      expect(quiet.code, quiet.out + quiet.err).toBe(0);
      expect(quiet.out).toMatch(/^STATE\s+SEVERITY\s+RULE/u);
      expect(quiet.out).toContain('No trigger fires');
      const rules = join(data.dir, 'rules.json');
      writeFileSync(rules, JSON.stringify([{ name: 'any-code', signal: 'codebase.bytes', op: '>', threshold: 1, severity: 'critical' }]));
      const firing = await ops('check-triggers', '--root', data.dir, '--rules', rules);
      expect(firing.code).toBe(1);
      expect(firing.out).toMatch(/FIRING\s+critical\s+any-code/u);
      writeFileSync(rules, JSON.stringify([{ name: 'Bad Name', signal: 'x', op: '>', threshold: 1 }]));
      expect((await ops('check-triggers', '--root', data.dir, '--rules', rules)).code).toBe(2);
    } finally {
      await data.remove();
    }
  }, 120_000); // measures a codebase on a loaded machine

  it('answers bad usage with exit code 2 and a typed message', async () => {
    const none = await ops();
    expect(none.code).toBe(2);
    expect(none.err).toContain('usage: pnpm ops <command>');
    const unknown = await ops('defragment');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('VALIDATION: unknown command "defragment"');
    const missing = await ops('backup');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('ops backup: VALIDATION: backup needs --to <value>');
    expect((await ops('issue-key', 'bob', 'superuser')).code).toBe(2);
    expect((await ops('topology', '--format', 'svg')).code).toBe(2);
    expect((await ops('restore', '--from')).code).toBe(2);
    expect((await ops('help')).code).toBe(0);
  });

  it('runs as `pnpm ops` does: a separate process with the same exit codes', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const entry = join(import.meta.dirname, '..', 'src', 'ops.ts');
    const run = (...args: string[]) => spawnSync(process.execPath, [tsx, '--conditions=@cellular/source', entry, ...args], { encoding: 'utf8', timeout: 120_000 });
    const ok = run('topology', '--format', 'json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toHaveProperty('cells');
    const bad = run('rotate-api-key');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('rotate-api-key takes 1 argument(s)');
  }, 300_000); // two cold tsx starts on a loaded machine
});
