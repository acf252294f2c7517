import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBus, createCellHost, createMemoryTransport } from '@cellular/bus';
import { createRecordingProvider, readLedger } from '@cellular/genops';
import { Summarise } from '../../contracts.js';
import { genopsSummaryFromEnv, summaryRequest } from './genops-summary.js';
import { summarizerCell } from './summarizer-cell.js';
import { extractiveSummary } from './extractive.js';

const MODEL = 'reading-room-test-2025-06-01';
const PAGE = {
  title: 'Cellular monoliths',
  text: 'A cellular monolith is one process whose cells talk only over a typed bus. Risky work runs in sandboxed peripheries. A single gateway is the only way in.',
};
const ANSWER = 'One process of cells on a typed bus, risky work in sandboxes, one gateway.';
const root = mkdtempSync(join(tmpdir(), 'summary-genops-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Run the summarizer cell with the env-configured model on an in-memory bus; summarise PAGE once. */
async function summarise(env: Record<string, string>) {
  const dataDir = join(root, `data-${String(++n)}`);
  const configured = genopsSummaryFromEnv(env, dataDir)!;
  const bus = createBus({ transport: createMemoryTransport() });
  await bus.connect();
  const host = createCellHost({ bus, cells: [summarizerCell({ model: configured.summaryModel, modelName: configured.summaryModelName })], signals: false });
  await host.start();
  cleanups.push(async () => {
    await host.stop();
    await bus.close();
  });
  const result = await bus.request(Summarise, PAGE, { timeout: 30_000 });
  return { result, ledger: readLedger(configured.ledgerFile) };
}

/** Record one exchange for PAGE, as a live run with CELLULAR_SUMMARY_REPLAY_DIR would. */
async function recordings(): Promise<string> {
  const dir = join(root, `rec-${String(++n)}`);
  const scripted = { name: 'openai', complete: () => Promise.resolve({ text: ANSWER, model: MODEL, usage: { inputTokens: 80, outputTokens: 20 } }) };
  await createRecordingProvider(scripted, dir).complete(summaryRequest(MODEL, PAGE));
  return dir;
}

/** A loopback OpenAI-compatible server answering with `statuses` in order (then 500), recording requests. */
async function openaiServer(statuses: number[]): Promise<{ baseUrl: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(data) as unknown });
      const status = statuses.shift() ?? 500;
      const payload = status === 200 ? { model: MODEL, choices: [{ message: { role: 'assistant', content: ANSWER } }], usage: { prompt_tokens: 90, completion_tokens: 21 } } : { error: { message: 'boom', type: 'server_error' } };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { baseUrl: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/v1`, bodies };
}

describe('summaries through genops providers', () => {
  it('is off without configuration, and refuses a bad one at start', () => {
    expect(genopsSummaryFromEnv({}, root)).toBeUndefined();
    expect(() => genopsSummaryFromEnv({ CELLULAR_SUMMARY_PROVIDER: 'openai', CELLULAR_SUMMARY_MODEL: 'gpt-4o', OPENAI_API_KEY: 'k' }, root)).toThrow(/moving|alias/u);
    expect(() => genopsSummaryFromEnv({ CELLULAR_SUMMARY_PROVIDER: 'gemini', CELLULAR_SUMMARY_MODEL: MODEL }, root)).toThrow(/openai, anthropic or replay/u);
    expect(() => genopsSummaryFromEnv({ CELLULAR_SUMMARY_PROVIDER: 'anthropic', CELLULAR_SUMMARY_MODEL: MODEL }, root)).toThrow(/No API key/u);
  });

  it('summarises with the replayed model, records the source and accounts usage in the ledger', async () => {
    const dir = await recordings();
    const { result, ledger } = await summarise({ CELLULAR_SUMMARY_PROVIDER: 'replay', CELLULAR_SUMMARY_MODEL: MODEL, CELLULAR_SUMMARY_REPLAY_DIR: dir, CELLULAR_SUMMARY_PRICE: '3,15' });
    expect(result).toEqual({ summary: ANSWER, method: `model:replay:${MODEL}` });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ provider: 'replay', model: MODEL, inputTokens: 80, outputTokens: 20 });
    expect(ledger[0]!.costUsd).toBeCloseTo((80 * 3 + 20 * 15) / 1e6, 12);
  });

  it('falls back to the extractive summary when the budget would be exceeded, before calling the model', async () => {
    const dir = await recordings();
    const { result, ledger } = await summarise({ CELLULAR_SUMMARY_PROVIDER: 'replay', CELLULAR_SUMMARY_MODEL: MODEL, CELLULAR_SUMMARY_REPLAY_DIR: dir, CELLULAR_SUMMARY_BUDGET_TOKENS: '50' });
    expect(result).toEqual({ summary: extractiveSummary(PAGE.text), method: 'extractive:fallback:BUDGET_EXCEEDED' });
    expect(ledger).toEqual([]);
  });

  it('falls back when replay has no recording for the page (never a live call)', async () => {
    const { result } = await summarise({ CELLULAR_SUMMARY_PROVIDER: 'replay', CELLULAR_SUMMARY_MODEL: MODEL, CELLULAR_SUMMARY_REPLAY_DIR: join(root, 'empty') });
    expect(result.method).toBe('extractive:fallback:NOT_FOUND');
  });

  it('takes provider, model, base URL and sampling from a genops.lock entry, and refuses a contradicting env', async () => {
    const server = await openaiServer([200]);
    const lock = join(root, 'genops.lock');
    const entry = { provider: 'openai', model: MODEL, baseUrl: server.baseUrl, sampling: { temperature: 0.2, seed: 3, maxTokens: 120 }, tokenizer: { name: 'gpt-tokenizer', encoding: 'o200k_base', version: '3.4.0' }, promptTemplate: { id: 'summary/v1', hash: 'sha256:0' }, spec: { path: 'none', hash: 'sha256:0' }, sources: { hash: 'sha256:0', files: 0 } };
    writeFileSync(lock, JSON.stringify({ lockfileVersion: 1, packages: { '@cellular/reference/summarizer': entry } }));
    const { result } = await summarise({ CELLULAR_SUMMARY_LOCK: lock, CELLULAR_SUMMARY_API_KEY: 'sk-room' });
    expect(result.method).toBe(`model:openai:${MODEL}`);
    expect(server.bodies[0]).toMatchObject({ body: { model: MODEL, temperature: 0.2, seed: 3, max_tokens: 120 } });
    expect(() => genopsSummaryFromEnv({ CELLULAR_SUMMARY_LOCK: lock, CELLULAR_SUMMARY_MODEL: 'other-2025-01-01' }, root)).toThrow(/contradicts/u);
    expect(() => genopsSummaryFromEnv({ CELLULAR_SUMMARY_LOCK: lock, CELLULAR_SUMMARY_LOCK_ENTRY: 'nope' }, root)).toThrow(/no entry nope/u);
  });

  it('calls an OpenAI-compatible server over HTTP, and falls back on its 5xx', async () => {
    const { baseUrl, bodies } = await openaiServer([200, 500, 500, 500]);
    const env = { CELLULAR_SUMMARY_PROVIDER: 'openai', CELLULAR_SUMMARY_MODEL: MODEL, CELLULAR_SUMMARY_API_KEY: 'sk-room', CELLULAR_SUMMARY_BASE_URL: baseUrl };
    const ok = await summarise(env);
    expect(ok.result).toEqual({ summary: ANSWER, method: `model:openai:${MODEL}` });
    expect(ok.ledger[0]).toMatchObject({ provider: 'openai', inputTokens: 90, outputTokens: 21 });
    expect(bodies[0]).toMatchObject({ path: '/v1/chat/completions', auth: 'Bearer sk-room', body: { model: MODEL, temperature: 0, max_tokens: 300 } });
    const failed = await summarise(env);
    expect(failed.result).toEqual({ summary: extractiveSummary(PAGE.text), method: 'extractive:fallback:TRANSPORT_ERROR' });
    expect(bodies).toHaveLength(4); // the first try and two retries, then the fallback
    expect(failed.ledger).toEqual([]);
  });
});
