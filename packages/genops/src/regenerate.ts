/**
 * Governed regeneration. In a fresh git worktree (never the caller's checkout), send the spec, the
 * package's public contracts (its declarations) and its tests to the pinned model within budget,
 * write the answer, then run the gates: typecheck, lint, tests, end-to-end tests, semantic diff and
 * budget (contracts are judged by wire compatibility, and a breaking contract change without a
 * version bump fails the semantic gate even with the flag). The result is committed on a review branch in the worktree and described in a markdown and
 * a JSON report; nothing is merged. A breaking change (a major bump by the semantic diff) fails the
 * gate unless explicitly allowed. `mode: 'patch'` also sends the current sources and asks for a
 * minimal change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CellularError } from '@cellular/core';
import { BudgetGuard, withBudget } from './budget.js';
import type { Price } from './budget.js';
import type { GenopsConfig } from './genops-config.js';
import { listFiles } from './hashing.js';
import { readLock } from './lockfile.js';
import type { LockEntry } from './lockfile.js';
import { emitDeclarations, loadSourceTree, readPackageJson } from './package-tree.js';
import { parseFiles, renderPrompt } from './prompt-template.js';
import type { CompletionRequest, Provider } from './providers/provider.js';
import { diffApi } from './semantic-diff.js';
import { loadContracts } from './api-baseline.js';
import { diffContracts } from './contract-compat.js';
import { buildDiffReport } from './diff-report.js';
import type { DiffReport } from './diff-report.js';
import { formatDiffMarkdown } from './report-format.js';
import { runCommand } from './internal/run-command.js';
import type { Bump } from './bump.js';

/** A gate's outcome. */
export interface GateResult {
  readonly name: string;
  readonly passed: boolean;
  readonly skipped?: boolean;
  readonly detail: string;
  readonly durationMs?: number;
}

/** Commands run as gates inside the regenerated package. Empty string skips a gate. */
export interface GateCommands {
  /** Defaults to `pnpm run typecheck`. */
  readonly typecheck?: string;
  /** Defaults to `pnpm run lint`. */
  readonly lint?: string;
  /** Defaults to `pnpm run test`. */
  readonly test?: string;
  /** End-to-end tests. Defaults to skipped. */
  readonly e2e?: string;
}

/** Options for {@link regenerate}. */
export interface RegenerateOptions {
  /** Repository root (a git work tree). */
  readonly root: string;
  readonly pkgDir: string;
  readonly specFile: string;
  readonly provider: Provider;
  readonly config: GenopsConfig;
  /** Defaults to `'regenerate'`. */
  readonly mode?: 'regenerate' | 'patch';
  /** Let a major bump pass the semantic gate. Defaults to false. */
  readonly allowBreaking?: boolean;
  readonly gates?: GateCommands;
  /** Defaults to `<root>/genops-reports`. */
  readonly reportDir?: string;
  /** Defaults to a timestamp. */
  readonly runId?: string;
  /** Remove the worktree at the end (the branch stays). Defaults to false. */
  readonly cleanup?: boolean;
  /** Lock entry to use instead of reading genops.lock. */
  readonly lockEntry?: LockEntry;
}

/** The outcome of a regeneration. */
export interface RegenerateReport {
  readonly runId: string;
  readonly package: string;
  readonly mode: 'regenerate' | 'patch';
  readonly status: 'passed' | 'failed' | 'budget-exceeded';
  readonly model: string;
  readonly provider: string;
  readonly worktree?: string;
  readonly branch?: string;
  readonly filesWritten: readonly string[];
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number; readonly costUsd: number };
  readonly estimate?: { readonly inputTokens: number; readonly worstCaseUsd: number };
  readonly requiredBump: Bump;
  readonly gates: readonly GateResult[];
  readonly diff?: DiffReport;
  readonly error?: string;
  readonly reportFiles: readonly string[];
}

const posix = (p: string): string => p.split(sep).join('/');

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function readTree(dir: string, sub: string, filter: (f: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(join(dir, sub), dir)) if (filter(f)) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

function priceFor(config: GenopsConfig, model: string): Price {
  const p = config.pricing[model];
  if (!p) throw new CellularError('INVALID_CONFIG', `No price for model ${model} in genops.config.json "pricing": budgets cannot be enforced`, { data: { model } });
  return p;
}

/** Build the completion request of a regeneration (also used by `genops estimate`). */
export function buildRequest(pkgDir: string, specFile: string, entry: LockEntry, mode: 'regenerate' | 'patch'): { request: CompletionRequest; expectedOutputTokens: number; sources: Record<string, string> } {
  const spec = readFileSync(specFile, 'utf8');
  let contracts: Record<string, string>;
  try {
    contracts = { ...emitDeclarations(pkgDir).files };
  } catch {
    contracts = {};
  }
  const isTest = (f: string): boolean => /\.test(-d)?\.ts$/u.test(f) || f.startsWith('test/');
  const tests = { ...readTree(pkgDir, 'test', (f) => !f.includes('/fixtures/')), ...readTree(pkgDir, 'src', isTest) };
  const sources = readTree(pkgDir, 'src', (f) => !isTest(f));
  const messages = renderPrompt({ mode, spec, contracts, tests, sources: mode === 'patch' ? sources : {} });
  const expected = Object.values(sources).reduce((n, s) => n + Math.ceil(s.length / 4), 0);
  return {
    request: {
      model: entry.model,
      messages,
      temperature: entry.sampling.temperature,
      ...(entry.sampling.seed !== undefined ? { seed: entry.sampling.seed } : {}),
      maxTokens: entry.sampling.maxTokens,
    },
    expectedOutputTokens: expected,
    sources,
  };
}

/** Render a regeneration report as markdown. */
export function formatRegenerateMarkdown(r: RegenerateReport): string {
  const lines = [
    `## genops ${r.mode}: ${r.package} — ${r.status.toUpperCase()}`,
    '',
    `- run: \`${r.runId}\``,
    `- model: \`${r.model}\` via ${r.provider}`,
    `- usage: ${r.usage.inputTokens} input + ${r.usage.outputTokens} output tokens, $${r.usage.costUsd.toFixed(4)}`,
    ...(r.estimate ? [`- estimate before the call: ${r.estimate.inputTokens} input tokens, worst case $${r.estimate.worstCaseUsd.toFixed(4)}`] : []),
    `- required bump: **${r.requiredBump}**`,
    ...(r.branch ? [`- review branch: \`${r.branch}\` (not merged)`] : []),
    ...(r.error ? [`- error: ${r.error}`] : []),
    '',
    '| gate | result | detail |',
    '|---|---|---|',
    ...r.gates.map((g) => `| ${g.name} | ${g.skipped ? 'skipped' : g.passed ? 'pass' : '**FAIL**'} | ${g.detail.replaceAll('|', '\\|').replaceAll('\n', ' ')} |`),
    '',
    `Files written: ${r.filesWritten.length === 0 ? '(none)' : r.filesWritten.map((f) => `\`${f}\``).join(', ')}`,
  ];
  if (r.diff) lines.push('', formatDiffMarkdown('Semantic diff', r.diff));
  return `${lines.join('\n')}\n`;
}

/** Run a governed regeneration. Never throws for a failed gate or an exceeded budget: see `status`. */
export async function regenerate(o: RegenerateOptions): Promise<RegenerateReport> {
  const root = resolve(o.root);
  const pkgDir = resolve(o.pkgDir);
  const mode = o.mode ?? 'regenerate';
  const runId = o.runId ?? new Date().toISOString().replace(/[:.]/gu, '-');
  const name = readPackageJson(pkgDir).name ?? posix(relative(root, pkgDir));
  const entry = o.lockEntry ?? readLock(join(root, o.config.lockFile)).packages[name];
  if (!entry) throw new CellularError('INVALID_CONFIG', `${name} is not pinned in ${o.config.lockFile}: run genops pin first`, { data: { package: name } });
  const price = priceFor(o.config, entry.model);
  const reportDir = resolve(o.reportDir ?? join(root, 'genops-reports'));
  const gates: GateResult[] = [];
  const base = { runId, package: name, mode, model: entry.model, provider: o.provider.name };
  const finish = (r: Omit<RegenerateReport, 'reportFiles'>): RegenerateReport => {
    mkdirSync(reportDir, { recursive: true });
    const stem = join(reportDir, `${name.replace(/^@/u, '').replace('/', '-')}-${runId}`);
    const files = [`${stem}.json`, `${stem}.md`];
    const full: RegenerateReport = { ...r, reportFiles: files };
    writeFileSync(files[0]!, `${JSON.stringify(full, null, 2)}\n`);
    writeFileSync(files[1]!, formatRegenerateMarkdown(full));
    return full;
  };

  const { request } = buildRequest(pkgDir, o.specFile, entry, mode);
  const guard = new BudgetGuard({
    package: name,
    runId,
    price,
    perRunUsd: o.config.budgets.perRunUsd,
    perPackageUsd: o.config.budgets.perPackageUsd,
    perRunTokens: o.config.budgets.perRunTokens,
    ledgerFile: join(root, o.config.ledgerFile),
  });
  let estimate: { inputTokens: number; worstCaseUsd: number } | undefined;
  let answer: string;
  let tokens: { inputTokens: number; outputTokens: number };
  try {
    const est = guard.before(request);
    estimate = { inputTokens: est.inputTokens, worstCaseUsd: est.worstCaseUsd };
    const result = await withBudget(o.provider, guard).complete(request);
    answer = result.text;
    tokens = { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens };
  } catch (e) {
    if (CellularError.is(e, 'BUDGET_EXCEEDED')) {
      gates.push({ name: 'budget', passed: false, detail: e.message });
      return finish({ ...base, status: 'budget-exceeded', filesWritten: [], usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, requiredBump: 'none', gates, error: e.message });
    }
    throw e;
  }
  const spent = guard.spent;
  const usage = { ...tokens, costUsd: spent.usd };
  const files = parseFiles(answer);
  if (Object.keys(files).length === 0) {
    gates.push({ name: 'answer', passed: false, detail: 'the model answer contained no files' });
    return finish({ ...base, status: 'failed', filesWritten: [], usage, requiredBump: 'none', gates, ...(estimate ? { estimate } : {}) });
  }

  // Worktree: a detached checkout of HEAD, with node_modules linked from the main checkout.
  const wt = mkdtempSync(join(tmpdir(), 'genops-wt-'));
  rmSync(wt, { recursive: true, force: true });
  const branch = `genops/${name.replace(/^@/u, '').replace('/', '-')}/${runId}`;
  git(root, ['worktree', 'add', '-q', '-b', branch, wt, 'HEAD']);
  const rel = relative(root, pkgDir);
  const wtPkg = join(wt, rel);
  try {
    for (const nm of [join(root, 'node_modules'), join(pkgDir, 'node_modules')]) {
      const target = join(wt, relative(root, nm));
      if (existsSync(nm) && !existsSync(target)) {
        mkdirSync(dirname(target), { recursive: true });
        symlinkSync(nm, target, 'dir');
      }
    }
    if (mode === 'regenerate') {
      for (const f of listFiles(join(wtPkg, 'src'), wtPkg)) if (!/\.test(-d)?\.ts$/u.test(f)) rmSync(join(wtPkg, f));
    }
    const written: string[] = [];
    for (const [path, content] of Object.entries(files)) {
      const target = join(wtPkg, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
      written.push(path);
    }

    const cmds: Required<GateCommands> = {
      typecheck: o.gates?.typecheck ?? 'pnpm run typecheck',
      lint: o.gates?.lint ?? 'pnpm run lint',
      test: o.gates?.test ?? 'pnpm run test',
      e2e: o.gates?.e2e ?? '',
    };
    for (const gate of ['typecheck', 'lint', 'test', 'e2e'] as const) {
      const cmd = cmds[gate];
      if (cmd === '') {
        gates.push({ name: gate, passed: true, skipped: true, detail: 'not configured' });
        continue;
      }
      const r = await runCommand(cmd, wtPkg);
      const tail = r.output.trim().split('\n').slice(-3).join(' / ');
      gates.push({ name: gate, passed: r.code === 0, detail: `\`${cmd}\` exit ${r.code}${r.code === 0 ? '' : `: ${tail.slice(0, 300)}`}`, durationMs: r.durationMs });
    }

    let diff: DiffReport | undefined;
    let requiredBump: Bump = 'none';
    try {
      const oldC = await loadContracts(pkgDir);
      const newC = await loadContracts(wtPkg);
      const names = [...oldC.contracts, ...newC.contracts].map((c) => c.exportName);
      const contracts = oldC.error === undefined && newC.error === undefined ? diffContracts(oldC.contracts, newC.contracts) : [];
      diff = buildDiffReport(diffApi(loadSourceTree(pkgDir), loadSourceTree(wtPkg), { baseDir: pkgDir, skipExports: names }), contracts, names);
      requiredBump = diff.bump;
      const breaking = diff.bump === 'major';
      const violations = diff.violations.length > 0 ? `; ${diff.violations.join('; ')}` : '';
      gates.push({
        name: 'semantic-diff',
        passed: (!breaking || o.allowBreaking === true) && diff.violations.length === 0,
        detail:
          (breaking ? (o.allowBreaking === true ? 'breaking change allowed by --allow-breaking' : 'breaking change (major): rerun with --allow-breaking to accept') : `required bump ${diff.bump}`) +
          violations,
      });
    } catch (e) {
      gates.push({ name: 'semantic-diff', passed: false, detail: `could not diff: ${(e as Error).message}` });
    }
    gates.push({ name: 'budget', passed: true, detail: `$${spent.usd.toFixed(4)} of $${o.config.budgets.perRunUsd} per run; package total $${spent.packageUsd.toFixed(4)} of $${o.config.budgets.perPackageUsd}` });

    git(wt, ['add', '-A', '--', rel]);
    git(wt, ['-c', 'user.name=genops', '-c', 'user.email=genops@localhost', 'commit', '-q', '--allow-empty', '-m', `genops ${mode} ${name} (${runId})`]);
    const passed = gates.every((g) => g.passed);
    const report = finish({
      ...base,
      status: passed ? 'passed' : 'failed',
      ...(o.cleanup === true ? {} : { worktree: wt }),
      branch,
      filesWritten: written.sort(),
      usage,
      ...(estimate ? { estimate } : {}),
      requiredBump,
      gates,
      ...(diff ? { diff } : {}),
    });
    return report;
  } finally {
    if (o.cleanup === true) {
      try {
        git(root, ['worktree', 'remove', '--force', wt]);
      } catch {
        rmSync(wt, { recursive: true, force: true });
      }
    }
  }
}
