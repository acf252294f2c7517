import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeCipher, parseKeyring } from './envelope-cipher.js';
import { SecretStore } from './secret-store.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ring = (active: string, ...entries: [string, Buffer][]) => new EnvelopeCipher({ activeKeyId: active, keys: new Map(entries) });

describe('EnvelopeCipher', () => {
  it('round-trips with a fresh data key and nonce per record', () => {
    const c = ring('k1', ['k1', k1]);
    const a = c.encrypt('db', 'hunter2');
    const b = c.encrypt('db', 'hunter2');
    expect(a.kid).toBe('k1');
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.tag, 'base64')).toHaveLength(16);
    expect(a.ct).not.toBe(b.ct);
    expect(a.dk).not.toBe(b.dk);
    expect(c.decrypt(a).toString()).toBe('hunter2');
  });

  it('refuses a truncated tag (full 16 bytes required)', () => {
    const c = ring('k1', ['k1', k1]);
    const r = c.encrypt('db', 'hunter2');
    const short = { ...r, tag: Buffer.from(r.tag, 'base64').subarray(0, 4).toString('base64') };
    expect(() => c.decrypt(short)).toThrow(expect.objectContaining({ code: 'VALIDATION' }) as Error);
  });

  it('binds the record id (AAD): a record moved under another id fails', () => {
    const c = ring('k1', ['k1', k1]);
    const r = c.encrypt('db', 'hunter2');
    expect(() => c.decrypt({ ...r, id: 'other' }, 'other')).toThrow(/Cannot decrypt/u);
    expect(() => c.decrypt(r, 'other')).toThrow(/another id/u);
  });

  it('reports an unknown key id and a wrong key clearly', () => {
    const r = ring('k1', ['k1', k1]).encrypt('db', 'x');
    expect(() => ring('k2', ['k2', k2]).decrypt(r)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }) as Error);
    expect(() => ring('k1', ['k1', k2]).decrypt(r)).toThrow(/wrong key or altered record/u);
  });

  it('rotates: new records use the new key, old ones still decrypt, rewrap moves them', () => {
    const old = ring('k1', ['k1', k1]).encrypt('db', 'x');
    const c = ring('k2', ['k2', k2], ['k1', k1]);
    expect(c.decrypt(old).toString()).toBe('x');
    const moved = c.rewrap(old);
    expect(moved.kid).toBe('k2');
    expect(ring('k2', ['k2', k2]).decrypt(moved).toString()).toBe('x');
  });

  it('parses keyrings from env text and refuses bad keys', () => {
    const r = parseKeyring(`k2:${k2.toString('base64')}, k1:${k1.toString('base64')}`);
    expect(r.activeKeyId).toBe('k2');
    expect(r.keys.size).toBe(2);
    expect(() => parseKeyring('k1:c2hvcnQ=')).toThrow(/32 bytes/u);
    expect(() => EnvelopeCipher.fromEnv('NOPE', {})).toThrow(/not set/u);
    expect(EnvelopeCipher.fromEnv('K', { K: `a:${k1.toString('base64')}` }).activeKeyId).toBe('a');
  });
});

describe('SecretStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-secrets-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores encrypted, survives reopen, and never loses data on a wrong key', async () => {
    const path = join(dir, 's.json');
    const s = await SecretStore.open(path, ring('k1', ['k1', k1]));
    await s.set('jwt-secret', 'top secret value');
    await s.set('other', 'v2');
    const raw = await readFile(path, 'utf8');
    expect(raw).not.toContain('top secret');
    const wrong = await SecretStore.open(path, ring('k1', ['k1', k2]));
    expect(() => wrong.get('jwt-secret')).toThrow(/wrong key/u);
    await expect(wrong.rotate()).rejects.toThrow(/wrong key/u);
    expect(await readFile(path, 'utf8')).toBe(raw);
    const again = await SecretStore.open(path, ring('k1', ['k1', k1]));
    expect(again.get('jwt-secret')?.toString()).toBe('top secret value');
  });

  it('rotates every record to the active key', async () => {
    const path = join(dir, 's.json');
    await (await SecretStore.open(path, ring('k1', ['k1', k1]))).set('a', '1');
    const s = await SecretStore.open(path, ring('k2', ['k2', k2], ['k1', k1]));
    expect(await s.rotate()).toBe(1);
    const only2 = await SecretStore.open(path, ring('k2', ['k2', k2]));
    expect(only2.get('a')?.toString()).toBe('1');
    expect([...only2.keyIds().values()]).toEqual(['k2']);
    expect(await only2.delete('a')).toBe(true);
    expect(only2.get('a')).toBeUndefined();
  });

  it('reads key files only when private', async () => {
    const f = join(dir, 'keys');
    await writeFile(f, `k1:${k1.toString('base64')}\n`);
    await chmod(f, 0o644);
    expect(() => EnvelopeCipher.fromKeyFile(f)).toThrow(/chmod 600/u);
    await chmod(f, 0o600);
    expect(EnvelopeCipher.fromKeyFile(f).activeKeyId).toBe('k1');
  });
});
