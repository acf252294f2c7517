/**
 * The catalogue of conformance checks. Each check has a stable id (used in `options.skip` and by
 * `runConformanceCheck`), a group (the describe block) and a title (the test name).
 */
import type { ConformanceContext } from './conformance-context.js';
import { durableChecks } from './internal/checks-durable.js';
import { lifecycleChecks } from './internal/checks-lifecycle.js';
import { pubsubChecks } from './internal/checks-pubsub.js';
import { requestChecks } from './internal/checks-request.js';

/** One conformance check. */
export interface ConformanceCheck {
  /** Stable id such as `queue.exactly-one`. */
  readonly id: string;
  /** Describe block: `pub/sub`, `wildcards`, `queue groups`, `request/reply`, `durable streams`, ... */
  readonly group: string;
  /** Test name. */
  readonly title: string;
  /** Runs the check; throws (assertion error) on a violation, {@link ConformanceContext.skip} when it does not apply. */
  run(ctx: ConformanceContext): Promise<void>;
}

/** Every check, in suite order. */
export const conformanceChecks: readonly ConformanceCheck[] = [...pubsubChecks, ...requestChecks, ...durableChecks, ...lifecycleChecks];
