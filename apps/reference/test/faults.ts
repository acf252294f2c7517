// Shared pieces of the fault tests: a loopback site whose pages arrive slowly (so a fetch is in progress
// when the fault hits), a private nats-server the test owns (free port, temp store, killed by pid), the
// sandbox's child process found through /proc, and "wait until every submitted link has ended".
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until, type client } from './helpers.js';

/** A loopback site: `/slow/<n>` dribbles an article over ~`dribbleMs`, `/status/<code>` answers that code. */
export interface SlowSite {
  readonly origin: string;
  readonly hostPort: string;
  /** Responses being written right now (a fetch in progress). */
  open(): number;
  /** Requests seen per path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startSlowSite(dribbleMs = 2000, chunks = 10): Promise<SlowSite> {
  const hits = new Map<string, number>();
  const responses = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const status = /^\/status\/(\d{3})$/u.exec(path);
    if (status) {
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end('no');
      return;
    }
    const slow = /^\/slow\/(\w+)$/u.exec(path);
    if (!slow) {
      res.writeHead(404).end();
      return;
    }
    responses.add(res);
    res.once('close', () => responses.delete(res));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.write(`<!doctype html><html><head><title>Slow page ${slow[1]}</title></head><body><article>`);
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed) {
        clearInterval(timer);
        return;
      }
      res.write(`<p>Paragraph ${sent} of slow page ${slow[1]}: a sentence long enough to be worth summarising for the reader.</p>`);
      if (++sent === chunks) {
        clearInterval(timer);
        res.end('</article></body></html>');
      }
    }, dribbleMs / chunks);
    res.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    open: () => responses.size,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of responses) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Pids of this process's children whose command line contains `marker` (Linux /proc). */
export function childPids(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      // the command name in field 2 may contain spaces: the ppid is the 2nd field after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) out.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

export interface Outcome {
  readonly id: string;
  readonly status: string;
  readonly error?: string;
}

/**
 * Wait until every id has ended (summarised or failed); `list` returns the current documents. Returns
 * the outcomes; throws with the stragglers when `timeoutMs` passes.
 */
export async function settleAll(ids: readonly string[], list: () => Promise<readonly Outcome[]>, timeoutMs: number): Promise<Map<string, Outcome>> {
  let last = new Map<string, Outcome>();
  try {
    return await until(
      async () => {
        last = new Map((await list()).map((d) => [d.id, d]));
        return ids.every((id) => ['summarised', 'failed'].includes(last.get(id)?.status ?? '')) ? last : undefined;
      },
      timeoutMs,
      'every submitted link to end',
    );
  } catch (e) {
    const open = ids.filter((id) => !['summarised', 'failed'].includes(last.get(id)?.status ?? '')).map((id) => `${id}=${last.get(id)?.status ?? 'missing'}`);
    throw new Error(`${(e as Error).message}; not ended: ${open.join(', ')}`, { cause: e });
  }
}

/** Every document through the API, 100 per page. */
export async function listAll(api: ReturnType<typeof client>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let offset = 0; ; offset += 100) {
    const r = await api.get(`/api/documents?limit=100&offset=${offset}`);
    if (r.status !== 200) throw new Error(`list: HTTP ${r.status}`);
    out.push(...(r.body.items as Outcome[]));
    if (out.length >= (r.body.total as number) || r.body.items.length === 0) return out;
  }
}

/** Path of the nats-server binary (NATS_SERVER_BIN overrides). */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });

/** A nats-server with JetStream owned by one test: free loopback port, temp store; only it is killed. */
export interface OwnNatsServer {
  readonly url: string;
  /** SIGKILL (no graceful shutdown) and wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port and store directory; resolves when it accepts connections. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startOwnNatsServer(): Promise<OwnNatsServer> {
  if (!existsSync(NATS_SERVER_BIN)) throw new Error(`${NATS_SERVER_BIN} not found`);
  const port = await freePort();
  const store = await mkdtemp(join(tmpdir(), 'reading-room-nats-'));
  let proc: ChildProcess | undefined;
  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  const restart = async (): Promise<void> => {
    if (proc) throw new Error('nats-server already running');
    proc = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: 'ignore' });
    await until(() => portOpen(port).then((open) => (open ? true : undefined)), 15_000, `nats-server on port ${port}`);
  };
  await restart();
  return {
    url: `nats://127.0.0.1:${port}`,
    kill,
    restart,
    dispose: async () => {
      await kill();
      await rm(store, { recursive: true, force: true });
    },
  };
}
