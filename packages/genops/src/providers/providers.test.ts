import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from './openai-provider.js';
import { createAnthropicProvider } from './anthropic-provider.js';
import { createRecordingProvider, createReplayProvider } from './replay-provider.js';
import { retryAfterMs } from './http-retry.js';
import type { CompletionRequest } from './provider.js';

type Handler = (req: IncomingMessage, body: unknown, res: ServerResponse) => void;
let server: Server;
let base = '';
let handlers: Handler[] = [];
const seen: { url: string; headers: IncomingMessage['headers']; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(data) as unknown;
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      const h = handlers.shift();
      if (!h) {
        res.writeHead(500).end('no handler');
        return;
      }
      h(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
afterEach(() => {
  handlers = [];
  seen.length = 0;
});

const json = (status: number, payload: unknown, headers: Record<string, string> = {}): Handler => (_q, _b, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
};
const openaiOk = json(200, { model: 'gpt-x-2025-01-01', choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 11, completion_tokens: 3 } });
const req: CompletionRequest = {
  model: 'gpt-x-2025-01-01',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hello' },
  ],
  temperature: 0,
  seed: 42,
  maxTokens: 64,
};
const sleeps: number[] = [];
const fast = { sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()), random: () => 0 };

describe('OpenAI-compatible provider', () => {
  it('speaks chat completions and reads usage', async () => {
    handlers.push(openaiOk);
    const p = createOpenAIProvider({ baseUrl: `${base}/v1`, apiKey: 'sk-test', ...fast });
    const r = await p.complete(req);
    expect(r).toEqual({ text: 'hi', model: 'gpt-x-2025-01-01', usage: { inputTokens: 11, outputTokens: 3 } });
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(seen[0]?.body).toMatchObject({ model: req.model, temperature: 0, seed: 42, max_tokens: 64, messages: [{ role: 'system' }, { role: 'user', content: 'hello' }] });
  });

  it('retries 429 honouring Retry-After and 5xx with backoff, then succeeds', async () => {
    sleeps.length = 0;
    handlers.push(json(429, { error: 'slow down' }, { 'retry-after': '2' }), json(503, { error: 'busy' }), openaiOk);
    const p = createOpenAIProvider({ baseUrl: `${base}/v1`, baseDelayMs: 100, ...fast });
    expect((await p.complete(req)).text).toBe('hi');
    expect(seen).toHaveLength(3);
    expect(sleeps).toEqual([2000, 200]);
  });

  it('gives up after the retries with RATE_LIMITED, and does not retry a 400', async () => {
    handlers.push(json(429, {}), json(429, {}), json(429, {}));
    const p = createOpenAIProvider({ baseUrl: `${base}/v1`, retries: 2, ...fast });
    await expect(p.complete(req)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(seen).toHaveLength(3);
    seen.length = 0;
    handlers.push(json(400, { error: 'bad' }));
    await expect(p.complete(req)).rejects.toMatchObject({ code: 'TRANSPORT_ERROR', data: expect.objectContaining({ status: 400 }) });
    expect(seen).toHaveLength(1);
  });

  it('times out a silent server with TIMEOUT', async () => {
    handlers.push(() => {
      /* never answers */
    });
    const p = createOpenAIProvider({ baseUrl: `${base}/v1`, timeoutMs: 200, retries: 0, ...fast });
    await expect(p.complete(req)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('Anthropic provider', () => {
  it('speaks messages with system apart and reads usage', async () => {
    handlers.push(json(200, { model: 'claude-x-20250101', content: [{ type: 'text', text: 'hel' }, { type: 'text', text: 'lo' }], usage: { input_tokens: 20, output_tokens: 2 } }));
    const p = createAnthropicProvider({ baseUrl: base, apiKey: 'ak', ...fast });
    const r = await p.complete({ ...req, model: 'claude-x-20250101' });
    expect(r).toEqual({ text: 'hello', model: 'claude-x-20250101', usage: { inputTokens: 20, outputTokens: 2 } });
    expect(seen[0]?.url).toBe('/v1/messages');
    expect(seen[0]?.headers['x-api-key']).toBe('ak');
    expect(seen[0]?.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen[0]?.body).toMatchObject({ system: 'be brief', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
  });

  it('retries a 529 overload', async () => {
    handlers.push(json(529, {}), json(200, { content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 1, output_tokens: 1 } }));
    const p = createAnthropicProvider({ baseUrl: base, ...fast });
    expect((await p.complete(req)).text).toBe('ok');
  });
});

describe('record/replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genops-rec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records against the server, then replays without it', async () => {
    handlers.push(openaiOk);
    const rec = createRecordingProvider(createOpenAIProvider({ baseUrl: `${base}/v1`, ...fast }), dir);
    const first = await rec.complete(req);
    const replayed = await createReplayProvider(dir).complete(req);
    expect(replayed).toEqual(first);
    expect(seen).toHaveLength(1);
  });

  it('fails clearly, with no live call, for a request that was not recorded', async () => {
    await expect(createReplayProvider(dir).complete({ ...req, temperature: 0.5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(seen).toHaveLength(0);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
