/**
 * Spawns a private nats-server (JetStream on, store in a temp dir) on a free loopback port for fault
 * tests, and kills only that process. The machine's own NATS service is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of the nats-server binary (NATS_SERVER_BIN overrides). */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** True when the binary exists, so fault tests can skip with a reason otherwise. */
export const natsServerAvailable = existsSync(NATS_SERVER_BIN);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => { resolve(port); });
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

/** A nats-server owned by one test. */
export class SpawnedNatsServer {
  readonly port: number;
  readonly storeDir: string;
  #proc: ChildProcess | undefined;

  private constructor(port: number, storeDir: string) {
    this.port = port;
    this.storeDir = storeDir;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Start a server on a free port with a fresh store directory. */
  static async start(): Promise<SpawnedNatsServer> {
    const s = new SpawnedNatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'cellular-nats-')));
    await s.restart();
    return s;
  }

  /** (Re)start on the same port and store directory; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.#proc !== undefined) throw new Error('server already running');
    const proc = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: 'ignore' });
    this.#proc = proc;
    proc.once('exit', () => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (!(await portOpen(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${this.port}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGKILL the server (no graceful shutdown) and wait for it to exit. */
  async kill(): Promise<void> {
    const proc = this.#proc;
    if (proc === undefined) return;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      this.#proc = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => proc.once('exit', () => { resolve(); }));
    proc.kill('SIGKILL');
    await exited;
    this.#proc = undefined;
  }

  /** Kill the server and remove its store. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
