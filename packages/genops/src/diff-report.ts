/**
 * Joins the TypeScript API diff and the contract diff into one report with one required bump. Exports
 * that are contracts or zod schemas are judged by their wire compatibility only: their TypeScript
 * types (deep zod generics) would restate the same change less precisely.
 */
import type { ApiChange, ApiDiff } from './semantic-diff.js';
import type { ContractChange } from './contract-compat.js';
import { maxBump } from './bump.js';
import type { Bump } from './bump.js';

/** The full result of a semantic diff. */
export interface DiffReport {
  /** TypeScript API changes (contract exports excluded). */
  readonly api: readonly ApiChange[];
  /** Contract and schema changes. */
  readonly contracts: readonly ContractChange[];
  /** The bump the changes require. */
  readonly bump: Bump;
  /** Breaking contract changes without a version bump: each one fails the check. */
  readonly violations: readonly string[];
}

/** Combine an API diff with contract changes. */
export function buildDiffReport(api: ApiDiff, contracts: readonly ContractChange[], contractExports: Iterable<string> = []): DiffReport {
  const skip = new Set(contractExports);
  for (const c of contracts) skip.add(c.exportName);
  const apiChanges = api.changes.filter((c) => !skip.has(c.export));
  let bump: Bump = 'none';
  for (const c of apiChanges) bump = maxBump(bump, c.bump);
  for (const c of contracts) bump = maxBump(bump, c.bump);
  const violations = contracts.flatMap((c) => (c.violation === undefined ? [] : [c.violation]));
  return { api: apiChanges, contracts, bump, violations };
}

/** The largest bump per export name: the unit the accuracy corpus is scored on. */
export function exportBumps(report: DiffReport): Map<string, Bump> {
  const out = new Map<string, Bump>();
  for (const c of report.api) out.set(c.export, maxBump(out.get(c.export) ?? 'none', c.bump));
  for (const c of report.contracts) out.set(c.exportName, maxBump(out.get(c.exportName) ?? 'none', c.bump));
  return out;
}
