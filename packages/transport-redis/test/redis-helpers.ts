/**
 * Helpers for the integration tests: reachability of the machine's Redis (skip with a visible reason,
 * fail under CI=true), unique key prefixes with cleanup, and a private redis-server for fault tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Ping Redis once; returns the reason it is unusable, or undefined. */
export async function redisUnavailable(url = REDIS_URL): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (e) {
    return `Redis at ${url} is unreachable (${String(e)})`;
  } finally {
    client.disconnect();
  }
}

/**
 * Resolve whether broker tests run. Prints the reason when they are skipped; throws under CI=true.
 */
export async function shouldSkipRedis(url = REDIS_URL): Promise<boolean> {
  const reason = await redisUnavailable(url);
  if (reason === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires a reachable Redis`);
  console.warn(`[transport-redis] SKIPPING integration tests: ${reason}`);
  return true;
}

let counter = 0;
/** A key prefix no other test run uses. */
export function uniquePrefix(tag: string): string {
  return `cellular-test:${tag}:${process.pid}:${Date.now().toString(36)}:${++counter}:`;
}

/** Delete every key under `prefix`. */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const escaped = prefix.replace(/[*?[\]\\]/gu, (c) => `\\${c}`);
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${escaped}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

/** A redis-server owned by a test: AOF with fsync on every write, on a free port and a temp dir. */
export class PrivateRedis {
  private proc: ChildProcess | undefined;
  readonly dir: string;

  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'cellular-redis-'));
  }

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.spawn();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start (or restart) the server on the same port and directory. */
  async spawn(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always'];
    args.push('--dir', this.dir, '--save', '', '--daemonize', 'no', '--logfile', '');
    const proc = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    this.proc = proc;
    for (let i = 0; i < 100; i++) {
      if ((await redisUnavailable(this.url)) === undefined) return;
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`private redis-server on port ${this.port} did not start`);
  }

  /** SIGKILL the server and wait until it is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Poll until `check` is true or `ms` elapse (a liveness bound, not a timing assertion). */
export async function waitFor(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
