// Shared test scaffolding: contracts, a real bus with a trusted core cell, a loopback HTTP server
// with hostile routes, and temp folders with symlinks pointing out of the grant.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus } from '@cellular/bus';
import type { Bus } from '@cellular/bus';
import { defineContract, silentLogger } from '@cellular/core';
import { z } from 'zod';
import type { Periphery, SandboxIncidentPayload } from '../src/index.js';
import { SandboxIncident } from '../src/index.js';

export const FIXTURE = new URL('./fixtures/tasks.mjs', import.meta.url);

export const Attack = defineContract({
  name: 'test.attack',
  subject: 'test.attack',
  version: 1,
  kind: 'command',
  schema: z.object({ kind: z.string() }).catchall(z.unknown()),
  response: z.unknown(),
});

export const Echo = defineContract({
  name: 'test.echo',
  subject: 'test.echo',
  version: 1,
  kind: 'query',
  schema: z.object({ n: z.number() }),
  response: z.object({ n: z.number() }),
});

export const Ping = defineContract({
  name: 'test.ping',
  subject: 'test.ping',
  version: 1,
  kind: 'query',
  schema: z.object({}),
  response: z.object({ pong: z.literal(true) }),
});

/** A bus with a trusted core cell answering Ping, and the periphery started on it. */
export interface Harness {
  readonly bus: Bus;
  readonly incidents: SandboxIncidentPayload[];
  /** Asserts (by resolving) that the core and the periphery both still answer. */
  coreAlive(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startHarness(periphery: Periphery): Promise<Harness> {
  const bus = createBus({ telemetry: false, defaultTimeoutMs: 20_000 });
  await bus.connect();
  bus.handle(Ping, () => ({ pong: true as const }));
  const incidents: SandboxIncidentPayload[] = [];
  bus.subscribe(SandboxIncident, (p) => {
    incidents.push(p);
  });
  const stop = new AbortController();
  await periphery.start?.({ name: periphery.name, bus, signal: stop.signal, logger: silentLogger });
  return {
    bus,
    incidents,
    async coreAlive() {
      const pong = await bus.request(Ping, {});
      const echo = await bus.request(Echo, { n: 7 });
      return pong.pong && echo.n === 7;
    },
    async close() {
      stop.abort();
      await periphery.stop?.({ name: periphery.name, bus, signal: stop.signal, logger: silentLogger });
      await bus.close();
    },
  };
}

/** A loopback server with hostile routes. */
export interface HostileServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startHostileServer(): Promise<HostileServer> {
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/ok':
        res.end(`hello ${req.method ?? ''}`);
        return;
      case '/redirect':
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/ok' });
        res.end();
        return;
      case '/big':
        res.writeHead(200, { 'content-length': String(6 * 1024 * 1024) });
        res.end(Buffer.alloc(6 * 1024 * 1024, 97));
        return;
      case '/big-chunked': {
        const chunk = Buffer.alloc(64 * 1024, 98);
        let sent = 0;
        const pump = (): void => {
          while (sent < 8 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => (sent = Number.POSITIVE_INFINITY));
        pump();
        return;
      }
      case '/never': {
        open.add(res);
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => res.write('.'), 50);
        res.on('close', () => {
          clearInterval(t);
          open.delete(res);
        });
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** data/in (readable, with a symlink and a `..` escape target), data/out (writable), a secret outside. */
export interface DataDirs {
  readonly root: string;
  readonly inDir: string;
  readonly outDir: string;
  readonly secret: string;
  cleanup(): void;
}

export function makeDataDirs(): DataDirs {
  const root = mkdtempSync(join(tmpdir(), 'cellular-sandbox-'));
  const inDir = join(root, 'data', 'in');
  const outDir = join(root, 'data', 'out');
  mkdirSync(inDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const secret = join(root, 'secret.txt');
  writeFileSync(secret, 'TOP SECRET');
  writeFileSync(join(inDir, 'hello.txt'), 'hello from the grant');
  writeFileSync(join(inDir, 'big.bin'), Buffer.alloc(2 * 1024 * 1024));
  symlinkSync(secret, join(inDir, 'link-to-secret'));
  symlinkSync(root, join(inDir, 'link-to-root'));
  symlinkSync(secret, join(outDir, 'link-out'));
  return { root, inDir, outDir, secret, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
