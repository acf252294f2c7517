/**
 * Token counting, pricing, hard budgets and the usage ledger. The guard is checked *before* each
 * call with the worst case (input tokens counted offline with gpt-tokenizer's o200k_base plus the
 * request's full `maxTokens` of output), so a run stops with BUDGET_EXCEEDED before the call that
 * could cross a cap, never after the money is spent. Actual usage, as the provider reports it, is
 * appended to a JSONL ledger; the per-package cap counts every run in the ledger.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { countTokens } from 'gpt-tokenizer';
import { CellularError } from '@cellular/core';
import type { ChatMessage } from './prompt-template.js';
import type { CompletionRequest, CompletionResult, Provider, Usage } from './providers/provider.js';
import { requestHash } from './providers/provider.js';

/** Price of a model in USD per million tokens. */
export interface Price {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** Per-message overhead of chat formats (role markers), as OpenAI documents for its chat models. */
const MESSAGE_OVERHEAD = 4;

/** Tokens of a chat prompt, counted offline. */
export function countPromptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + MESSAGE_OVERHEAD + countTokens(m.content), 3);
}

/** Cost in USD of a usage at a price. */
export function costUsd(usage: Usage, price: Price): number {
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
}

/** An estimate of one request. */
export interface Estimate {
  readonly inputTokens: number;
  /** Worst case: the request's maxTokens. */
  readonly maxOutputTokens: number;
  /** Expected output tokens when known (size of the current sources), else maxOutputTokens. */
  readonly expectedOutputTokens: number;
  readonly worstCaseUsd: number;
  readonly expectedUsd: number;
}

/** Estimate a request's tokens and cost. */
export function estimateRequest(req: CompletionRequest, price: Price, expectedOutputTokens?: number): Estimate {
  const inputTokens = countPromptTokens(req.messages);
  const expected = Math.min(req.maxTokens, expectedOutputTokens ?? req.maxTokens);
  return {
    inputTokens,
    maxOutputTokens: req.maxTokens,
    expectedOutputTokens: expected,
    worstCaseUsd: costUsd({ inputTokens, outputTokens: req.maxTokens }, price),
    expectedUsd: costUsd({ inputTokens, outputTokens: expected }, price),
  };
}

/** One ledger line. */
export interface LedgerEntry {
  readonly at: string;
  readonly runId: string;
  readonly package: string;
  readonly provider: string;
  readonly model: string;
  readonly requestHash: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

/** Read a JSONL ledger (missing file: empty). */
export function readLedger(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LedgerEntry);
}

/** Options of a {@link BudgetGuard}. */
export interface BudgetOptions {
  readonly package: string;
  readonly runId: string;
  readonly price: Price;
  /** Hard cap of this run in USD. */
  readonly perRunUsd: number;
  /** Hard cap of the package over all ledger entries, in USD. */
  readonly perPackageUsd: number;
  /** Hard cap of this run in tokens (input + output). */
  readonly perRunTokens: number;
  /** JSONL ledger path; no ledger when undefined. */
  readonly ledgerFile?: string;
  /** Defaults to `() => new Date()`. */
  readonly now?: () => Date;
}

/** Tracks spend and refuses calls that could cross a cap. */
export class BudgetGuard {
  private spentUsd = 0;
  private spentTokens = 0;
  private readonly priorPackageUsd: number;

  constructor(private readonly options: BudgetOptions) {
    this.priorPackageUsd = options.ledgerFile
      ? readLedger(options.ledgerFile)
          .filter((e) => e.package === options.package)
          .reduce((s, e) => s + e.costUsd, 0)
      : 0;
  }

  /** Spend of this run so far. */
  get spent(): { readonly usd: number; readonly tokens: number; readonly packageUsd: number } {
    return { usd: this.spentUsd, tokens: this.spentTokens, packageUsd: this.priorPackageUsd + this.spentUsd };
  }

  /** Throw BUDGET_EXCEEDED when the worst case of `req` would cross a cap. */
  before(req: CompletionRequest): Estimate {
    const est = estimateRequest(req, this.options.price);
    const tokens = est.inputTokens + est.maxOutputTokens;
    const o = this.options;
    const data = { package: o.package, runId: o.runId, worstCaseUsd: est.worstCaseUsd, spentUsd: this.spentUsd, tokens, spentTokens: this.spentTokens };
    if (this.spentTokens + tokens > o.perRunTokens) {
      throw new CellularError('BUDGET_EXCEEDED', `Run token budget ${o.perRunTokens} would be exceeded (${this.spentTokens} spent + up to ${tokens} for the next call)`, { data: { ...data, limit: o.perRunTokens, scope: 'run-tokens' } });
    }
    if (this.spentUsd + est.worstCaseUsd > o.perRunUsd) {
      throw new CellularError('BUDGET_EXCEEDED', `Run budget $${o.perRunUsd} would be exceeded ($${this.spentUsd.toFixed(4)} spent + up to $${est.worstCaseUsd.toFixed(4)} for the next call)`, { data: { ...data, limit: o.perRunUsd, scope: 'run' } });
    }
    if (this.priorPackageUsd + this.spentUsd + est.worstCaseUsd > o.perPackageUsd) {
      throw new CellularError('BUDGET_EXCEEDED', `Package budget $${o.perPackageUsd} for ${o.package} would be exceeded ($${(this.priorPackageUsd + this.spentUsd).toFixed(4)} spent + up to $${est.worstCaseUsd.toFixed(4)})`, { data: { ...data, limit: o.perPackageUsd, scope: 'package' } });
    }
    return est;
  }

  /** Record actual usage (and append it to the ledger). */
  after(req: CompletionRequest, result: CompletionResult, provider: string): LedgerEntry {
    const cost = costUsd(result.usage, this.options.price);
    this.spentUsd += cost;
    this.spentTokens += result.usage.inputTokens + result.usage.outputTokens;
    const entry: LedgerEntry = {
      at: (this.options.now ?? (() => new Date()))().toISOString(),
      runId: this.options.runId,
      package: this.options.package,
      provider,
      model: result.model,
      requestHash: requestHash(req),
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: cost,
    };
    if (this.options.ledgerFile) {
      mkdirSync(dirname(this.options.ledgerFile), { recursive: true });
      appendFileSync(this.options.ledgerFile, `${JSON.stringify(entry)}\n`);
    }
    return entry;
  }
}

/** Wrap a provider so each call passes the guard first and is recorded after. */
export function withBudget(provider: Provider, guard: BudgetGuard): Provider {
  return {
    name: provider.name,
    async complete(req, signal) {
      guard.before(req);
      const result = await provider.complete(req, signal);
      guard.after(req, result, provider.name);
      return result;
    },
  };
}
