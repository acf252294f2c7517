/**
 * Repository configuration of genops (`genops.config.json` at the repository root, zod-validated):
 * the pricing table, budgets, the list of moving model aliases and where the lock and the ledger
 * live. Every field has a default so a repository without the file still works; an invalid file is
 * an INVALID_CONFIG error naming the field, never silently ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { CellularError } from '@cellular/core';

const Price = z.object({
  /** USD per million input tokens. */
  inputPerMTok: z.number().nonnegative(),
  /** USD per million output tokens. */
  outputPerMTok: z.number().nonnegative(),
});

/** The zod schema of `genops.config.json`. */
export const GenopsConfigSchema = z.object({
  /** Lock file path, relative to the root. Defaults to `genops.lock`. */
  lockFile: z.string().default('genops.lock'),
  /** Usage ledger path, relative to the root. Defaults to `genops-ledger.jsonl`. */
  ledgerFile: z.string().default('genops-ledger.jsonl'),
  /** Prices by model id (exact) in USD per million tokens. */
  pricing: z.record(z.string(), Price).default({}),
  /** Model ids (exact or `*` globs) refused as moving aliases, on top of the built-in rules. */
  movingAliases: z.array(z.string()).default([]),
  /** Model ids (exact or globs) accepted even without a date (local models pinned by digest, ...). */
  allowModels: z.array(z.string()).default([]),
  /**
   * What each package should be generated from: `genops check` fails when the lock names another
   * spec, provider or model than declared here.
   */
  packages: z
    .record(z.string(), z.object({ spec: z.string().optional(), provider: z.string().optional(), model: z.string().optional() }))
    .default({}),
  /**
   * `genops api check` below 1.0: false (default) shifts bumps one level (a breaking change needs a
   * minor changeset, an addition a patch); true requires plain semver bumps. `--strict-zero` forces true.
   */
  strictZero: z.boolean().default(false),
  budgets: z
    .object({
      /** Hard cap per run in USD. Defaults to 5. */
      perRunUsd: z.number().positive().default(5),
      /** Hard cap per package (all runs in the ledger) in USD. Defaults to 20. */
      perPackageUsd: z.number().positive().default(20),
      /** Hard cap per run in tokens (input + output). Defaults to 2,000,000. */
      perRunTokens: z.number().int().positive().default(2_000_000),
    })
    .default({ perRunUsd: 5, perPackageUsd: 20, perRunTokens: 2_000_000 }),
});

/** Parsed genops configuration. */
export type GenopsConfig = z.output<typeof GenopsConfigSchema>;

/** The repository root: the nearest directory above `from` holding pnpm-workspace.yaml, genops.config.json or .git. */
export function findRoot(from: string): string {
  for (let d = resolve(from); ; d = dirname(d)) {
    if (['pnpm-workspace.yaml', 'genops.config.json', '.git'].some((f) => existsSync(join(d, f)))) return d;
    if (dirname(d) === d) return resolve(from);
  }
}

/** Load `genops.config.json` from `root` (defaults when absent). */
export function loadConfig(root: string): GenopsConfig {
  const file = join(root, 'genops.config.json');
  const raw: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const parsed = GenopsConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CellularError('INVALID_CONFIG', `${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`, {
      data: { file, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return parsed.data;
}
