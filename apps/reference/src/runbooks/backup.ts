/**
 * Runbooks `backup` and `restore`. A backup is a directory: a consistent copy of each SQLite file made
 * with `VACUUM INTO` from its own connection (a read transaction, so it is consistent and works while the
 * app writes), the API key hashes, the audit log up to its last complete line, and `manifest.json` with
 * the size and SHA-256 of each file. Restore checks every checksum first, refuses while an app uses the
 * data directory, moves the current files aside (`pre-restore-<time>/`) and puts the backup in place,
 * dropping stale `-wal`/`-shm` files that would otherwise be replayed over the restored database.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CellularError } from '@cellular/core';
import { z } from 'zod';
import { libraryKeyUsage } from '../cells/library/library-cell.js';
import { assertNotRunning, DATA_FILES } from '../data-dir.js';

/** One file of a backup. */
export interface ManifestEntry {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** `manifest.json` of a backup. */
export interface BackupManifest {
  readonly format: 'reading-room-backup';
  readonly version: 1;
  readonly createdAt: string;
  readonly files: readonly ManifestEntry[];
  /** Key ids the library's sealed content needs (empty when stored in plaintext). */
  readonly encryptionKeyIds: readonly string[];
}

const MANIFEST = 'manifest.json';
const ManifestSchema = z.object({
  format: z.literal('reading-room-backup'),
  version: z.literal(1),
  createdAt: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/u) })),
  encryptionKeyIds: z.array(z.string()),
});
const SQLITE = [DATA_FILES.library, DATA_FILES.search] as const;
const PLAIN = [DATA_FILES.apiKeys] as const;
const LOGS = [DATA_FILES.audit, `${DATA_FILES.audit}.checkpoints`] as const;

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function copyDatabase(from: string, to: string): void {
  const db = new Database(from, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.prepare('VACUUM INTO ?').run(to);
  } finally {
    db.close();
  }
  const check = new Database(to, { readonly: true });
  try {
    const result = check.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new CellularError('INTERNAL', `Backup copy of ${from} failed its integrity check: ${String(result)}`);
  } finally {
    check.close();
  }
}

/** Copy an append-only log up to its last complete line (the app may be writing the next one). */
function copyLog(from: string, to: string): void {
  const buf = readFileSync(from);
  const end = buf.lastIndexOf(0x0a) + 1;
  writeFileSync(to, buf.subarray(0, end), { mode: 0o600 });
}

/**
 * Back up the data directory into `to` (created; must not exist or be empty). With `includeKey`, the
 * encryption key file is copied too (by default it is not: a backup should not carry its own key).
 */
export function backup(dataDir: string, to: string, options: { includeKey?: boolean } = {}): BackupManifest {
  if (!existsSync(dataDir)) throw new CellularError('NOT_FOUND', `No data directory at ${dataDir}`);
  if (existsSync(to) && readdirSync(to).length > 0) throw new CellularError('CONFLICT', `Backup directory ${to} is not empty; choose a new one`);
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const names: string[] = [];
  // search first: a document summarised between the two copies is then in the library (and re-indexed
  // when next tagged) rather than a search hit for a document the library does not have
  for (const name of [...SQLITE].reverse()) {
    if (!existsSync(join(dataDir, name))) continue;
    copyDatabase(join(dataDir, name), join(to, name));
    names.push(name);
  }
  for (const name of PLAIN) {
    if (!existsSync(join(dataDir, name))) continue;
    copyFileSync(join(dataDir, name), join(to, name));
    names.push(name);
  }
  for (const name of LOGS) {
    if (!existsSync(join(dataDir, name))) continue;
    copyLog(join(dataDir, name), join(to, name));
    names.push(name);
  }
  if (options.includeKey && existsSync(join(dataDir, DATA_FILES.encryptionKeys))) {
    copyFileSync(join(dataDir, DATA_FILES.encryptionKeys), join(to, DATA_FILES.encryptionKeys));
    names.push(DATA_FILES.encryptionKeys);
  }
  const encryptionKeyIds = names.includes(DATA_FILES.library)
    ? libraryKeyUsage(join(to, DATA_FILES.library))
        .map((k) => k.kid)
        .filter((k) => k !== 'plaintext')
    : [];
  const manifest: BackupManifest = {
    format: 'reading-room-backup',
    version: 1,
    createdAt: new Date().toISOString(),
    files: names.map((name) => ({ name, bytes: statSync(join(to, name)).size, sha256: sha256File(join(to, name)) })),
    encryptionKeyIds,
  };
  writeFileSync(join(to, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/** Read a backup's manifest and check every file against it. Throws VALIDATION naming the first bad file. */
export function verifyBackup(from: string): BackupManifest {
  const path = join(from, MANIFEST);
  if (!existsSync(path)) throw new CellularError('NOT_FOUND', `No ${MANIFEST} in ${from}: not a backup`);
  let manifest: BackupManifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new CellularError('VALIDATION', `${path} is not a reading-room backup manifest (version 1)`, { cause: e });
  }
  const known = new Set<string>([...SQLITE, ...PLAIN, ...LOGS, DATA_FILES.encryptionKeys]);
  for (const f of manifest.files) {
    if (!known.has(f.name)) throw new CellularError('VALIDATION', `Manifest lists an unexpected file "${f.name}"`);
    const p = join(from, f.name);
    if (!existsSync(p)) throw new CellularError('VALIDATION', `Backup file ${f.name} is missing`);
    const actual = sha256File(p);
    if (actual !== f.sha256) {
      throw new CellularError('VALIDATION', `Checksum mismatch for ${f.name}: manifest ${f.sha256.slice(0, 12)}…, file ${actual.slice(0, 12)}…`, {
        data: { file: f.name },
      });
    }
  }
  return manifest;
}

/**
 * Restore a verified backup into `dataDir`. Refuses (CONFLICT) while an app runs on it. The files it
 * replaces are moved to `<dataDir>/pre-restore-<time>/`, returned as `setAside`.
 */
export function restore(dataDir: string, from: string): { manifest: BackupManifest; setAside: string | undefined } {
  const manifest = verifyBackup(from);
  assertNotRunning(dataDir, 'restore');
  mkdirSync(dataDir, { recursive: true });
  const aside = join(dataDir, `pre-restore-${new Date().toISOString().replace(/[:.]/gu, '-')}`);
  let moved = false;
  const setAside = (name: string): void => {
    const p = join(dataDir, name);
    if (!existsSync(p)) return;
    mkdirSync(aside, { recursive: true, mode: 0o700 });
    renameSync(p, join(aside, name));
    moved = true;
  };
  for (const name of [...SQLITE, ...PLAIN, ...LOGS]) {
    setAside(name);
    if ((SQLITE as readonly string[]).includes(name)) {
      setAside(`${name}-wal`);
      rmSync(join(dataDir, `${name}-shm`), { force: true });
    }
  }
  for (const f of manifest.files) {
    const target = join(dataDir, f.name);
    if (f.name === DATA_FILES.encryptionKeys && existsSync(target)) continue; // never replace a live key file
    const tmp = `${target}.restore-tmp`;
    copyFileSync(join(from, f.name), tmp);
    renameSync(tmp, target);
  }
  return { manifest, setAside: moved ? aside : undefined };
}
