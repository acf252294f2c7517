/**
 * Runbooks for keys: issue and rotate API keys (hashes in `api-keys.json`, which a running gateway
 * follows), and rotate the key that seals document content at rest. Encryption rotation is done in
 * three steps so that every row stays readable throughout: write the keyring with the new key first
 * (active) and the old ones after it, re-seal every row (repeated until no row uses an old key, in case
 * the app wrote one meanwhile), and only then drop the old keys (unless asked to keep them).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellularError } from '@cellular/core';
import { ApiKeyStore, EnvelopeCipher, parseKeyring } from '@cellular/gateway';
import { ContentCipher, libraryKeyUsage, resealLibrary } from '../cells/library/library-cell.js';
import { assertNotRunning, DATA_FILES, keyringSource, newKeyringEntry, readApiKeyRecords, writeApiKeyRecords, writeFileAtomic } from '../data-dir.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Issue a key for `principal` with `roles`; returns the key (shown once). */
export function issueApiKey(dataDir: string, principal: string, roles: readonly string[]): { key: string; id: string } {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DATA_FILES.apiKeys);
  const store = new ApiKeyStore(readApiKeyRecords(path));
  const { key, record } = store.issue(principal, { roles });
  writeApiKeyRecords(path, store);
  return { key, id: record.id };
}

/**
 * Rotate `principal`'s API key: issue a new one with the same roles (or `roles`), then revoke every
 * key the principal held. Throws NOT_FOUND when the principal has no active key and no roles are given.
 */
export function rotateApiKey(dataDir: string, principal: string, roles?: readonly string[]): { key: string; id: string; revoked: string[] } {
  const path = join(dataDir, DATA_FILES.apiKeys);
  const store = new ApiKeyStore(readApiKeyRecords(path));
  const now = Date.now();
  const active = store.records().filter((r) => r.principal === principal && r.revokedAt === undefined && (r.expiresAt === undefined || r.expiresAt > now));
  if (active.length === 0 && roles === undefined) {
    throw new CellularError('NOT_FOUND', `No active API key for "${principal}" in ${path}; use issue-key <principal> <role>`);
  }
  const newRoles = roles ?? [...new Set(active.flatMap((r) => r.roles))];
  const { key, record } = store.issue(principal, { roles: newRoles });
  for (const r of active) store.revoke(r.id);
  writeApiKeyRecords(path, store);
  return { key, id: record.id, revoked: active.map((r) => r.id) };
}

/** Key ids of the data directory's current keyring (empty when encryption is off). */
export function keyringIds(dataDir: string, env: Env): string[] {
  const text = env.CELLULAR_ENCRYPTION_KEY ?? (existsSync(join(dataDir, DATA_FILES.encryptionKeys)) ? readFileSync(join(dataDir, DATA_FILES.encryptionKeys), 'utf8') : '');
  return text.trim() === '' ? [] : [...parseKeyring(text).keys.keys()];
}

/** What {@link rotateEncryptionKey} did. */
export interface EncryptionRotation {
  readonly newKeyId: string;
  readonly retiredKeyIds: readonly string[];
  readonly keptOld: boolean;
  readonly rows: number;
  readonly rewritten: number;
  /** Set when the keyring comes from CELLULAR_ENCRYPTION_KEY: the value to set before the next start. */
  readonly envValue?: string;
}

/**
 * Rotate the content encryption key (and turn encryption on when there was none). With the key file
 * (`<dataDir>/encryption.keys`) this is done online: a running app re-reads the file. With
 * `CELLULAR_ENCRYPTION_KEY` the app must be stopped, and the new value is returned to be set.
 */
export function rotateEncryptionKey(dataDir: string, env: Env, options: { keepOld?: boolean } = {}): EncryptionRotation {
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, DATA_FILES.library);
  const source = keyringSource({ dataDir, env });
  const oldIds = keyringIds(dataDir, env);
  const entry = newKeyringEntry();
  const newKeyId = entry.slice(0, entry.indexOf(':'));
  if (oldIds.includes(newKeyId)) throw new CellularError('CONFLICT', `Key id ${newKeyId} already exists; try again in a second`);

  if (source.origin !== 'file') {
    assertNotRunning(dataDir, 'rotate a key set in CELLULAR_ENCRYPTION_KEY');
    const during = `${entry},${env.CELLULAR_ENCRYPTION_KEY ?? ''}`;
    const cipher = new EnvelopeCipher(parseKeyring(during, 'rotation keyring'));
    const r = resealLibrary(dbPath, new ContentCipher(() => cipher));
    const envValue = options.keepOld ? during : entry;
    return { newKeyId, retiredKeyIds: oldIds, keptOld: options.keepOld === true, rows: r.rows, rewritten: r.rewritten, envValue };
  }

  const keyFile = join(dataDir, DATA_FILES.encryptionKeys);
  const oldText = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  // 1. the new key becomes active; the old ones stay readable
  writeFileAtomic(keyFile, `${entry}\n${oldText === '' ? '' : `${oldText}\n`}`);
  // 2. re-seal until no row uses another key (the running app may have sealed one with the old key
  //    between reading the keyring and writing; it reloads on the next write)
  const cipher = new ContentCipher(source.cipher);
  let rewritten = 0;
  let r = resealLibrary(dbPath, cipher);
  for (let round = 1; ; round++) {
    rewritten += r.rewritten;
    if (r.stale === 0) break;
    if (round >= 10) throw new CellularError('CONFLICT', `${r.stale} field(s) still use an old key after 10 rounds; the old keys are kept, run again`);
    r = resealLibrary(dbPath, cipher);
  }
  const rows = r.rows;
  // 3. drop the old keys, only once nothing uses them
  const left = libraryKeyUsage(dbPath).filter((k) => k.kid !== newKeyId);
  if (!options.keepOld && left.length === 0) writeFileAtomic(keyFile, `${entry}\n`);
  return { newKeyId, retiredKeyIds: oldIds, keptOld: options.keepOld === true || left.length > 0, rows, rewritten };
}
