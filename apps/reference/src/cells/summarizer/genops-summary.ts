/**
 * Model-backed summaries through genops' provider interface, so the reading room uses the same
 * governed path as regeneration: a pinned model id (moving aliases refused), a hard budget checked
 * before every call (tokens and USD, per process and over the ledger), actual usage appended to a JSONL
 * ledger, and record/replay for offline runs. Configured from the environment; without configuration
 * the app keeps its offline extractive summary.
 *
 * | variable | meaning |
 * |---|---|
 * | `CELLULAR_SUMMARY_PROVIDER` | `openai` (any OpenAI-compatible server), `anthropic` or `replay`; unset = extractive |
 * | `CELLULAR_SUMMARY_MODEL` | the exact, dated model id (required) |
 * | `CELLULAR_SUMMARY_BASE_URL` | server URL (vLLM, llama.cpp, Ollama's `/v1`, a proxy); defaults to the hosted API |
 * | `CELLULAR_SUMMARY_API_KEY` | key; else `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` |
 * | `CELLULAR_SUMMARY_REPLAY_DIR` | recordings for `replay`; for `openai`/`anthropic`, record exchanges there |
 * | `CELLULAR_SUMMARY_PRICE` | `input,output` USD per million tokens (default `0,0`: local model) |
 * | `CELLULAR_SUMMARY_BUDGET_USD` | cap per process (default 1) and `…_TOTAL_USD` over the ledger (default 20) |
 * | `CELLULAR_SUMMARY_BUDGET_TOKENS` | token cap per process (default 500000) |
 * | `CELLULAR_SUMMARY_TIMEOUT_MS` | per attempt (default 60000) |
 * | `CELLULAR_SUMMARY_LOCK` | a `genops.lock` whose entry `CELLULAR_SUMMARY_LOCK_ENTRY` (default `@cellular/reference/summarizer`) pins provider, model, base URL and sampling |
 */
import { join } from 'node:path';
import { CellularError } from '@cellular/core';
import {
  BudgetGuard,
  checkModelId,
  createAnthropicProvider,
  createOpenAIProvider,
  createRecordingProvider,
  createReplayProvider,
  readLock,
  withBudget,
} from '@cellular/genops';
import type { CompletionRequest, Provider } from '@cellular/genops';
import type { SummaryModel } from './summarizer-cell.js';

/** The system prompt of every summary request (part of the recording key, so keep it stable). */
export const SUMMARY_SYSTEM_PROMPT =
  'You summarise web pages for a team reading room. Answer with a neutral summary of at most three sentences, in the language of the page, without preamble.';

/** Characters of page text sent to the model (the rest is cut). */
export const SUMMARY_MAX_INPUT_CHARS = 12_000;

/** A configured model summary, ready for `startApp({ summaryModel, summaryModelName })`. */
export interface GenopsSummary {
  readonly summaryModel: SummaryModel;
  /** `<provider>:<model>`, recorded with each summary as its source. */
  readonly summaryModelName: string;
  /** The budget guard (spend so far). */
  readonly guard: BudgetGuard;
  readonly ledgerFile: string;
}

/** Build the summary request for a page (deterministic: same page, same request, same recording). */
export function summaryRequest(model: string, input: { title: string; text: string }, sampling: SummarySampling = DEFAULT_SAMPLING): CompletionRequest {
  return {
    model,
    messages: [
      { role: 'system', content: SUMMARY_SYSTEM_PROMPT },
      { role: 'user', content: `Title: ${input.title}\n\n${input.text.slice(0, SUMMARY_MAX_INPUT_CHARS)}` },
    ],
    temperature: sampling.temperature,
    ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
    maxTokens: sampling.maxTokens,
  };
}

/** Sampling of summary requests: temperature 0, 300 output tokens unless a lock entry pins others. */
export interface SummarySampling {
  readonly temperature: number;
  readonly seed?: number;
  readonly maxTokens: number;
}
const DEFAULT_SAMPLING: SummarySampling = { temperature: 0, maxTokens: 300 };

/** The environment with provider, model and base URL taken from the pinned lock entry, and its sampling. */
function fromLock(env: Readonly<Record<string, string | undefined>>): { env: Readonly<Record<string, string | undefined>>; sampling: SummarySampling } {
  const file = env.CELLULAR_SUMMARY_LOCK;
  if (file === undefined || file === '') return { env, sampling: DEFAULT_SAMPLING };
  const name = env.CELLULAR_SUMMARY_LOCK_ENTRY ?? '@cellular/reference/summarizer';
  const entry = readLock(file).packages[name];
  if (!entry) throw new CellularError('INVALID_CONFIG', `${file} has no entry ${name}`, { data: { file, name } });
  for (const [key, pinned] of [['CELLULAR_SUMMARY_PROVIDER', entry.provider], ['CELLULAR_SUMMARY_MODEL', entry.model]] as const) {
    const given = env[key];
    if (given !== undefined && given !== '' && given !== pinned) {
      throw new CellularError('INVALID_CONFIG', `${key}=${given} contradicts ${file} (${name} pins ${pinned})`, { data: { file, name, key } });
    }
  }
  return {
    env: { ...env, CELLULAR_SUMMARY_PROVIDER: entry.provider, CELLULAR_SUMMARY_MODEL: entry.model, ...(entry.baseUrl ? { CELLULAR_SUMMARY_BASE_URL: entry.baseUrl } : {}) },
    sampling: { temperature: entry.sampling.temperature, maxTokens: entry.sampling.maxTokens, ...(entry.sampling.seed !== undefined ? { seed: entry.sampling.seed } : {}) },
  };
}

const num = (env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new CellularError('INVALID_CONFIG', `${name} must be a non-negative number (got ${raw})`, { data: { name } });
  return n;
};

/**
 * Read the summary configuration from `env`; undefined when `CELLULAR_SUMMARY_PROVIDER` is unset.
 * Throws INVALID_CONFIG for a bad configuration (unknown provider, moving model alias, missing key
 * for a hosted API), so a misconfigured app fails at start instead of silently never using the model.
 */
export function genopsSummaryFromEnv(rawEnv: Readonly<Record<string, string | undefined>>, dataDir: string): GenopsSummary | undefined {
  const { env, sampling } = fromLock(rawEnv);
  const kind = env.CELLULAR_SUMMARY_PROVIDER;
  if (kind === undefined || kind === '') return undefined;
  const model = env.CELLULAR_SUMMARY_MODEL ?? '';
  if (model === '') throw new CellularError('INVALID_CONFIG', 'CELLULAR_SUMMARY_MODEL is required with CELLULAR_SUMMARY_PROVIDER', { data: { provider: kind } });
  checkModelId(model);
  const baseUrl = env.CELLULAR_SUMMARY_BASE_URL;
  const retry = { timeoutMs: num(env, 'CELLULAR_SUMMARY_TIMEOUT_MS', 60_000), retries: 2 };
  const replayDir = env.CELLULAR_SUMMARY_REPLAY_DIR;
  let provider: Provider;
  if (kind === 'replay') {
    if (replayDir === undefined) throw new CellularError('INVALID_CONFIG', 'CELLULAR_SUMMARY_REPLAY_DIR is required for the replay provider', { data: {} });
    provider = createReplayProvider(replayDir);
  } else if (kind === 'openai' || kind === 'anthropic') {
    const apiKey = env.CELLULAR_SUMMARY_API_KEY ?? (kind === 'openai' ? env.OPENAI_API_KEY : env.ANTHROPIC_API_KEY);
    if (apiKey === undefined && baseUrl === undefined) {
      throw new CellularError('INVALID_CONFIG', `No API key for the hosted ${kind} API: set CELLULAR_SUMMARY_API_KEY (or CELLULAR_SUMMARY_BASE_URL for a local server)`, { data: { provider: kind } });
    }
    const opts = { ...retry, ...(baseUrl ? { baseUrl } : {}), ...(apiKey ? { apiKey } : {}) };
    provider = kind === 'openai' ? createOpenAIProvider(opts) : createAnthropicProvider(opts);
    if (replayDir !== undefined) provider = createRecordingProvider(provider, replayDir);
  } else {
    throw new CellularError('INVALID_CONFIG', `CELLULAR_SUMMARY_PROVIDER must be openai, anthropic or replay (got ${kind})`, { data: { provider: kind } });
  }
  const [inputPerMTok = 0, outputPerMTok = 0] = (env.CELLULAR_SUMMARY_PRICE ?? '0,0').split(',').map((s) => Number(s.trim()));
  if (!Number.isFinite(inputPerMTok) || !Number.isFinite(outputPerMTok)) {
    throw new CellularError('INVALID_CONFIG', 'CELLULAR_SUMMARY_PRICE must be "input,output" in USD per million tokens', { data: {} });
  }
  const ledgerFile = join(dataDir, 'summary-ledger.jsonl');
  const guard = new BudgetGuard({
    package: '@cellular/reference/summarizer',
    runId: `summaries-${new Date().toISOString()}`,
    price: { inputPerMTok, outputPerMTok },
    perRunUsd: num(env, 'CELLULAR_SUMMARY_BUDGET_USD', 1),
    perPackageUsd: num(env, 'CELLULAR_SUMMARY_BUDGET_TOTAL_USD', 20),
    perRunTokens: num(env, 'CELLULAR_SUMMARY_BUDGET_TOKENS', 500_000),
    ledgerFile,
  });
  const governed = withBudget(provider, guard);
  return {
    guard,
    ledgerFile,
    summaryModelName: `${kind}:${model}`,
    summaryModel: async (input) => (await governed.complete(summaryRequest(model, input, sampling))).text,
  };
}
