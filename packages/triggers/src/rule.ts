/**
 * Rules are declarative and validated with zod: a bad rule is a clear error at start, never a silent
 * no-op. Semantics follow Prometheus alerting (`for` before firing, `keepFiringFor` after the condition
 * clears) plus the Kubernetes autoscaler's tolerance band (no transition while the value sits within
 * ±tolerance of the threshold), which is what keeps a noisy signal from flapping.
 */
import { z } from 'zod';
import { CellularError } from '@cellular/core';
import { SIGNALS } from './signal.js';

/** Duration: milliseconds, or a string like `30s`, `5m`, `1h`, `250ms`. */
const DurationSchema = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/u, 'a duration like 250ms, 30s, 5m or 1h')
    .transform((s) => {
      const m = /^(\d+)(ms|s|m|h)$/u.exec(s)!;
      const n = Number(m[1]);
      const unit = m[2];
      return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
    }),
]);

/** The rule schema. */
export const RuleSchema = z
  .object({
    /** Unique rule name (`cpu-sustained`). */
    name: z.string().regex(/^[a-z][a-z0-9-]*$/u, 'lowercase letters, digits and -'),
    /** Signal name the rule watches. */
    signal: z.string().min(1),
    /** Comparison of the signal's value with the threshold. */
    op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
    threshold: z.number(),
    /** How long the condition must hold before firing. Defaults to 0. */
    for: DurationSchema.default(0),
    /** How long a firing rule keeps firing after the condition clears. Defaults to 0. */
    keepFiringFor: DurationSchema.default(0),
    /** Fractional band around the threshold in which nothing changes (0.1 = ±10%). Defaults to 0. */
    tolerance: z.number().min(0).max(1).default(0),
    /** Only signals with this scope (a cell or package name). Unset: each scope is judged separately. */
    scope: z.string().min(1).optional(),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    /** What firing means, for reports. */
    summary: z.string().default(''),
  })
  .strict();

/** A rule as written (durations as strings or ms, defaults omitted). */
export type RuleInput = z.input<typeof RuleSchema>;
/** A validated rule (durations in ms, defaults filled). */
export type Rule = z.output<typeof RuleSchema>;

/**
 * Validate rules. Names must be unique.
 * @throws CellularError VALIDATION naming the rule index and field
 */
export function defineRules(rules: readonly RuleInput[]): Rule[] {
  const parsed = z.array(RuleSchema).safeParse(rules);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    const idx = typeof issue.path[0] === 'number' ? issue.path[0] : undefined;
    const name = idx !== undefined ? (rules[idx] as { name?: unknown } | undefined)?.name : undefined;
    throw new CellularError(
      'VALIDATION',
      `Invalid trigger rule${typeof name === 'string' ? ` "${name}"` : ''} at "${path}": ${issue.message}`,
      { data: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } },
    );
  }
  const seen = new Set<string>();
  for (const r of parsed.data) {
    if (seen.has(r.name)) throw new CellularError('VALIDATION', `Duplicate trigger rule name "${r.name}"`, { data: { rule: r.name } });
    seen.add(r.name);
  }
  return parsed.data;
}

/**
 * The seeds' default triggers: CPU > 75% sustained (CPU demand, see {@link SIGNALS}.cpuDemand), more
 * than 150 concurrent users, SLO breach (p99 latency and error rate), codebase > 2 MB (warning at
 * 500 KB), untrusted or multi-tenant code, a polyglot runtime, and regulatory or geographic isolation.
 */
export const DEFAULT_RULES: readonly RuleInput[] = Object.freeze([
  { name: 'cpu-sustained', signal: SIGNALS.cpuDemand, op: '>', threshold: 75, for: '5m', keepFiringFor: '2m', tolerance: 0.05, severity: 'critical', summary: 'CPU demand above 75% of a core, sustained: move the hottest cell to its own process' },
  { name: 'concurrent-users', signal: SIGNALS.concurrentUsers, op: '>', threshold: 150, for: '5m', keepFiringFor: '10m', tolerance: 0.05, severity: 'critical', summary: 'More than 150 concurrent users: beyond what the monolith is sized for' },
  { name: 'slo-latency', signal: SIGNALS.latencyP99, op: '>', threshold: 500, for: '5m', keepFiringFor: '5m', tolerance: 0.1, severity: 'critical', summary: 'Gateway p99 latency above 500 ms (SLO breach)' },
  { name: 'slo-errors', signal: SIGNALS.errorRate, op: '>', threshold: 0.01, for: '5m', keepFiringFor: '5m', severity: 'critical', summary: 'More than 1% of gateway requests fail (SLO breach)' },
  { name: 'codebase-large', signal: SIGNALS.codeBytes, op: '>', threshold: 2_000_000, severity: 'critical', summary: 'Codebase above 2 MB: past what a model can hold in context; split it' },
  { name: 'codebase-warning', signal: SIGNALS.codeBytes, op: '>', threshold: 500_000, severity: 'warning', summary: 'Codebase above 500 KB: the monolith guideline; plan the split' },
  { name: 'untrusted-code', signal: SIGNALS.untrusted, op: '==', threshold: 1, severity: 'critical', summary: 'Cell runs untrusted code: a sandbox is a seat belt, not a boundary; run it in its own process or host' },
  { name: 'multi-tenant', signal: SIGNALS.multiTenant, op: '==', threshold: 1, severity: 'critical', summary: 'Cell serves several tenants: isolate it' },
  { name: 'polyglot', signal: SIGNALS.polyglot, op: '==', threshold: 1, severity: 'warning', summary: 'Cell needs another runtime: it must run as its own process over a broker' },
  { name: 'regulatory-isolation', signal: SIGNALS.isolation, op: '==', threshold: 1, severity: 'critical', summary: 'Cell has a regulatory or geographic isolation requirement' },
]);
