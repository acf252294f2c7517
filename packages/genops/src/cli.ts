/**
 * The `genops` command line. Every command is a function of (argv, io) returning an exit code, so the
 * CLI is tested in-process; `bin/genops.mjs` only bootstraps TypeScript loading. Exit codes: 0 ok,
 * 1 a check failed (the diff needs more than the changesets declare, a lock mismatch, a failed gate),
 * 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { CellularError } from '@cellular/core';
import { checkApi, listPublishedPackages, loadContracts, loadTreeContracts, snapshotApi } from './api-baseline.js';
import { diffContracts } from './contract-compat.js';
import type { ApiCheckResult } from './api-baseline.js';
import { formatDiffMarkdown } from './report-format.js';
import { diffApi } from './semantic-diff.js';
import { buildDiffReport } from './diff-report.js';
import { loadGitTree, loadSourceTree, readPackageJson } from './package-tree.js';
import { findChangesetDir, writeChangeset } from './changeset.js';
import type { CompatibilityMode } from './contract-compat.js';
import { cliCommands } from './internal/cli-commands.js';
import { loadConfig } from './genops-config.js';

/** Where the CLI writes. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Working directory. Defaults to `process.cwd()`. */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const USAGE = `genops <command> [options]

  api snapshot <pkgDir>             write <pkgDir>/api/public-api.json and contracts.json
  api check <pkgDir>... | --all     diff against the baseline; fail if changesets declare less
        [--root <dir>] [--json] [--mode BACKWARD|FORWARD|FULL|NONE] [--write-changeset] [--strict-zero]
  diff <pkgDir> --from <ref> [--to <ref>] [--json] [--mode ...]
                                    semantic + contract diff between git refs (default to: working tree)
  pin <pkgDir> --spec <file> --provider <p> --model <id> [--temperature n] [--seed n]
  check [<pkgDir>...]               fail when code, spec or model no longer match genops.lock
  estimate <pkgDir> --spec <file>   token and cost estimate of a regeneration
  verify <pkgDir>                   build twice with SOURCE_DATE_EPOCH, compare packed tarballs
  regenerate <pkgDir> --spec <file> [--allow-breaking] [--replay <dir>] [--record <dir>]
  patch <pkgDir> --spec <file>      same as regenerate, for a small fix

Exit codes: 0 ok, 1 check failed, 2 usage or configuration error.`;

const DEFAULT_OUT = (io: CliIo) => ({
  out: (s: string): void => {
    io.stdout(`${s}\n`);
  },
  err: (s: string): void => {
    io.stderr(`${s}\n`);
  },
});

function printCheck(r: ApiCheckResult, out: (s: string) => void): void {
  out(formatDiffMarkdown(`${r.package}: ${r.ok ? 'ok' : 'FAILED'} (required ${r.required}${r.convention === 'zero-shifted' ? ' under the 0.x convention' : ''}, declared ${r.declared})`, r.report));
  for (const p of r.problems) out(`- **problem**: ${p}`);
  for (const w of r.warnings) out(`- warning: ${w}`);
  out('');
}

async function apiCommand(args: string[], io: CliIo): Promise<number> {
  const { out, err } = DEFAULT_OUT(io);
  const cwd = io.cwd ?? process.cwd();
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      root: { type: 'string' },
      json: { type: 'boolean', default: false },
      mode: { type: 'string', default: 'BACKWARD' },
      'write-changeset': { type: 'boolean', default: false },
      'strict-zero': { type: 'boolean', default: false },
    },
  });
  const [sub, ...dirs] = positionals;
  const root = resolve(cwd, values.root ?? '.');
  const targets = values.all ? listPublishedPackages(root) : dirs.map((d) => resolve(cwd, d));
  if (targets.length === 0) {
    err('api: give a package directory or --all');
    return 2;
  }
  if (sub === 'snapshot') {
    for (const t of targets) {
      const files = await snapshotApi(t);
      out(`wrote ${files.join(', ')}`);
    }
    return 0;
  }
  if (sub !== 'check') {
    err(`api: unknown subcommand ${String(sub)}\n${USAGE}`);
    return 2;
  }
  const mode = values.mode as CompatibilityMode;
  if (!['BACKWARD', 'FORWARD', 'FULL', 'NONE'].includes(mode)) {
    err(`--mode must be BACKWARD, FORWARD, FULL or NONE`);
    return 2;
  }
  const strictZero = values['strict-zero'] || loadConfig(root).strictZero;
  const results: ApiCheckResult[] = [];
  let failed = false;
  for (const t of targets) {
    let r: ApiCheckResult;
    try {
      r = await checkApi(t, { mode, strictZero });
    } catch (e) {
      if (CellularError.is(e, 'NOT_FOUND')) {
        err(`${t}: ${e.message}`);
        failed = true;
        continue;
      }
      throw e;
    }
    results.push(r);
    if (!r.ok && values['write-changeset'] && r.report.violations.length === 0 && r.required !== 'none') {
      const dir = findChangesetDir(t) ?? resolve(root, '.changeset');
      const file = writeChangeset(dir, r.package, r.required, `API change detected by genops:\n\n${r.report.api.map((c) => `- ${c.export}: ${c.reason}`).join('\n')}`);
      out(`wrote ${file}`);
    } else if (!r.ok) failed = true;
    if (!values.json) printCheck(r, out);
  }
  if (values.json) out(JSON.stringify(results, null, 2));
  return failed ? 1 : 0;
}

async function diffCommand(args: string[], io: CliIo): Promise<number> {
  const { out, err } = DEFAULT_OUT(io);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean', default: false }, mode: { type: 'string', default: 'BACKWARD' } },
  });
  const dir = positionals[0];
  if (dir === undefined || values.from === undefined) {
    err('diff: usage: genops diff <pkgDir> --from <ref> [--to <ref>]');
    return 2;
  }
  const pkgDir = resolve(io.cwd ?? process.cwd(), dir);
  const before = loadGitTree(pkgDir, values.from);
  const after = values.to === undefined ? loadSourceTree(pkgDir) : loadGitTree(pkgDir, values.to);
  const oldC = await loadTreeContracts(pkgDir, before);
  const newC = values.to === undefined ? await loadContracts(pkgDir) : await loadTreeContracts(pkgDir, after);
  const names = [...oldC.contracts, ...newC.contracts].map((c) => c.exportName);
  const contracts = oldC.error === undefined && newC.error === undefined ? diffContracts(oldC.contracts, newC.contracts, values.mode as CompatibilityMode) : [];
  const report = buildDiffReport(diffApi(before, after, { baseDir: pkgDir, skipExports: names }), contracts, names);
  for (const w of [oldC.error, newC.error]) if (w !== undefined) err(`warning: ${w}`);
  const name = readPackageJson(pkgDir).name ?? dir;
  out(values.json ? JSON.stringify(report, null, 2) : formatDiffMarkdown(`${name}: ${values.from}..${values.to ?? 'working tree'}`, report));
  return report.violations.length > 0 ? 1 : 0;
}

/**
 * Run the CLI. Returns the exit code.
 *
 * @example
 * ```ts
 * const code = await main(['api', 'check', '--all'], { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'api':
        return await apiCommand(rest, io);
      case 'diff':
        return await diffCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${USAGE}\n`);
        return cmd === undefined ? 2 : 0;
      default: {
        const command = cliCommands[cmd];
        if (command) return await command(rest, io);
        io.stderr(`unknown command ${cmd}\n${USAGE}\n`);
        return 2;
      }
    }
  } catch (e) {
    const ce = e instanceof CellularError ? e : undefined;
    io.stderr(`genops ${cmd}: ${ce ? `${ce.code}: ` : ''}${(e as Error).message}\n`);
    if (ce?.code === 'BUDGET_EXCEEDED') return 1;
    return 2;
  }
}
