/**
 * What both isolation tiers share: the runner interface the periphery calls, the outcome format that
 * crosses back from the sandbox, how a sandboxed error becomes a CellularError, and the read-only
 * code paths the permission model must grant so the sandbox can load its own code (and nothing else).
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellularErrorCode } from '@cellular/core';
import { CellularError, isCellularErrorCode } from '@cellular/core';

/** What the sandbox sends back for one task. */
export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { name?: string; code?: string; message?: string; data?: Record<string, unknown> } };

/**
 * How a tier hands a task's end back to the periphery. The tier calls these inside the one promise it
 * returns per task (a chain of promises between tier and periphery costs a promise and a microtask
 * hop per task).
 */
export interface TierHooks {
  /** The caller's value for an outcome; throws the caller's error (counted) for a failed one. */
  settle(task: string, outcome: TaskOutcome): unknown;
  /** Counts and reports a failure seen on the host side; returns the error the caller gets. */
  failed(task: string, error: unknown): Error;
}

/** A running tier. */
export interface TierRunner {
  /**
   * Run one task; resolves with what {@link TierHooks.settle} makes of the sandbox's outcome, rejects
   * with its error or with SANDBOX_CRASH, TIMEOUT, BACKPRESSURE or CANCELLED (passed through
   * {@link TierHooks.failed}).
   */
  run(task: string, payload: unknown, signal: AbortSignal | undefined): Promise<unknown>;
  /** Workers or child processes alive right now. */
  alive(): number;
  close(): Promise<void>;
}

/** Node error codes from the permission model: a refusal, reported as SANDBOX_VIOLATION. */
const PERMISSION_CODES = new Set(['ERR_ACCESS_DENIED', 'ERR_DLOPEN_DISABLED']);

/** Turn a failed outcome into the CellularError the requester sees. */
export function outcomeError(error: Extract<TaskOutcome, { ok: false }>['error'], periphery: string, task: string): CellularError {
  const message = typeof error.message === 'string' ? error.message : 'Task failed';
  const base = { periphery, task };
  if (typeof error.code === 'string' && PERMISSION_CODES.has(error.code)) {
    return new CellularError('SANDBOX_VIOLATION', `Periphery "${periphery}" was refused: ${message}`, {
      data: { ...base, reason: 'permission-denied', nodeCode: error.code },
    });
  }
  const code: CellularErrorCode = error.name === 'CellularError' && isCellularErrorCode(error.code) ? error.code : 'HANDLER_ERROR';
  return new CellularError(code, message, { data: { ...(error.data ?? {}), ...base } });
}

/** Runtime files shipped with the package (`runtime/*.mjs`), next to `src/` and `dist/`. */
export function runtimeFile(name: string): string {
  return fileURLToPath(new URL(`../../runtime/${name}`, import.meta.url));
}

/** The directory of piscina's package (its worker script must be readable inside the sandbox). */
export function piscinaDir(): string {
  const main = createRequire(import.meta.url).resolve('piscina');
  return dirname(dirname(main));
}

/** Real paths (the permission model compares real paths); missing ones are kept as given. */
export function realPaths(paths: readonly string[]): string[] {
  return paths.map((p) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  });
}

/** A SANDBOX_CRASH error. */
export function crash(periphery: string, task: string, reason: string, message: string, cause?: unknown): CellularError {
  return new CellularError('SANDBOX_CRASH', `Periphery "${periphery}" task "${task}" crashed: ${message}`, {
    data: { periphery, task, reason },
    cause,
  });
}

/** A TIMEOUT error. */
export function timedOut(periphery: string, task: string, timeoutMs: number): CellularError {
  return new CellularError('TIMEOUT', `Periphery "${periphery}" task "${task}" ran longer than ${timeoutMs} ms and was stopped`, {
    data: { periphery, task, timeoutMs },
  });
}

const NO_WATCHDOG = { busy: (): void => undefined, idle: (): void => undefined, stop: (): void => undefined };

/**
 * Samples resident memory while tasks run and calls `onExceeded` above the ceiling. Without a ceiling
 * its calls are no-ops (nothing is counted per task).
 */
export function createRssWatchdog(limitMb: number | undefined, sample: () => number | undefined, onExceeded: (rssMb: number) => void): {
  busy(): void;
  idle(): void;
  stop(): void;
} {
  if (limitMb === undefined) return NO_WATCHDOG;
  let timer: NodeJS.Timeout | undefined;
  let active = 0;
  // After firing, stay quiet until memory is back under the ceiling: memory of a terminated worker is
  // released a little later, and innocent tasks must not be killed for it meanwhile.
  let tripped = false;
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  return {
    busy() {
      active++;
      if (timer !== undefined) return;
      timer = setInterval(() => {
        const rss = sample();
        if (rss === undefined) return;
        const over = rss / 1048576 > limitMb;
        if (over && !tripped) {
          tripped = true;
          onExceeded(Math.round(rss / 1048576));
        } else if (!over) tripped = false;
      }, 25);
      timer.unref();
    },
    idle() {
      active = Math.max(0, active - 1);
      if (active === 0) stop();
    },
    stop,
  };
}
