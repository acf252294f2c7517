import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from 'gpt-tokenizer';
import { BudgetGuard, costUsd, countPromptTokens, estimateRequest, readLedger, withBudget } from './budget.js';
import type { CompletionRequest, Provider } from './providers/provider.js';
import { CellularError } from '@cellular/core';

const price = { inputPerMTok: 2, outputPerMTok: 10 };
const req = (content: string, maxTokens = 1000): CompletionRequest => ({ model: 'm-2025-01-01', messages: [{ role: 'user', content }], temperature: 0, maxTokens });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'genops-budget-'));
  dirs.push(d);
  return d;
};
const provider = (usage = { inputTokens: 100, outputTokens: 50 }): Provider & { calls: number } => {
  const p = { name: 'fake', calls: 0, complete: (r: CompletionRequest) => (p.calls++, Promise.resolve({ text: 'x', usage, model: r.model })) };
  return p;
};

describe('token counting and cost', () => {
  it('counts with the real o200k tokenizer plus chat overhead', () => {
    const text = 'Hello, tokenizer world!';
    expect(countPromptTokens([{ role: 'user', content: text }])).toBe(encode(text).length + 4 + 3);
  });
  it('prices usage per million tokens', () => {
    expect(costUsd({ inputTokens: 1_000_000, outputTokens: 500_000 }, price)).toBe(7);
  });
  it('estimates the worst case with the full maxTokens of output', () => {
    const e = estimateRequest(req('hi', 2000), price, 300);
    expect(e.maxOutputTokens).toBe(2000);
    expect(e.expectedOutputTokens).toBe(300);
    expect(e.worstCaseUsd).toBeCloseTo((e.inputTokens * 2 + 2000 * 10) / 1e6, 12);
  });
});

describe('BudgetGuard', () => {
  const opts = { package: '@x/y', runId: 'r1', price, perRunUsd: 1, perPackageUsd: 10, perRunTokens: 1_000_000 };

  it('stops before the call that would cross the run budget, without calling the provider', async () => {
    const guard = new BudgetGuard({ ...opts, perRunUsd: 0.025 });
    const p = provider({ inputTokens: 100, outputTokens: 1000 }); // $0.0102 actual per call
    const budgeted = withBudget(p, guard);
    await budgeted.complete(req('a', 1000)); // worst case ~$0.01 before each call
    await budgeted.complete(req('b', 1000));
    const err = await budgeted.complete(req('c', 1000)).catch((e: unknown) => e);
    expect(CellularError.is(err, 'BUDGET_EXCEEDED')).toBe(true);
    expect((err as CellularError).data).toMatchObject({ scope: 'run', limit: 0.025 });
    expect(p.calls).toBe(2);
  });

  it('enforces the token cap per run', async () => {
    const guard = new BudgetGuard({ ...opts, perRunTokens: 500 });
    await expect(withBudget(provider(), guard).complete(req('a', 1000))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', data: expect.objectContaining({ scope: 'run-tokens' }) });
  });

  it('records actual usage in the ledger and counts it against the package budget of later runs', async () => {
    const ledgerFile = join(tmp(), 'ledger.jsonl');
    const first = new BudgetGuard({ ...opts, ledgerFile, now: () => new Date(0) });
    await withBudget(provider({ inputTokens: 1000, outputTokens: 1000 }), first).complete(req('a', 100));
    const ledger = readLedger(ledgerFile);
    expect(ledger).toEqual([expect.objectContaining({ package: '@x/y', runId: 'r1', inputTokens: 1000, outputTokens: 1000, costUsd: 0.012, at: '1970-01-01T00:00:00.000Z' })]);
    const second = new BudgetGuard({ ...opts, runId: 'r2', ledgerFile, perPackageUsd: 0.0125 });
    expect(second.spent.packageUsd).toBeCloseTo(0.012, 12);
    await expect(withBudget(provider(), second).complete(req('b', 100))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', data: expect.objectContaining({ scope: 'package' }) });
  });
});
