/**
 * Runs one check outside `describe`: creates and connects a transport, runs the check, cleans up.
 * The testkit's own tests use it to prove the suite fails on broken transports; transport authors can
 * use it to debug one check.
 */
import type { Transport } from '@cellular/core';
import { conformanceChecks } from './conformance-checks.js';
import { ConformanceSkip, createConformanceContext } from './conformance-context.js';
import type { ConformanceOptions } from './conformance-context.js';

/** Creates a fresh transport (connected or connectable) for one check. */
export type TransportFactory = () => Transport | Promise<Transport>;

/** Outcome of {@link runConformanceCheck} when the check did not fail. */
export type ConformanceOutcome = { readonly status: 'passed' } | { readonly status: 'skipped'; readonly reason: string };

/**
 * Run the check `id` against a fresh transport from `factory`.
 * @returns `passed` or `skipped` (with the reason)
 * @throws the check's assertion error when the transport violates it; Error for an unknown id
 */
export async function runConformanceCheck(id: string, factory: TransportFactory, options: ConformanceOptions = {}): Promise<ConformanceOutcome> {
  const check = conformanceChecks.find((c) => c.id === id);
  if (!check) throw new Error(`unknown conformance check "${id}"`);
  const skipReason = options.skip?.[id];
  if (skipReason !== undefined) return { status: 'skipped', reason: skipReason };
  const transport = await factory();
  await transport.connect();
  const { context, cleanup } = createConformanceContext(transport, options);
  try {
    await check.run(context);
    return { status: 'passed' };
  } catch (e) {
    if (e instanceof ConformanceSkip) return { status: 'skipped', reason: e.message };
    throw e;
  } finally {
    await cleanup();
  }
}
