import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { regenerate } from '../src/regenerate.js';
import { loadConfig } from '../src/genops-config.js';
import { createReplayProvider } from '../src/providers/replay-provider.js';
import { readLedger } from '../src/budget.js';
import { checkLock } from '../src/lockfile.js';
import { createGreeterRepo, GATES, RECORDINGS_DIR } from './helpers/greeter-repo.js';
import type { GreeterRepo } from './helpers/greeter-repo.js';

const repos: GreeterRepo[] = [];
afterAll(() => {
  for (const r of repos) {
    for (const wt of execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: r.root, encoding: 'utf8' }).split('\n')) {
      if (wt.startsWith('worktree ') && wt.slice(9) !== r.root) rmSync(wt.slice(9), { recursive: true, force: true });
    }
    rmSync(r.root, { recursive: true, force: true });
  }
});

const make = (budgets: Record<string, number> = {}): GreeterRepo => {
  const r = createGreeterRepo(budgets);
  repos.push(r);
  return r;
};

describe('genops regenerate end to end (replay provider)', () => {
  it('regenerates within budget, passes every gate and writes reports without merging', { timeout: 120_000 }, async () => {
    const repo = make();
    const report = await regenerate({
      root: repo.root,
      pkgDir: repo.pkgDir,
      specFile: join(repo.pkgDir, 'spec-v2.md'),
      provider: createReplayProvider(RECORDINGS_DIR),
      config: loadConfig(repo.root),
      gates: GATES,
      runId: 'e2e-pass',
    });
    expect(report.gates.filter((g) => !g.passed)).toEqual([]);
    expect(report.status).toBe('passed');
    expect(report.requiredBump).toBe('minor');
    expect(report.diff?.api.map((c) => `${c.export}:${c.rule}`).sort()).toEqual(['GreetOptions:property-optional-added', 'farewell:export-added']);
    // the recording reports usage counted with the same tokenizer the estimate uses
    expect(report.usage.inputTokens).toBe(report.estimate?.inputTokens);
    expect(report.usage.outputTokens).toBeGreaterThan(50);
    expect(report.usage.costUsd).toBeCloseTo((report.usage.inputTokens * 3 + report.usage.outputTokens * 15) / 1e6, 10);
    // never merged: the main checkout is untouched, the result sits on a review branch
    expect(readFileSync(join(repo.pkgDir, 'src/index.ts'), 'utf8')).not.toContain('farewell');
    expect(readFileSync(join(report.worktree!, 'packages/greeter/src/index.ts'), 'utf8')).toContain('farewell');
    expect(execFileSync('git', ['branch', '--show-current'], { cwd: repo.root, encoding: 'utf8' }).trim()).toBe('main');
    for (const f of report.reportFiles) expect(existsSync(f)).toBe(true);
    expect(readFileSync(report.reportFiles[1]!, 'utf8')).toContain('| semantic-diff | pass |');
    expect(readLedger(join(repo.root, 'genops-ledger.jsonl'))).toHaveLength(1);
    // the lock still describes the main checkout
    expect(checkLock(repo.root, join(repo.root, 'genops.lock'), new Map([['@fixture/greeter', repo.pkgDir]]))[0]?.ok).toBe(true);
  });

  it('fails the test and semantic-diff gates on a breaking answer without --allow-breaking', { timeout: 120_000 }, async () => {
    const repo = make();
    const report = await regenerate({
      root: repo.root,
      pkgDir: repo.pkgDir,
      specFile: join(repo.pkgDir, 'spec-breaking.md'),
      provider: createReplayProvider(RECORDINGS_DIR),
      config: loadConfig(repo.root),
      gates: GATES,
      runId: 'e2e-breaking',
    });
    expect(report.status).toBe('failed');
    expect(report.requiredBump).toBe('major');
    const failed = report.gates.filter((g) => !g.passed).map((g) => g.name);
    expect(failed).toContain('semantic-diff');
    expect(failed).toContain('test');
    expect(report.diff?.api).toContainEqual(expect.objectContaining({ export: 'greet', rule: 'export-removed', bump: 'major' }));
  });

  it('stops with BUDGET_EXCEEDED before the call that would cross the run budget', { timeout: 60_000 }, async () => {
    const repo = make({ perRunUsd: 0.01 });
    let calls = 0;
    const replay = createReplayProvider(RECORDINGS_DIR);
    const report = await regenerate({
      root: repo.root,
      pkgDir: repo.pkgDir,
      specFile: join(repo.pkgDir, 'spec-v2.md'),
      provider: { name: 'counting', complete: (r) => (calls++, replay.complete(r)) },
      config: loadConfig(repo.root),
      gates: GATES,
      runId: 'e2e-budget',
    });
    expect(report.status).toBe('budget-exceeded');
    expect(calls).toBe(0);
    expect(report.error).toContain('Run budget $0.01 would be exceeded');
    expect(report.filesWritten).toEqual([]);
    expect(existsSync(join(repo.root, 'genops-ledger.jsonl'))).toBe(false);
  });

  it('replay refuses a request it has no recording for', async () => {
    const replay = createReplayProvider(RECORDINGS_DIR);
    await expect(replay.complete({ model: 'm-2025-01-01', messages: [{ role: 'user', content: 'unrecorded' }], temperature: 0, maxTokens: 10 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('replay never calls a live model'),
    });
  });
});
