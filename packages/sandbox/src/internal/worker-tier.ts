/**
 * The worker tier: a fixed-size piscina pool whose workers start with Node's permission model
 * (explicit execArgv, per worker), an empty env, V8 resource limits and a finite queue. Every task
 * gets its own deadline; a task that times out, runs out of heap, exits or throws uncaught takes its
 * worker down with it, piscina replaces the worker, and the caller gets a clear CellularError.
 * The pool is swapped for a fresh one after `recycleAfterTasks` tasks (piscina has no per-worker
 * task cap). Capability requests arrive on one MessagePort per worker, which the worker sends once
 * through piscina's event channel, so a task costs no extra channel.
 */
import { pathToFileURL } from 'node:url';
import { dirname } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from '@cellular/core';
import { CellularError } from '@cellular/core';
import type { ResolvedLimits } from '../capabilities.js';
import { permissionFlags } from './permission-flags.js';
import { handleCapability, type CapabilityGuards } from './capability-handler.js';
import type { TaskOutcome, TierRunner } from './tier.js';
import { crash, createRssWatchdog, piscinaDir, realPaths, runtimeFile, timedOut } from './tier.js';

const PORT_MARKER = '__cellularSandboxPort';

/** Options for {@link createWorkerTier}. */
export interface WorkerTierOptions {
  readonly name: string;
  readonly modulePath: string;
  readonly limits: ResolvedLimits;
  readonly guards: CapabilityGuards;
  readonly logger: Logger;
}

/** Start the worker tier (workers start lazily with the first task). */
export function createWorkerTier(options: WorkerTierOptions): TierRunner {
  const { name, limits, guards, logger } = options;
  const entry = runtimeFile('worker-entry.mjs');
  const readPaths = realPaths([dirname(entry), piscinaDir(), dirname(options.modulePath), ...limits.codePaths]);
  const execArgv = permissionFlags(readPaths);
  const inflight = new Set<AbortController>();
  let pool: Piscina | undefined;
  let tasksOnPool = 0;
  let closed = false;

  const watchdog = createRssWatchdog(limits.maxRssMb, () => process.memoryUsage.rss(), (rssMb) => {
    const reason = crash(name, '*', 'memory', `host resident memory ${rssMb} MB exceeds limits.maxRssMb ${limits.maxRssMb ?? 0} MB`);
    for (const c of inflight) c.abort(reason);
  });

  function newPool(): Piscina {
    const p = new Piscina({
      filename: pathToFileURL(entry).href,
      minThreads: limits.threads,
      maxThreads: limits.threads,
      idleTimeout: limits.idleTimeoutMs,
      maxQueue: limits.maxQueue,
      execArgv,
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      workerData: { moduleUrl: pathToFileURL(options.modulePath).href, periphery: name, portMarker: PORT_MARKER },
      trackUnmanagedFds: true,
    });
    p.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null || !(PORT_MARKER in m)) return;
      const port = (m as { port?: MessagePort }).port;
      if (port === undefined) return;
      port.on('message', (req: unknown) => {
        void handleCapability(guards, req).then((reply) => {
          if (reply !== undefined) port.postMessage(reply);
        });
      });
      port.unref();
    });
    p.on('error', (e: unknown) => {
      logger.warn('sandbox worker error', { periphery: name, error: (e as Error).message });
    });
    return p;
  }

  function currentPool(): Piscina {
    if (pool !== undefined && tasksOnPool >= limits.recycleAfterTasks) {
      const old = pool;
      pool = undefined;
      void old.close().catch(() => undefined);
    }
    if (pool === undefined) {
      pool = newPool();
      tasksOnPool = 0;
    }
    tasksOnPool++;
    return pool;
  }

  return {
    async run(task, payload, signal) {
      if (closed) throw new CellularError('TRANSPORT_CLOSED', `Periphery "${name}" is closed`);
      if (signal?.aborted === true) throw new CellularError('CANCELLED', 'Task cancelled before it started');
      // Our own bound (running + queued): piscina's balancer may queue on busy workers past maxQueue.
      if (inflight.size >= limits.threads + limits.maxQueue) {
        throw new CellularError('BACKPRESSURE', `Periphery "${name}" queue is full (limits.maxQueue ${limits.maxQueue})`, { data: { periphery: name, task } });
      }
      const control = new AbortController();
      const timer = setTimeout(() => {
        control.abort(timedOut(name, task, limits.timeoutMs));
      }, limits.timeoutMs);
      const onAbort = (): void => {
        control.abort(new CellularError('CANCELLED', `Task "${task}" cancelled`, { data: { periphery: name, task } }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      inflight.add(control);
      watchdog.busy();
      try {
        return (await currentPool().run({ task, payload }, { signal: control.signal })) as TaskOutcome;
      } catch (e) {
        if (control.signal.aborted) {
          const reason: unknown = control.signal.reason;
          if (reason instanceof CellularError) {
            if (reason.data?.task === '*') throw crash(name, task, 'memory', reason.message);
            throw reason;
          }
        }
        const err = e as Error & { code?: string };
        if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') throw crash(name, task, 'out-of-memory', 'the worker ran out of heap (limits.maxHeapMb)', e);
        if (/queue is at limit/iu.test(err.message)) {
          throw new CellularError('BACKPRESSURE', `Periphery "${name}" queue is full (limits.maxQueue ${limits.maxQueue})`, {
            data: { periphery: name, task },
            cause: e,
          });
        }
        if (/exited/iu.test(err.message)) throw crash(name, task, 'exit', err.message, e);
        throw crash(name, task, 'uncaught', err.message, e);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        inflight.delete(control);
        watchdog.idle();
      }
    },
    alive() {
      return pool?.threads.length ?? 0;
    },
    async close() {
      closed = true;
      watchdog.stop();
      const p = pool;
      pool = undefined;
      if (p !== undefined) await p.destroy();
    },
  };
}
