/**
 * The worker tier: a fixed-size piscina pool whose workers start with Node's permission model
 * (explicit execArgv, per worker), an empty env, V8 resource limits and a finite queue. A task that
 * overruns its deadline, runs out of heap, exits or throws uncaught takes its worker down with it,
 * piscina replaces the worker, and the caller gets a clear CellularError.
 *
 * Deadlines: one sweep timer (not a timer and an AbortSignal per task: piscina's signal path costs
 * ~25% of a trivial round trip) checks in-flight tasks; each worker records the task it runs in a
 * shared table, so an overrun terminates exactly that worker. A caller's own AbortSignal is still
 * passed to piscina. The pool is swapped for a fresh one after `recycleAfterTasks` tasks (piscina has
 * no per-worker task cap); a retired pool is destroyed when its own in-flight count reaches zero
 * (piscina 5.3's `close()` can resolve while a worker is still busy, so it is not used for this).
 * Capability requests arrive on one MessagePort per worker, sent once through piscina's event channel.
 */
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from '@cellular/core';
import { CellularError } from '@cellular/core';
import type { ResolvedLimits } from '../capabilities.js';
import { handleCapability, type CapabilityGuards } from './capability-handler.js';
import { permissionFlags } from './permission-flags.js';
import type { TaskOutcome, TierHooks, TierRunner } from './tier.js';
import { crash, createRssWatchdog, piscinaDir, realPaths, runtimeFile, timedOut } from './tier.js';

const PORT_MARKER = '__cellularSandboxPort';

/** What a worker returns: `[value]` for a value (no property names to clone), the failed outcome otherwise. */
type WireOutcome = readonly [unknown] | Extract<TaskOutcome, { ok: false }>;

const isValue = (wire: WireOutcome): wire is readonly [unknown] => Array.isArray(wire);
/** Slots in a pool's running-task table (workers replaced after crashes claim fresh slots). */
const SLOTS = 256;

/** Options for {@link createWorkerTier}. */
export interface WorkerTierOptions {
  readonly name: string;
  readonly modulePath: string;
  readonly limits: ResolvedLimits;
  readonly guards: CapabilityGuards;
  readonly logger: Logger;
  readonly hooks: TierHooks;
}

interface PoolSlot {
  readonly piscina: Piscina;
  /** [threadId, taskId] per worker, written by the workers. */
  readonly table: Int32Array;
  running: number;
  tasks: number;
  retired: boolean;
}

interface InFlight {
  readonly id: number;
  readonly task: string;
  readonly pool: PoolSlot;
  readonly deadline: number;
  /** Set when the host stopped the task (deadline or memory); decides the error. */
  stoppedBy: CellularError | undefined;
  /** The caller has its answer (a stopped task is failed at once: a queued one never reaches a worker). */
  settled: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Start the worker tier (workers start lazily with the first task). */
export function createWorkerTier(options: WorkerTierOptions): TierRunner {
  const { name, limits, guards, logger, hooks } = options;
  const entry = runtimeFile('worker-entry.mjs');
  const readPaths = realPaths([dirname(entry), piscinaDir(), dirname(options.modulePath), ...limits.codePaths]);
  const execArgv = permissionFlags(readPaths);
  const inflight = new Map<number, InFlight>();
  let nextId = 1;
  let current: PoolSlot | undefined;
  const pools = new Set<PoolSlot>();
  let closed = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  const sweepEvery = Math.max(5, Math.min(250, Math.floor(limits.timeoutMs / 10)));

  /** Stopped tasks not yet found in a worker (they may be just starting); retried on every sweep. */
  const unkilled = new Set<InFlight>();

  /** Terminate the worker running `f`, if it has started; a queued task is refused by its deadline. */
  function stop(f: InFlight, reason: CellularError): void {
    if (f.stoppedBy !== undefined) return;
    f.stoppedBy = reason;
    fail(f, reason);
    if (!kill(f)) unkilled.add(f);
  }

  function kill(f: InFlight): boolean {
    const { table, piscina } = f.pool;
    for (let i = 0; i < table.length; i += 2) {
      if (Atomics.load(table, i + 1) === f.id) {
        const threadId = Atomics.load(table, i);
        Atomics.store(table, i, 0);
        Atomics.store(table, i + 1, 0);
        void piscina.threads.find((w) => w.threadId === threadId)?.terminate();
        return true;
      }
    }
    return false;
  }

  function sweep(): void {
    // the timer stops itself on an idle tick (cheaper than clearing it after every task)
    for (const f of unkilled) if (kill(f)) unkilled.delete(f);
    if (inflight.size === 0 && unkilled.size === 0 && sweepTimer !== undefined) {
      clearInterval(sweepTimer);
      sweepTimer = undefined;
      return;
    }
    const now = Date.now();
    for (const f of inflight.values()) if (now >= f.deadline) stop(f, timedOut(name, f.task, limits.timeoutMs));
  }

  /** Ends a task for its caller, once; the periphery's hooks count it and shape the answer. */
  function end(f: InFlight): boolean {
    if (f.settled) return false;
    f.settled = true;
    inflight.delete(f.id);
    watchdog.idle();
    return true;
  }

  function fail(f: InFlight, e: CellularError): void {
    if (end(f)) f.reject(hooks.failed(f.task, e));
  }

  function settle(f: InFlight, outcome: TaskOutcome): void {
    if (!end(f)) return;
    let value: unknown;
    try {
      value = hooks.settle(f.task, outcome);
    } catch (e) {
      f.reject(e as Error);
      return;
    }
    f.resolve(value);
  }

  const watchdog = createRssWatchdog(limits.maxRssMb, () => process.memoryUsage.rss(), (rssMb) => {
    const message = `host resident memory ${rssMb} MB exceeds limits.maxRssMb ${limits.maxRssMb ?? 0} MB`;
    for (const f of inflight.values()) stop(f, crash(name, f.task, 'memory', message));
  });

  function newPool(): PoolSlot {
    const running = new SharedArrayBuffer(SLOTS * 2 * Int32Array.BYTES_PER_ELEMENT);
    const piscina = new Piscina({
      filename: pathToFileURL(entry).href,
      minThreads: limits.threads,
      maxThreads: limits.threads,
      idleTimeout: limits.idleTimeoutMs,
      maxQueue: limits.maxQueue,
      execArgv,
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      workerData: { moduleUrl: pathToFileURL(options.modulePath).href, periphery: name, portMarker: PORT_MARKER, running },
      trackUnmanagedFds: true,
    });
    const slot: PoolSlot = { piscina, table: new Int32Array(running), running: 0, tasks: 0, retired: false };
    piscina.on('message', (m: unknown) => {
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
    piscina.on('workerDestroy', () => {
      // free the table slots of workers that are gone, so replacements find one
      const alive = new Set(piscina.threads.map((w) => w.threadId));
      for (let i = 0; i < slot.table.length; i += 2) {
        const t = Atomics.load(slot.table, i);
        if (t !== 0 && !alive.has(t)) Atomics.compareExchange(slot.table, i, t, 0);
      }
    });
    piscina.on('error', (e: unknown) => {
      logger.warn('sandbox worker error', { periphery: name, error: (e as Error).message });
    });
    pools.add(slot);
    return slot;
  }

  function release(slot: PoolSlot): void {
    slot.running--;
    if (slot.running === 0 && slot.retired) {
      pools.delete(slot);
      void slot.piscina.destroy().catch(() => undefined);
    }
  }

  function pool(): PoolSlot {
    if (current !== undefined && current.tasks >= limits.recycleAfterTasks) {
      const old = current;
      old.retired = true;
      current = undefined;
      if (old.running === 0) {
        old.running = 1;
        release(old);
      }
    }
    current ??= newPool();
    current.tasks++;
    return current;
  }

  function toError(e: unknown, f: InFlight, signal: AbortSignal | undefined): CellularError {
    if (f.stoppedBy !== undefined) return f.stoppedBy;
    if (signal?.aborted === true) return new CellularError('CANCELLED', `Task "${f.task}" cancelled`, { data: { periphery: name, task: f.task } });
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') return crash(name, f.task, 'out-of-memory', 'the worker ran out of heap (limits.maxHeapMb)', e);
    if (/queue is at limit/iu.test(err.message)) {
      return new CellularError('BACKPRESSURE', `Periphery "${name}" queue is full (limits.maxQueue ${limits.maxQueue})`, {
        data: { periphery: name, task: f.task },
        cause: e,
      });
    }
    if (/exited/iu.test(err.message)) return crash(name, f.task, 'exit', err.message, e);
    return crash(name, f.task, 'uncaught', err.message, e);
  }

  const refuse = (task: string, e: CellularError): Promise<never> => Promise.reject(hooks.failed(task, e));

  return {
    run(task, payload, signal) {
      if (closed) return refuse(task, new CellularError('TRANSPORT_CLOSED', `Periphery "${name}" is closed`));
      if (signal?.aborted === true) return refuse(task, new CellularError('CANCELLED', 'Task cancelled before it started'));
      // Our own bound (running + queued): piscina's balancer may queue on busy workers past maxQueue.
      if (inflight.size >= limits.threads + limits.maxQueue) {
        return refuse(
          task,
          new CellularError('BACKPRESSURE', `Periphery "${name}" queue is full (limits.maxQueue ${limits.maxQueue})`, { data: { periphery: name, task } }),
        );
      }
      const slot = pool();
      const id = nextId++;
      if (nextId > 2_000_000_000) nextId = 1;
      const deadline = Date.now() + limits.timeoutMs;
      // One promise per task: piscina's, whose callbacks settle this one through the hooks.
      return new Promise((resolve, reject) => {
        const f: InFlight = { id, task, pool: slot, deadline, stoppedBy: undefined, settled: false, resolve, reject };
        inflight.set(id, f);
        slot.running++;
        watchdog.busy();
        if (sweepTimer === undefined) {
          sweepTimer = setInterval(sweep, sweepEvery);
          sweepTimer.unref();
        }
        // arrays both ways: structured cloning writes and reads every property name of an object
        const message = [id, task, payload, deadline];
        (signal === undefined ? slot.piscina.run(message) : slot.piscina.run(message, { signal })).then(
          (wire: WireOutcome) => {
            if (f.stoppedBy !== undefined) unkilled.delete(f);
            release(slot);
            settle(f, isValue(wire) ? { ok: true, value: wire[0] } : wire);
          },
          (e: unknown) => {
            if (f.stoppedBy !== undefined) unkilled.delete(f);
            release(slot);
            fail(f, toError(e, f, signal));
          },
        );
      });
    },
    alive() {
      return current?.piscina.threads.length ?? 0;
    },
    async close() {
      closed = true;
      watchdog.stop();
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      sweepTimer = undefined;
      const all = [...pools];
      pools.clear();
      current = undefined;
      await Promise.all(all.map((p) => p.piscina.destroy()));
    },
  };
}
