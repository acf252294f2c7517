/**
 * The process tier: the same task runtime in one child process, started with the same permission
 * flags, an empty env and a heap cap, speaking over IPC with structured-clone serialization. A native
 * crash, a global out-of-memory or `process.exit` takes down only the child; its tasks fail with
 * SANDBOX_CRASH and the next task starts a fresh child. A timed-out task kills the child (the only way
 * to stop a synchronous loop in another process), and its resident memory is read from /proc on Linux.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '@cellular/core';
import { CellularError } from '@cellular/core';
import type { ResolvedLimits } from '../capabilities.js';
import type { CapabilityGuards } from './capability-handler.js';
import { handleCapability } from './capability-handler.js';
import { permissionFlags } from './permission-flags.js';
import type { TaskOutcome, TierHooks, TierRunner } from './tier.js';
import { crash, createRssWatchdog, realPaths, runtimeFile, timedOut } from './tier.js';

/** Options for {@link createProcessTier}. */
export interface ProcessTierOptions {
  readonly name: string;
  readonly modulePath: string;
  readonly limits: ResolvedLimits;
  readonly guards: CapabilityGuards;
  readonly logger: Logger;
  readonly hooks: TierHooks;
}

interface Pending {
  readonly task: string;
  readonly child: ChildProcess;
  readonly resolve: (o: TaskOutcome) => void;
  readonly reject: (e: Error) => void;
}

function readRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/u.exec(status);
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Start the process tier (the child starts with the first task). */
export function createProcessTier(options: ProcessTierOptions): TierRunner {
  const { name, limits, guards, logger, hooks } = options;
  const entry = runtimeFile('process-entry.mjs');
  const readPaths = realPaths([dirname(entry), dirname(options.modulePath), ...limits.codePaths]);
  const args = [...permissionFlags(readPaths), `--max-old-space-size=${limits.maxHeapMb}`, entry, pathToFileURL(options.modulePath).href, name];
  let child: ChildProcess | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let tasksOnChild = 0;
  const killReasons = new WeakMap<ChildProcess, { id: number; error: CellularError }>();
  let closed = false;

  const watchdog = createRssWatchdog(limits.maxRssMb, () => readRss(child?.pid), (rssMb) => {
    kill(undefined, crash(name, '*', 'memory', `child resident memory ${rssMb} MB exceeds limits.maxRssMb ${limits.maxRssMb ?? 0} MB`));
  });

  function kill(id: number | undefined, error: CellularError): void {
    if (child === undefined) return;
    killReasons.set(child, { id: id ?? -1, error });
    child.kill('SIGKILL');
    child = undefined;
  }

  function start(): ChildProcess {
    const c = spawn(process.execPath, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    let stderrTail = '';
    c.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString('utf8')).slice(-2000);
    });
    c.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null) return;
      const msg = m as { t?: string; id?: number; ok?: boolean; value?: unknown; error?: unknown };
      if (msg.t === 'result' && typeof msg.id === 'number') {
        const p = pending.get(msg.id);
        if (p === undefined) return;
        pending.delete(msg.id);
        p.resolve(msg.ok === true ? { ok: true, value: msg.value } : { ok: false, error: msg.error as Extract<TaskOutcome, { ok: false }>['error'] });
      } else if (msg.t === 'cap') {
        void handleCapability(guards, m).then((reply) => {
          if (reply !== undefined && c.connected) c.send({ t: 'cap', ...reply });
        });
      }
    });
    c.on('error', (e) => {
      logger.warn('sandbox process error', { periphery: name, error: e.message });
    });
    c.on('close', (code, signal) => {
      if (child === c) child = undefined;
      const reason = killReasons.get(c);
      const tail = stderrTail.includes('heap') ? ' (out of heap)' : '';
      for (const [id, p] of pending) {
        if (p.child !== c) continue;
        pending.delete(id);
        if (reason !== undefined && (reason.id === id || reason.error.data?.task === '*')) {
          p.reject(reason.error.data?.task === '*' ? crash(name, p.task, 'memory', reason.error.message) : reason.error);
        } else {
          p.reject(crash(name, p.task, tail === '' ? 'exit' : 'out-of-memory', `the periphery process exited (code ${String(code)}, signal ${String(signal)})${tail}`));
        }
      }
      if (stderrTail.length > 0) logger.debug('sandbox process stderr', { periphery: name, stderr: stderrTail });
    });
    return c;
  }

  function current(): ChildProcess {
    if (child !== undefined && tasksOnChild >= limits.recycleAfterTasks && pending.size === 0) {
      child.kill('SIGKILL');
      child = undefined;
    }
    if (child === undefined) {
      child = start();
      tasksOnChild = 0;
    }
    tasksOnChild++;
    return child;
  }

  function outcome(task: string, payload: unknown, signal: AbortSignal | undefined): Promise<TaskOutcome> {
    if (closed) return Promise.reject(new CellularError('TRANSPORT_CLOSED', `Periphery "${name}" is closed`));
    if (pending.size >= limits.maxQueue) {
      return Promise.reject(new CellularError('BACKPRESSURE', `Periphery "${name}" has ${pending.size} tasks in flight (limits.maxQueue)`, { data: { periphery: name, task } }));
    }
    const id = nextId++;
    const c = current();
    return new Promise<TaskOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        kill(id, timedOut(name, task, limits.timeoutMs));
      }, limits.timeoutMs);
      const onAbort = (): void => {
        pending.delete(id);
        reject(new CellularError('CANCELLED', `Task "${task}" cancelled`, { data: { periphery: name, task } }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        watchdog.idle();
      };
      watchdog.busy();
      pending.set(id, {
        task,
        child: c,
        resolve: (o) => {
          done();
          resolve(o);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      try {
        c.send({ t: 'run', id, task, payload });
      } catch (e) {
        pending.delete(id);
        done();
        reject(new CellularError('VALIDATION', `Payload for "${task}" cannot be sent to the periphery process`, { cause: e }));
      }
    });
  }

  return {
    run(task, payload, signal) {
      return outcome(task, payload, signal).then(
        (o) => hooks.settle(task, o),
        (e: unknown) => {
          throw hooks.failed(task, e);
        },
      );
    },
    alive() {
      return child === undefined ? 0 : 1;
    },
    async close() {
      closed = true;
      watchdog.stop();
      const c = child;
      child = undefined;
      if (c !== undefined && c.exitCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }
    },
  };
}
