// Builds a throwaway git repository holding the greeter fixture package, pinned in genops.lock, so
// regeneration runs end to end (worktree, gates, reports) without touching the real repository.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pinPackage } from '../../src/lockfile.js';

export const FIXTURE_DIR = resolve(import.meta.dirname, '../fixtures/greeter');
export const RECORDINGS_DIR = resolve(import.meta.dirname, '../fixtures/greeter-recordings');
export const MONOREPO_NODE_MODULES = resolve(import.meta.dirname, '../../../../node_modules');
export const MODEL = 'fixture-coder-2025-06-01';
export const PRICE = { inputPerMTok: 3, outputPerMTok: 15 };

export const GATES = {
  typecheck: `node ${JSON.stringify(join(MONOREPO_NODE_MODULES, 'typescript/bin/tsc'))} -p tsconfig.json`,
  lint: 'node scripts/lint.mjs',
  test: 'node --import tsx --test test/greeter.check.ts',
};

export interface GreeterRepo {
  readonly root: string;
  readonly pkgDir: string;
}

/** Create the repo; `budgets` overrides genops.config.json budgets. */
export function createGreeterRepo(budgets: Record<string, number> = {}): GreeterRepo {
  const root = mkdtempSync(join(tmpdir(), 'genops-e2e-'));
  const pkgDir = join(root, 'packages', 'greeter');
  mkdirSync(join(root, 'packages'), { recursive: true });
  cpSync(FIXTURE_DIR, pkgDir, { recursive: true });
  symlinkSync(MONOREPO_NODE_MODULES, join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, '.gitignore'), 'node_modules\ngenops-reports\ngenops-ledger.jsonl\n');
  writeFileSync(
    join(root, 'genops.config.json'),
    `${JSON.stringify({ pricing: { [MODEL]: PRICE }, budgets: { perRunUsd: 1, perPackageUsd: 5, perRunTokens: 200000, ...budgets } }, null, 2)}\n`,
  );
  pinPackage({
    root,
    lockFile: join(root, 'genops.lock'),
    pkgDir,
    specFile: join(pkgDir, 'spec-v2.md'),
    provider: 'openai',
    model: MODEL,
    temperature: 0,
    seed: 7,
    maxTokens: 4000,
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-q', '-m', 'fixture');
  return { root, pkgDir };
}
