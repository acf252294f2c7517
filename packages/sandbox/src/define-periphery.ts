/**
 * `definePeriphery` turns a module of task functions into a sandboxed cell. The core sees an ordinary
 * cell of kind `periphery` that answers contracts; the tasks run in a worker pool or a child process
 * started with Node's permission model, and anything beyond computing (network, files) goes through
 * host-side guards that check the grants. Only contract payloads go in and contract replies come out.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BusSubscription, Cell, CellBus, CellFacts, Clock, Logger, PayloadOf, RequestContract } from '@cellular/core';
import { CellularError, defineCell, silentLogger, systemClock } from '@cellular/core';
import type { z } from 'zod';
import type { Capabilities, PeripheryLimits, ResolvedGrants } from './capabilities.js';
import { resolveFsGrant, resolveLimits, resolveNetGrant } from './capabilities.js';
import { SandboxIncident } from './sandbox-incident.js';
import type { SandboxIncidentSchema } from './sandbox-incident.js';
import type { CapabilityGuards } from './internal/capability-handler.js';
import { createFsGuard } from './internal/fs-guard.js';
import type { Resolver } from './internal/granted-fetch.js';
import { createGrantedFetch } from './internal/granted-fetch.js';
import { createProcessTier } from './internal/process-tier.js';
import type { TaskOutcome, TierHooks, TierRunner } from './internal/tier.js';
import { outcomeError } from './internal/tier.js';
import { createWorkerTier } from './internal/worker-tier.js';

/** A published incident (refusal, crash or timeout). */
export type SandboxIncidentPayload = z.output<typeof SandboxIncidentSchema>;

/** What {@link definePeriphery} accepts. */
export interface PeripheryDefinition<H extends Readonly<Record<string, RequestContract>>> {
  /** Cell name: lowercase letters, digits and `-`. */
  readonly name: string;
  /**
   * The task module: an absolute path, a path relative to `cwd`, or a `file:` URL. It must be loadable
   * by plain Node (`.mjs`/`.js`, or `.ts` where Node strips types) and its exported functions are the
   * tasks: `(payload, context) => result`, where `context.fetch` and `context.fs` are the granted ones.
   */
  readonly module: string | URL;
  /** Which exported task answers which contract: `{ fetchPage: FetchPage }`. */
  readonly handles: H;
  /** What the periphery may do beyond computing. Defaults to nothing. */
  readonly capabilities?: Capabilities;
  /** Isolation tier and resource limits. */
  readonly limits?: PeripheryLimits;
  readonly description?: string;
  /** Cells that must start first. */
  readonly dependsOn?: readonly string[];
  /** Facts for the trigger monitor: set `untrusted` or `multiTenant` when they hold (see the README). */
  readonly facts?: CellFacts;
  /** Base for relative paths (module, fs grants, sandbox file paths). Defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** DNS resolver for the granted fetch (every answer is checked). Defaults to the system resolver. */
  readonly resolver?: Resolver;
  /** Defaults to a silent logger. */
  readonly logger?: Logger;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
}

/** Counters of a periphery since it was defined. */
export interface PeripheryStats {
  readonly tasks: number;
  readonly failed: number;
  readonly violations: number;
  readonly violationsByReason: Readonly<Record<string, number>>;
  readonly crashes: number;
  readonly timeouts: number;
  /** Workers (or child processes) alive now. */
  readonly alive: number;
}

/** Options for {@link Periphery.run}. */
export interface RunOptions {
  /** Aborting fails the task with CANCELLED (and replaces its worker if it was running). */
  readonly signal?: AbortSignal;
}

/** A sandboxed cell: a core {@link Cell} plus direct access for tests and tools. */
export interface Periphery<H extends Readonly<Record<string, RequestContract>> = Readonly<Record<string, RequestContract>>> extends Cell {
  readonly kind: 'periphery';
  /** The grants as plain data (also in `grants`). */
  readonly resolvedGrants: ResolvedGrants;
  /** Run a task directly (the bus handler calls this). Rejects with a CellularError. */
  run<K extends keyof H & string>(task: K, payload: PayloadOf<H[K]>, options?: RunOptions): Promise<unknown>;
  /** Counters. */
  stats(): PeripheryStats;
  /** Listen to incidents (also published on the bus while the cell runs). Returns an unsubscribe. */
  onIncident(listener: (incident: SandboxIncidentPayload) => void): () => void;
  /** Stop the workers or child process. The cell host calls this on stop. */
  close(): Promise<void>;
}

function toPath(module: string | URL, cwd: string): string {
  if (module instanceof URL || module.startsWith('file:')) return fileURLToPath(module);
  return isAbsolute(module) ? module : resolve(cwd, module);
}

/**
 * Declare a sandboxed periphery.
 *
 * @example
 * ```ts
 * export const pages = definePeriphery({
 *   name: 'pages',
 *   module: new URL('./pages.task.mjs', import.meta.url),
 *   handles: { fetchTitle: FetchTitle },
 *   capabilities: { net: { allow: ['*.wikipedia.org'] } },
 *   limits: { timeoutMs: 10_000 },
 * });
 * ```
 * @throws CellularError INVALID_CONFIG or INVALID_CONTRACT for a bad declaration
 */
export function definePeriphery<const H extends Readonly<Record<string, RequestContract>>>(definition: PeripheryDefinition<H>): Periphery<H> {
  const cwd = definition.cwd ?? process.cwd();
  const logger = definition.logger ?? silentLogger;
  const clock = definition.clock ?? systemClock;
  const modulePath = toPath(definition.module, cwd);
  if (!existsSync(modulePath)) {
    throw new CellularError('INVALID_CONFIG', `Periphery "${definition.name}": module ${modulePath} does not exist`, { data: { field: 'module' } });
  }
  const handles = Object.entries(definition.handles);
  if (handles.length === 0) throw new CellularError('INVALID_CONFIG', `Periphery "${definition.name}" handles no contract`, { data: { field: 'handles' } });
  const limits = resolveLimits(definition.limits, cwd);
  const net = definition.capabilities?.net === undefined ? undefined : resolveNetGrant(definition.capabilities.net);
  const fs = definition.capabilities?.fs === undefined ? undefined : resolveFsGrant(definition.capabilities.fs, cwd);
  const grants: ResolvedGrants = Object.freeze({ tier: limits.tier, net, fs });
  const capabilities: string[] = [];
  if (net !== undefined) capabilities.push('net:outbound');
  if (fs !== undefined && fs.read.length + fs.write.length > 0) capabilities.push('fs:read');
  if (fs !== undefined && fs.write.length > 0) capabilities.push('fs:write');

  const listeners = new Set<(incident: SandboxIncidentPayload) => void>();
  const byReason: Record<string, number> = {};
  let tasks = 0;
  let failed = 0;
  let violations = 0;
  let crashes = 0;
  let timeouts = 0;
  let bus: CellBus | undefined;
  let tier: TierRunner | undefined;
  let closed = false;
  const subscriptions: BusSubscription[] = [];

  function incident(error: CellularError, task: string | undefined): void {
    const code = error.code;
    if (code !== 'SANDBOX_VIOLATION' && code !== 'SANDBOX_CRASH' && code !== 'TIMEOUT') return;
    const reason = typeof error.data?.reason === 'string' ? error.data.reason : code.toLowerCase();
    if (code === 'SANDBOX_VIOLATION') {
      violations++;
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    } else if (code === 'SANDBOX_CRASH') crashes++;
    else timeouts++;
    const payload: SandboxIncidentPayload = { periphery: definition.name, code, reason, message: error.message, at: clock.now() };
    if (task !== undefined) payload.task = task;
    logger.warn('sandbox incident', payload);
    for (const l of listeners) l(payload);
    if (bus !== undefined) {
      bus.publish(SandboxIncident, payload).catch((e: unknown) => {
        logger.error('could not publish sandbox incident', { periphery: definition.name, error: (e as Error).message });
      });
    }
  }

  const granted = net === undefined ? undefined : createGrantedFetch(net, definition.resolver);
  const guards: CapabilityGuards = {
    fetch: granted?.fetch,
    fs: fs === undefined ? undefined : createFsGuard(fs, cwd),
    onRefusal: (e) => {
      incident(e, undefined);
    },
  };

  function runner(): TierRunner {
    if (closed) throw new CellularError('TRANSPORT_CLOSED', `Periphery "${definition.name}" is closed`, { data: { periphery: definition.name } });
    const options = { name: definition.name, modulePath, limits, guards, logger, hooks };
    tier ??= limits.tier === 'process' ? createProcessTier(options) : createWorkerTier(options);
    return tier;
  }

  function settle(task: string, outcome: TaskOutcome): unknown {
    if (outcome.ok) return outcome.value;
    failed++;
    const error = outcomeError(outcome.error, definition.name, task);
    // Refusals from the host guards were counted when they happened; count only the model's own.
    const own = outcome.error.code !== 'SANDBOX_VIOLATION' || outcome.error.data?.reason === 'no-permission-model';
    if (error.code === 'SANDBOX_VIOLATION' && own) incident(error, task);
    throw error;
  }

  function hostFailure(task: string, e: unknown): Error {
    failed++;
    if (e instanceof CellularError) incident(e, task);
    return e instanceof Error ? e : new Error(String(e));
  }

  const hooks: TierHooks = { settle, failed: hostFailure };

  // The tier's own promise is the caller's (settled through the hooks): no chain, no async function.
  function run(task: string, payload: unknown, options?: RunOptions): Promise<unknown> {
    tasks++;
    try {
      return runner().run(task, payload, options?.signal);
    } catch (e) {
      failed++;
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async function close(): Promise<void> {
    closed = true;
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    bus = undefined;
    const t = tier;
    tier = undefined;
    if (t !== undefined) await t.close();
    granted?.close();
  }

  const cell = defineCell({
    name: definition.name,
    kind: 'periphery',
    ...(definition.description === undefined ? {} : { description: definition.description }),
    handles: handles.map(([, c]) => c),
    publishes: [SandboxIncident],
    capabilities,
    ...(definition.dependsOn === undefined ? {} : { dependsOn: definition.dependsOn }),
    ...(definition.facts === undefined ? {} : { facts: definition.facts }),
    grants: JSON.parse(JSON.stringify(grants)) as Record<string, unknown>,
    start: (context) => {
      closed = false;
      bus = context.bus;
      for (const [task, contract] of handles) {
        subscriptions.push(context.bus.handle(contract, (payload: unknown) => run(task, payload) as never));
      }
    },
    stop: () => close(),
  });

  return Object.freeze({
    ...cell,
    kind: 'periphery' as const,
    resolvedGrants: grants,
    run,
    stats: () => ({
      tasks,
      failed,
      violations,
      violationsByReason: { ...byReason },
      crashes,
      timeouts,
      alive: tier?.alive() ?? 0,
    }),
    onIncident(listener: (incident: SandboxIncidentPayload) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close,
  });
}
