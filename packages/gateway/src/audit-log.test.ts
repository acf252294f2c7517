import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { EnvelopeCipher } from './envelope-cipher.js';
import type { Checkpoint } from './internal/audit-format.js';
import { verifyAuditLog } from './verify-audit-log.js';

let dir: string;
let path: string;
const keys = generateKeyPairSync('ed25519');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-audit-'));
  path = join(dir, 'audit.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeLog(n: number, opts: { batches?: number } = {}): Promise<void> {
  const log = await AuditLog.open({ path, checkpointKey: keys.privateKey, flushIntervalMs: 10_000 });
  const batches = opts.batches ?? 1;
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < n / batches; i++) log.append({ requestId: `r${b}-${i}`, decision: i % 3 === 0 ? 'deny' : 'allow', note: 'ü ✓ "quoted"' });
    await log.flush();
  }
  await log.close();
}

async function lines(): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
}
async function writeLines(ls: string[]): Promise<void> {
  await writeFile(path, `${ls.join('\n')}\n`);
}

describe('AuditLog + verifyAuditLog', () => {
  it('writes a chain that verifies, with a signed checkpoint per batch', async () => {
    await writeLog(30, { batches: 3 });
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r).toMatchObject({ ok: true, entries: 30, checkpoints: 3, head: { seq: 30 } });
  });

  it('appendJson takes the event as text or as an object that builds it at sealing, with the same result', async () => {
    const log = await AuditLog.open({ path, checkpointKey: keys.privateKey });
    const event = { requestId: 'r-1', decision: 'allow', note: 'ü "x"' };
    expect(log.appendJson(JSON.stringify(event))).toBe(1);
    expect(log.appendJson({ json: () => JSON.stringify(event) })).toBe(2);
    await log.close();
    const [a, b] = (await lines()).map((l) => JSON.parse(l) as { data: unknown });
    expect(a?.data).toEqual(event);
    expect(b?.data).toEqual(event);
    expect(await verifyAuditLog(path, { key: keys.publicKey })).toMatchObject({ ok: true, entries: 2 });
  });

  it('head names the last appended entry before it is written; the checkpoint signs that head', async () => {
    const checkpoints: Checkpoint[] = [];
    const log = await AuditLog.open({ path, checkpointKey: keys.privateKey, flushIntervalMs: 10_000, onCheckpoint: (cp) => checkpoints.push(cp) });
    // 300 entries: more than one run of hashing (256), the rest still queued when head is read.
    for (let i = 0; i < 300; i++) log.append({ requestId: `r${i}` });
    const head = log.head;
    expect(head.seq).toBe(300);
    await log.close();
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r).toMatchObject({ ok: true, entries: 300, head });
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]).toMatchObject(head);
  });

  it('continues the chain after reopening', async () => {
    await writeLog(5);
    await writeLog(5);
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r.ok).toBe(true);
    expect(r.entries).toBe(10);
  });

  it('detects a change of one byte', async () => {
    await writeLog(10);
    const ls = await lines();
    ls[4] = (ls[4] ?? '').replace('"allow"', '"allOw"');
    await writeLines(ls);
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ kind: 'hash-mismatch', line: 5 });
  });

  it('detects a flipped byte anywhere in any line', async () => {
    await writeLog(6);
    const original = await readFile(path);
    for (let i = 0; i < original.length; i += 37) {
      if (original[i] === 0x0a) continue;
      const copy = Buffer.from(original);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      await writeFile(path, copy);
      const r = await verifyAuditLog(path, { key: keys.publicKey });
      expect(r.ok, `byte ${i}`).toBe(false);
    }
  });

  it('detects a removed entry', async () => {
    await writeLog(10);
    const ls = await lines();
    ls.splice(3, 1);
    await writeLines(ls);
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.kind)).toContain('broken-link');
  });

  it('detects two swapped entries', async () => {
    await writeLog(10);
    const ls = await lines();
    [ls[2], ls[6]] = [ls[6] ?? '', ls[2] ?? ''];
    await writeLines(ls);
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.kind)).toContain('broken-link');
  });

  it('detects truncation through the signed checkpoint, and not without the key', async () => {
    await writeLog(10, { batches: 2 });
    const ls = await lines();
    await writeLines(ls.slice(0, 7));
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.kind)).toContain('truncated');
    expect((await verifyAuditLog(path)).ok).toBe(true); // the chain alone cannot see a cut tail
  });

  it('detects a rewritten chain (consistent hashes) through checkpoints, and forged checkpoints', async () => {
    await writeLog(4);
    const cp = await readFile(`${path}.checkpoints`, 'utf8');
    await rm(path);
    await rm(`${path}.checkpoints`);
    const forger = await AuditLog.open({ path, flushIntervalMs: 10_000 });
    for (let i = 0; i < 4; i++) forger.append({ requestId: `fake-${i}`, decision: 'allow' });
    await forger.close();
    await writeFile(`${path}.checkpoints`, cp);
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r.problems.map((p) => p.kind)).toContain('checkpoint-mismatch');
    const other = generateKeyPairSync('ed25519');
    const forged = await AuditLog.open({ path: join(dir, 'b.jsonl'), checkpointKey: other.privateKey });
    forged.append({ x: 1 });
    await forged.close();
    const r2 = await verifyAuditLog(join(dir, 'b.jsonl'), { key: keys.publicKey });
    expect(r2.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['bad-signature', 'no-checkpoint']));
  });

  it('supports HMAC checkpoints and encrypted entries that still verify without the data key', async () => {
    const hmac = randomBytes(32);
    const cipher = new EnvelopeCipher({ activeKeyId: 'k1', keys: new Map([['k1', randomBytes(32)]]) });
    const log = await AuditLog.open({ path, checkpointKey: hmac, cipher });
    log.append({ requestId: 'secret-request', principal: 'alice' });
    log.appendJson({ json: () => JSON.stringify({ requestId: 'deferred', principal: 'bob' }) }); // the gateway's path
    await log.close();
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('alice');
    expect(text).not.toContain('bob');
    const [first, second] = text.split('\n').map((l) => (l === '' ? undefined : (JSON.parse(l) as { data: { enc: Parameters<EnvelopeCipher['decrypt']>[0] } })));
    expect(JSON.parse(cipher.decrypt(first?.data.enc ?? ({} as never), 'audit:1').toString())).toMatchObject({ principal: 'alice' });
    expect(JSON.parse(cipher.decrypt(second?.data.enc ?? ({} as never), 'audit:2').toString())).toMatchObject({ principal: 'bob' });
    expect((await verifyAuditLog(path, { key: hmac })).ok).toBe(true);
    expect((await verifyAuditLog(path, { key: randomBytes(32) })).ok).toBe(false);
  });

  it('refuses to append after a partial last line', async () => {
    await writeLog(2);
    await writeFile(path, `${await readFile(path, 'utf8')}{"seq":3,"ts`);
    await expect(AuditLog.open({ path })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('the CLI exits 0 on an intact log and 1 on a tampered one', async () => {
    await writeLog(5);
    const pem = join(dir, 'pub.pem');
    await writeFile(pem, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const run = promisify(execFile);
    const bin = join(import.meta.dirname, 'bin', 'cellular-audit.ts');
    const args = ['--conditions=@cellular/source', '--import', 'tsx', bin, 'verify', path, '--public-key', pem];
    const ok = await run(process.execPath, args);
    expect(ok.stdout).toMatch(/^OK: 5 entries/mu);
    const ls = await lines();
    ls.pop();
    await writeLines(ls);
    const bad = await run(process.execPath, args).then(
      () => ({ code: 0, stdout: '' }),
      (e: unknown) => e as { code: number; stdout: string },
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/truncated/u);
  });

  it('loses nothing on close: every appended entry is written, including appends made just before', async () => {
    const log = await AuditLog.open({ path, checkpointKey: keys.privateKey, flushIntervalMs: 60_000, maxBatch: 64 });
    for (let i = 1; i <= 5000; i++) log.append({ requestId: `r${i}` });
    const closing = log.close(); // not awaited before: close must take everything appended so far
    expect(() => log.append({ requestId: 'late' })).not.toThrow(); // still open until the flush ends
    await closing;
    expect(() => log.append({ requestId: 'after' })).toThrow(/unavailable/u);
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r).toMatchObject({ ok: true, entries: 5001, head: { seq: 5001 } });
    expect((await lines()).at(-1)).toMatch(/"requestId":"late"/u);
  });

  it('after an abrupt stop (SIGKILL) keeps every entry of every finished batch, and the chain still verifies', async () => {
    const pem = join(dir, 'key.pem');
    await writeFile(pem, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const child = spawn(process.execPath, ['--conditions=@cellular/source', '--import', 'tsx', join(import.meta.dirname, '..', 'test', 'fixtures', 'audit-writer.ts'), path, pem], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = 0;
    let batches = 0;
    let out = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', () => reject(new Error(`writer exited early after ${batches} batches`)));
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const ls = out.split('\n');
        out = ls.pop() ?? '';
        for (const l of ls) {
          const m = /^cp (\d+)$/u.exec(l);
          if (m?.[1] === undefined) continue;
          acked = Number(m[1]);
          batches++;
        }
        // Kill while it is still appending (it never stops on its own), mid-flush or between flushes.
        if (batches >= 5 && acked >= 2000) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await exited;
    // Everything acknowledged (on disk, fsync'd, checkpointed) is there; a last line cut mid-write by the
    // kill (log or checkpoint file) is the only damage allowed, and only after the acknowledged entries.
    for (const file of [path, `${path}.checkpoints`]) {
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.slice(0, text.lastIndexOf('\n') + 1));
    }
    const r = await verifyAuditLog(path, { key: keys.publicKey });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.entries).toBeGreaterThanOrEqual(acked);
    expect(r.head.seq).toBe(r.entries);
    // The writer can continue the chain after the damaged tail was cut off.
    const log = await AuditLog.open({ path, checkpointKey: keys.privateKey });
    expect(log.append({ requestId: 'after-restart' })).toBe(r.entries + 1);
    await log.close();
    expect((await verifyAuditLog(path, { key: keys.publicKey })).ok).toBe(true);
  }, 60_000);
});
