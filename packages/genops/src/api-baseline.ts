/**
 * Committed API baselines and the CI check against them. `snapshotApi` writes
 * `<pkg>/api/public-api.json` (the emitted declaration files of the public entry, plus the export
 * list) and `<pkg>/api/contracts.json` (the input/output JSON Schemas of every exported contract and
 * zod schema). `checkApi` diffs the current source against that baseline and compares the required
 * bump with what the pending changesets declare. Baselines are plain, sorted JSON so that a review
 * shows exactly what moved.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CellularError } from '@cellular/core';
import { diffApi } from './semantic-diff.js';
import { diffContracts, snapshotContracts } from './contract-compat.js';
import type { CompatibilityMode, ContractSnapshot } from './contract-compat.js';
import { buildDiffReport } from './diff-report.js';
import type { DiffReport } from './diff-report.js';
import { emitDeclarations, loadSourceTree, readPackageJson } from './package-tree.js';
import { bumpCovers, requiredBump } from './bump.js';
import type { Bump, VersionConvention } from './bump.js';
import { declaredBump, findChangesetDir, readChangesets } from './changeset.js';

/** Where baselines live inside a package. */
export const BASELINE_DIR = 'api';

const BaselineSchema = z.object({
  schemaVersion: z.literal(1),
  package: z.string(),
  entry: z.string(),
  exports: z.array(z.string()),
  files: z.record(z.string(), z.string()),
});
const ContractsSchema = z.object({
  schemaVersion: z.literal(1),
  contracts: z.array(z.looseObject({ exportName: z.string(), name: z.string() })),
});

/** The committed API baseline of a package. */
export type ApiBaseline = z.infer<typeof BaselineSchema>;

/** Loads a module namespace; tests and the CLI pass their own (vitest / tsx). */
export type ModuleImporter = (file: string) => Promise<Readonly<Record<string, unknown>>>;

let importCounter = 0;
// A query string makes each check import the entry afresh (module caches would return stale contracts).
const defaultImporter: ModuleImporter = async (file) =>
  (await import(`${pathToFileURL(file).href}?genops=${String(++importCounter)}`)) as Record<string, unknown>;

function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** Options shared by snapshot and check. */
export interface ApiBaselineOptions {
  /** How to import the package entry to read its contracts. Defaults to dynamic `import()`. */
  readonly importModule?: ModuleImporter;
}

/** Read contracts from the package's source entry; an import failure is returned, not thrown. */
export async function loadContracts(pkgDir: string, importModule: ModuleImporter = defaultImporter): Promise<{ contracts: ContractSnapshot[]; error?: string }> {
  const tree = loadSourceTree(pkgDir);
  try {
    const ns = await importModule(resolve(pkgDir, tree.entry));
    return { contracts: snapshotContracts(ns) };
  } catch (e) {
    return { contracts: [], error: `could not import ${tree.entry} to read contracts: ${(e as Error).message}` };
  }
}

/**
 * Read the contracts of a tree that is not on disk (a git ref): write it to a temporary directory
 * inside the package (so its imports resolve through the package's node_modules), import the entry,
 * and remove the directory.
 */
export async function loadTreeContracts(
  pkgDir: string,
  tree: { readonly files: Readonly<Record<string, string>>; readonly entry: string },
  importModule: ModuleImporter = defaultImporter,
): Promise<{ contracts: ContractSnapshot[]; error?: string }> {
  const dir = mkdtempSync(join(pkgDir, '.genops-ref-'));
  try {
    for (const [rel, text] of Object.entries(tree.files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    return { contracts: snapshotContracts(await importModule(join(dir, tree.entry))) };
  } catch (e) {
    return { contracts: [], error: `could not import ${tree.entry} at the ref to read contracts: ${(e as Error).message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Write the API baseline of `pkgDir`; returns the files written. */
export async function snapshotApi(pkgDir: string, options: ApiBaselineOptions = {}): Promise<string[]> {
  const pkg = readPackageJson(pkgDir);
  const dts = emitDeclarations(pkgDir);
  const { contracts, error } = await loadContracts(pkgDir, options.importModule);
  if (error !== undefined) throw new CellularError('INVALID_CONFIG', error, { data: { pkgDir } });
  const api = diffApi(dts, dts, { baseDir: pkgDir });
  const dir = join(pkgDir, BASELINE_DIR);
  mkdirSync(dir, { recursive: true });
  const baseline: ApiBaseline = { schemaVersion: 1, package: pkg.name ?? '', entry: dts.entry, exports: [...api.exports.after], files: { ...dts.files } };
  const apiFile = join(dir, 'public-api.json');
  const contractsFile = join(dir, 'contracts.json');
  writeFileSync(apiFile, stableJson(baseline));
  writeFileSync(contractsFile, stableJson({ schemaVersion: 1, contracts }));
  return [apiFile, contractsFile];
}

/** Read a committed baseline. */
export function readBaseline(pkgDir: string): { api: ApiBaseline; contracts: ContractSnapshot[] } {
  const apiFile = join(pkgDir, BASELINE_DIR, 'public-api.json');
  if (!existsSync(apiFile)) {
    throw new CellularError('NOT_FOUND', `No API baseline at ${apiFile}: run \`genops api snapshot ${pkgDir}\` and commit it`, { data: { pkgDir } });
  }
  const api = BaselineSchema.parse(JSON.parse(readFileSync(apiFile, 'utf8')));
  const contractsFile = join(pkgDir, BASELINE_DIR, 'contracts.json');
  const contracts = existsSync(contractsFile)
    ? (ContractsSchema.parse(JSON.parse(readFileSync(contractsFile, 'utf8'))).contracts as unknown as ContractSnapshot[])
    : [];
  return { api, contracts };
}

/** Options for {@link checkApi}. */
export interface ApiCheckOptions extends ApiBaselineOptions {
  /** The `.changeset` directory. Defaults to the nearest one above the package. */
  readonly changesetDir?: string;
  /** Contract compatibility mode. Defaults to `'BACKWARD'`. */
  readonly mode?: CompatibilityMode;
  /**
   * Require plain semver bumps below 1.0 too. Defaults to false: for 0.x versions a breaking change
   * needs a minor bump and an addition a patch (see {@link requiredBump}).
   */
  readonly strictZero?: boolean;
}

/** The outcome of {@link checkApi} for one package. */
export interface ApiCheckResult {
  readonly package: string;
  readonly pkgDir: string;
  readonly report: DiffReport;
  /** The bump the changesets must declare (after the 0.x convention, see `strictZero`). */
  readonly required: Bump;
  /** How `required` was derived from `report.bump`: plain semver, or shifted one level below 1.0. */
  readonly convention: VersionConvention;
  readonly declared: Bump;
  readonly ok: boolean;
  /** Why the check failed (empty when ok). */
  readonly problems: readonly string[];
  /** Non-fatal notes (contracts that could not be loaded). */
  readonly warnings: readonly string[];
}

/** Diff `pkgDir` against its committed baseline and check the pending changesets cover it. */
export async function checkApi(pkgDir: string, options: ApiCheckOptions = {}): Promise<ApiCheckResult> {
  const pkg = readPackageJson(pkgDir);
  const name = pkg.name ?? pkgDir;
  const baseline = readBaseline(pkgDir);
  const current = emitDeclarations(pkgDir);
  const { contracts, error } = await loadContracts(pkgDir, options.importModule);
  const contractNames = new Set([...baseline.contracts.map((c) => c.exportName), ...contracts.map((c) => c.exportName)]);
  const api = diffApi({ files: baseline.api.files, entry: baseline.api.entry }, current, { baseDir: pkgDir, skipExports: contractNames });
  const contractChanges = error === undefined ? diffContracts(baseline.contracts, contracts, options.mode ?? 'BACKWARD') : [];
  const report = buildDiffReport(api, contractChanges, contractNames);
  const dir = options.changesetDir ?? findChangesetDir(pkgDir);
  const declared = dir === undefined ? 'none' : declaredBump(readChangesets(dir), name);
  const problems: string[] = [...report.violations];
  const { bump: required, convention } = requiredBump(report.bump, pkg.version ?? '0.0.0', { strictZero: options.strictZero === true });
  if (!bumpCovers(declared, required)) {
    problems.push(
      `${name}: the API diff requires a ${required} bump${required !== report.bump ? ` (${report.bump} under semver, ${required} for a 0.x version)` : ''} but pending changesets declare ${declared === 'none' ? 'nothing' : declared}`,
    );
  }
  return { package: name, pkgDir, report, required, convention, declared, ok: problems.length === 0, problems, warnings: error === undefined ? [] : [error] };
}

/** Published packages (not private) under `<root>/packages` that have a baseline or not. */
export function listPublishedPackages(root: string): string[] {
  const dir = join(root, 'packages');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
    .map((d) => join(dir, d.name))
    .filter((p) => readPackageJson(p).private !== true)
    .sort();
}
