// The provider code path through real HTTP: genops' OpenAI and Anthropic clients, with the global
// fetch (no mock), against a loopback server that validates each protocol's request shape and auth
// and answers with its response and error shapes. Usage flows through a BudgetGuard into a ledger.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../src/providers/openai-provider.js';
import { createAnthropicProvider } from '../src/providers/anthropic-provider.js';
import { BudgetGuard, countPromptTokens, readLedger, withBudget } from '../src/budget.js';
import type { CompletionRequest, Provider } from '../src/providers/provider.js';
import { fakeAnswer, startFakeLlmServer } from './helpers/fake-llm-server.js';
import type { FakeLlmServer } from './helpers/fake-llm-server.js';

const KEYS = { openai: 'sk-loopback-test', anthropic: 'ak-loopback-test' };
const PRICE = { inputPerMTok: 3, outputPerMTok: 15 };
const dir = mkdtempSync(join(tmpdir(), 'genops-http-'));
let server: FakeLlmServer;
let ledgerFile = '';
let runs = 0;

beforeAll(async () => {
  server = await startFakeLlmServer(KEYS);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.seen.length = 0;
  ledgerFile = join(dir, `ledger-${String(++runs)}.jsonl`);
});

const request = (model: string): CompletionRequest => ({
  model,
  messages: [
    { role: 'system', content: 'You summarise documents in one sentence.' },
    { role: 'user', content: 'Cells talk over contracts; peripheries run untrusted work in a sandbox.' },
  ],
  ...{ temperature: 0, seed: 7, maxTokens: 200 },
});
const guard = (overrides: Partial<ConstructorParameters<typeof BudgetGuard>[0]> = {}) =>
  new BudgetGuard({ package: '@t/http', runId: `run-${String(runs)}`, price: PRICE, perRunUsd: 1, perPackageUsd: 5, perRunTokens: 100_000, ledgerFile, ...overrides });

const protocols = [
  {
    name: 'openai',
    model: 'gpt-loopback-2025-01-01',
    make: (o: { apiKey?: string; timeoutMs?: number; retries?: number } = {}): Provider =>
      createOpenAIProvider({ baseUrl: `${server.baseUrl}/v1`, apiKey: KEYS.openai, baseDelayMs: 5, ...o }),
    path: '/v1/chat/completions',
  },
  {
    name: 'anthropic',
    model: 'claude-loopback-20250101',
    make: (o: { apiKey?: string; timeoutMs?: number; retries?: number } = {}): Provider =>
      createAnthropicProvider({ baseUrl: server.baseUrl, apiKey: KEYS.anthropic, baseDelayMs: 5, ...o }),
    path: '/v1/messages',
  },
] as const;

describe.each(protocols)('$name provider over loopback HTTP', ({ name, model, make, path }) => {
  it('sends a well-formed, authenticated request and accounts the reported usage in the ledger', async () => {
    const g = guard();
    const req = request(model);
    const r = await withBudget(make(), g).complete(req);
    expect(r.text).toBe(fakeAnswer(req.messages[1]!.content));
    expect(r.model).toBe(model);
    expect(server.seen).toHaveLength(1);
    const seen = server.seen[0]!;
    expect(seen).toMatchObject({ path, status: 200 });
    expect(seen.headers['content-type']).toBe('application/json');
    if (name === 'openai') {
      expect(seen.headers.authorization).toBe(`Bearer ${KEYS.openai}`);
      expect(seen.body).toEqual({ model, messages: req.messages, temperature: 0, max_tokens: 200, seed: 7 });
      // the server counts as OpenAI documents it, which is what the pre-call estimate counts too
      expect(r.usage.inputTokens).toBe(countPromptTokens(req.messages));
    } else {
      expect(seen.headers['x-api-key']).toBe(KEYS.anthropic);
      expect(seen.headers['anthropic-version']).toBe('2023-06-01');
      expect(seen.body).toEqual({ model, max_tokens: 200, temperature: 0, system: req.messages[0]!.content, messages: [req.messages[1]] });
    }
    const ledger = readLedger(ledgerFile);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ package: '@t/http', provider: name, model, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens });
    expect(ledger[0]!.costUsd).toBeCloseTo((r.usage.inputTokens * 3 + r.usage.outputTokens * 15) / 1e6, 12);
    expect(g.spent.usd).toBeCloseTo(ledger[0]!.costUsd, 12);
  });

  it('maps a refused key to UNAUTHORIZED without retrying or recording usage', async () => {
    const g = guard();
    await expect(withBudget(make({ apiKey: 'wrong' }), g).complete(request(model))).rejects.toMatchObject({ code: 'UNAUTHORIZED', data: expect.objectContaining({ status: 401 }) });
    expect(server.seen.map((s) => s.status)).toEqual([401]);
    expect(readLedger(ledgerFile)).toEqual([]);
    expect(g.spent.usd).toBe(0);
  });

  it('retries 429 (Retry-After) and 5xx, then records the one successful call', async () => {
    server.fail(name, { status: 429, retryAfter: '0' }, { status: name === 'openai' ? 500 : 529 });
    const g = guard();
    const r = await withBudget(make(), g).complete(request(model));
    expect(r.text).toContain('summary:');
    expect(server.seen.map((s) => s.status)).toEqual([429, name === 'openai' ? 500 : 529, 200]);
    expect(readLedger(ledgerFile)).toHaveLength(1);
  });

  it('gives up on a persistent 500 with TRANSPORT_ERROR and on 429 with RATE_LIMITED, recording nothing', async () => {
    server.fail(name, { status: 500 }, { status: 500 });
    await expect(withBudget(make({ retries: 1 }), guard()).complete(request(model))).rejects.toMatchObject({ code: 'TRANSPORT_ERROR', data: expect.objectContaining({ status: 500 }) });
    server.fail(name, { status: 429 }, { status: 429 });
    await expect(withBudget(make({ retries: 1 }), guard()).complete(request(model))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(server.seen.map((s) => s.status)).toEqual([500, 500, 429, 429]);
    expect(readLedger(ledgerFile)).toEqual([]);
  });

  it('times out a server that never answers, per attempt, with TIMEOUT', { timeout: 30_000 }, async () => {
    server.fail(name, { hang: true }, { hang: true });
    await expect(withBudget(make({ timeoutMs: 300, retries: 1 }), guard()).complete(request(model))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(server.seen).toHaveLength(2);
    expect(readLedger(ledgerFile)).toEqual([]);
  });

  it('stops with BUDGET_EXCEEDED before any request when the worst case would cross the run cap', async () => {
    await expect(withBudget(make(), guard({ perRunUsd: 0.0001 })).complete(request(model))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(server.seen).toEqual([]);
  });
});

describe('the loopback server is strict about the wire format', () => {
  it('rejects what the real APIs reject (so a malformed provider request would fail these tests)', async () => {
    const post = (path: string, headers: Record<string, string>, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const a = await post('/v1/messages', { 'x-api-key': KEYS.anthropic, 'anthropic-version': '2023-06-01' }, { model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] });
    expect(a.status).toBe(400);
    expect(((await a.json()) as { type: string }).type).toBe('error');
    const o = await post('/v1/chat/completions', { authorization: `Bearer ${KEYS.openai}` }, { model: 'm', messages: [], max_tokens: 5 });
    expect(o.status).toBe(400);
    const v = await post('/v1/messages', { 'x-api-key': KEYS.anthropic }, { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    expect(v.status).toBe(400);
  });
});
