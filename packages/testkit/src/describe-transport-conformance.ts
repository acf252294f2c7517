/**
 * The entry point transport authors call from a vitest file. It registers one `describe` per group and
 * one `it` per check; each check gets a fresh transport from the factory and unique subjects, so the
 * suite can run against a shared real broker.
 */
import { describe, it } from 'vitest';
import { conformanceChecks } from './conformance-checks.js';
import type { ConformanceOptions } from './conformance-context.js';
import { runConformanceCheck } from './run-conformance-check.js';
import type { TransportFactory } from './run-conformance-check.js';

/**
 * Register the transport conformance suite with vitest.
 *
 * @param name shown as the outer describe block, e.g. `'nats'`
 * @param factory creates a fresh transport for each check; the suite calls `connect()` and `close()`
 * @param options deadlines, skips by check id and stream cleanup (see {@link ConformanceOptions})
 *
 * @example
 * ```ts
 * import { describeTransportConformance } from '@cellular/testkit';
 * import { createMemoryTransport } from '@cellular/bus';
 * describeTransportConformance('memory', () => createMemoryTransport());
 * ```
 */
export function describeTransportConformance(name: string, factory: TransportFactory, options: ConformanceOptions = {}): void {
  const groups = new Map<string, typeof conformanceChecks>();
  for (const check of conformanceChecks) groups.set(check.group, [...(groups.get(check.group) ?? []), check]);
  const timeout = options.testTimeoutMs ?? 20_000;
  describe(`transport conformance: ${name}`, () => {
    for (const [group, checks] of groups) {
      describe(group, () => {
        for (const check of checks) {
          const skipReason = options.skip?.[check.id];
          if (skipReason !== undefined) {
            it.skip(`${check.title} [${check.id}] (skipped: ${skipReason})`, () => undefined);
            continue;
          }
          it(`${check.title} [${check.id}]`, async (testContext) => {
            const outcome = await runConformanceCheck(check.id, factory, options);
            if (outcome.status === 'skipped') testContext.skip(outcome.reason);
          }, timeout);
        }
      });
    }
  });
}
