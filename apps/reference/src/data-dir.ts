/**
 * The data directory, shared by the app (`pnpm start`) and the runbooks (`pnpm ops`): where each file
 * lives, the API key file (hashes only, written atomically, re-read by a running app when a runbook
 * changes it), the encryption keyring (config, `CELLULAR_ENCRYPTION_KEY`, or a key file), and the
 * markers that tell a runbook an app is using the directory.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellularError } from '@cellular/core';
import type { ApiKeyStore} from '@cellular/gateway';
import { EnvelopeCipher, parseKeyring, type ApiKeyRecord } from '@cellular/gateway';

/** File names inside the data directory. */
export const DATA_FILES = {
  library: 'library.db',
  search: 'search.db',
  apiKeys: 'api-keys.json',
  audit: 'audit.log',
  encryptionKeys: 'encryption.keys',
  running: 'running',
} as const;

/** The data directory `pnpm start` and `pnpm ops` use by default: `CELLULAR_DATA_DIR`, else `./data`. */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>> = process.env, cwd = process.cwd()): string {
  return env.CELLULAR_DATA_DIR ?? join(cwd, 'data');
}

/** Write `content` to `path` through a temporary file and a rename, so readers never see half a file. */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/** API key records (hashes only) from the key file; none when it does not exist. */
export function readApiKeyRecords(path: string): ApiKeyRecord[] {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ApiKeyRecord[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Persist a key store's records (hashes only) atomically, mode 600. */
export function writeApiKeyRecords(path: string, keys: ApiKeyStore): void {
  writeFileAtomic(path, JSON.stringify(keys.records(), null, 2));
}

/**
 * Keep `keys` in step with the key file while the app runs: a runbook (`pnpm ops rotate-api-key`)
 * issues and revokes keys in the file, and the running gateway takes them within `intervalMs`.
 * Records are only added or updated (a revocation is an update), never dropped. A file that cannot be
 * read or parsed is reported to `onError` and the keys stay as they were. Returns the stop function.
 */
export function followApiKeyFile(path: string, keys: ApiKeyStore, onError: (e: unknown) => void, intervalMs = 500): () => void {
  const listener = (): void => {
    try {
      for (const r of readApiKeyRecords(path)) keys.add(r);
    } catch (e) {
      onError(e);
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => {
    unwatchFile(path, listener);
  };
}

/** Where the encryption keyring comes from. */
export type KeyringOrigin = 'config' | 'env' | 'file';

/**
 * The encryption keyring source of a data directory: `key` (config `encryptionKey`) first, then
 * `CELLULAR_ENCRYPTION_KEY`, then `<dataDir>/encryption.keys` (chmod 600). Keyring text is
 * `kid:base64key` entries, the first one active (see the gateway's `parseKeyring`). The key file is
 * re-read when it changes, so a rotation done by `pnpm ops` reaches a running app. Returns `undefined`
 * from `cipher()` while no key is configured (encryption off).
 */
export function keyringSource(options: { dataDir: string; key?: string | undefined; env?: Readonly<Record<string, string | undefined>> }): {
  origin: KeyringOrigin;
  cipher: () => EnvelopeCipher | undefined;
} {
  const env = options.env ?? process.env;
  const fixed = options.key ?? env.CELLULAR_ENCRYPTION_KEY;
  if (fixed !== undefined && fixed !== '') {
    const cipher = new EnvelopeCipher(parseKeyring(fixed, options.key !== undefined ? 'encryptionKey' : 'CELLULAR_ENCRYPTION_KEY'));
    return { origin: options.key !== undefined ? 'config' : 'env', cipher: () => cipher };
  }
  const path = join(options.dataDir, DATA_FILES.encryptionKeys);
  let seen = '';
  let cached: EnvelopeCipher | undefined;
  return {
    origin: 'file',
    cipher: () => {
      let stamp = 'absent';
      try {
        const s = statSync(path);
        stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (stamp !== seen) {
        cached = stamp === 'absent' ? undefined : EnvelopeCipher.fromKeyFile(path);
        seen = stamp;
      }
      return cached;
    },
  };
}

/** A new random 256-bit key as a keyring entry `kid:base64key`. */
export function newKeyringEntry(kid = `k${new Date().toISOString().replace(/[-:.TZ]/gu, '')}`): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}

/**
 * Mark the data directory as in use by this process (`running/<pid>`); the returned function removes
 * the mark. `pnpm ops restore` refuses to overwrite a directory with a live mark.
 */
export function markRunning(dataDir: string): () => void {
  const dir = join(dataDir, DATA_FILES.running);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(process.pid));
  writeFileSync(file, `${new Date().toISOString()}\n`);
  return () => {
    rmSync(file, { force: true });
  };
}

/** Processes that marked the data directory and are still alive (stale marks are removed). */
export function runningProcesses(dataDir: string): number[] {
  const dir = join(dataDir, DATA_FILES.running);
  if (!existsSync(dir)) return [];
  const alive: number[] = [];
  for (const name of readdirSync(dir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
      alive.push(pid);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') alive.push(pid);
      else rmSync(join(dir, name), { force: true });
    }
  }
  return alive;
}

/** Throw CONFLICT when a live app uses the data directory. */
export function assertNotRunning(dataDir: string, action: string): void {
  const pids = runningProcesses(dataDir);
  if (pids.length > 0) {
    throw new CellularError('CONFLICT', `Refusing to ${action}: the app is running on ${dataDir} (pid ${pids.join(', ')}). Stop it first.`, {
      data: { pids },
    });
  }
}
