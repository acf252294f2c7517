// A loopback HTTP server that speaks the two wire protocols genops' providers use, strictly enough to
// catch a malformed request: OpenAI chat completions (`POST /v1/chat/completions`, Bearer auth) and
// Anthropic messages (`POST /v1/messages`, `x-api-key` + `anthropic-version`). It answers with the
// providers' own response and error shapes, reports usage counted with gpt-tokenizer, and can be told
// to fail the next requests (429 with Retry-After, 500, 529, or never answer) to exercise retries.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { countTokens } from 'gpt-tokenizer';

/** What the next request to a protocol gets instead of an answer. */
export type Fault = { readonly status: 429 | 500 | 503 | 529; readonly retryAfter?: string } | { readonly hang: true };

/** One request the server received. */
export interface SeenRequest {
  readonly protocol: 'openai' | 'anthropic';
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** The HTTP status the server answered (0 when it never answered). */
  status: number;
}

const Role = z.enum(['system', 'user', 'assistant']);
const OpenAIBody = z.strictObject({
  model: z.string().min(1),
  messages: z.array(z.strictObject({ role: Role, content: z.string() })).min(1),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
});
const AnthropicBody = z.strictObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  temperature: z.number().min(0).max(1).optional(),
  system: z.string().optional(),
  messages: z
    .array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string() }))
    .min(1)
    .refine((ms) => ms[0]?.role === 'user' && ms.every((m, i) => i === 0 || m.role !== ms[i - 1]?.role), 'messages must alternate, starting with user'),
});

/** The fake server; `close()` when done. */
export interface FakeLlmServer {
  readonly baseUrl: string;
  readonly seen: SeenRequest[];
  /** Queue faults for the next requests of `protocol`, in order. */
  fail(protocol: 'openai' | 'anthropic', ...faults: Fault[]): void;
  close(): Promise<void>;
}

/** The text the server answers with: deterministic, derived from the last user message. */
export function fakeAnswer(lastUser: string): string {
  return `summary: ${lastUser.slice(0, 60)}`;
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
}

/** Start the server on a free loopback port with the API keys it accepts. */
export async function startFakeLlmServer(keys: { readonly openai: string; readonly anthropic: string }): Promise<FakeLlmServer> {
  const seen: SeenRequest[] = [];
  const faults: Record<'openai' | 'anthropic', Fault[]> = { openai: [], anthropic: [] };
  const hung: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      const protocol = path === '/v1/chat/completions' ? 'openai' : path === '/v1/messages' ? 'anthropic' : undefined;
      let body: unknown;
      try {
        body = JSON.parse(data);
      } catch {
        body = data;
      }
      const entry: SeenRequest = { protocol: protocol ?? 'openai', path, headers: req.headers, body, status: 0 };
      seen.push(entry);
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        entry.status = status;
        send(res, status, payload, headers);
      };
      const openaiError = (status: number, message: string, type: string): void => reply(status, { error: { message, type, param: null, code: null } });
      const anthropicError = (status: number, message: string, type: string, headers: Record<string, string> = {}): void =>
        reply(status, { type: 'error', error: { type, message } }, headers);
      if (req.method !== 'POST' || protocol === undefined) return reply(404, { error: { message: `no route ${req.method ?? ''} ${path}` } });
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        return protocol === 'openai' ? openaiError(400, 'content-type must be application/json', 'invalid_request_error') : anthropicError(400, 'content-type must be application/json', 'invalid_request_error');
      }
      if (protocol === 'openai') {
        if (req.headers.authorization !== `Bearer ${keys.openai}`) return openaiError(401, 'Incorrect API key provided', 'invalid_request_error');
      } else {
        if (req.headers['x-api-key'] !== keys.anthropic) return anthropicError(401, 'invalid x-api-key', 'authentication_error');
        if (req.headers['anthropic-version'] === undefined) return anthropicError(400, 'anthropic-version header is required', 'invalid_request_error');
      }
      const fault = faults[protocol].shift();
      if (fault && 'hang' in fault) {
        hung.push(res);
        return;
      }
      if (fault) {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
        const type = fault.status === 429 ? 'rate_limit_error' : fault.status === 529 ? 'overloaded_error' : 'api_error';
        return protocol === 'openai' ? reply(fault.status, { error: { message: type, type, param: null, code: null } }, headers) : anthropicError(fault.status, type, type, headers);
      }
      if (protocol === 'openai') {
        const parsed = OpenAIBody.safeParse(body);
        if (!parsed.success) return openaiError(400, parsed.error.message, 'invalid_request_error');
        const msgs = parsed.data.messages;
        const text = fakeAnswer([...msgs].reverse().find((m) => m.role === 'user')?.content ?? '');
        // OpenAI's documented count for chat models: 4 tokens of role markers per message, 3 to prime the reply
        const input = msgs.reduce((s, m) => s + countTokens(m.content) + 4, 3);
        return reply(200, {
          id: `chatcmpl-${String(seen.length)}`,
          object: 'chat.completion',
          created: 1_700_000_000,
          model: parsed.data.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { prompt_tokens: input, completion_tokens: countTokens(text), total_tokens: input + countTokens(text) },
        });
      }
      const parsed = AnthropicBody.safeParse(body);
      if (!parsed.success) return anthropicError(400, parsed.error.message, 'invalid_request_error');
      const msgs = parsed.data.messages;
      const text = fakeAnswer([...msgs].reverse().find((m) => m.role === 'user')?.content ?? '');
      const input = countTokens(parsed.data.system ?? '') + msgs.reduce((s, m) => s + countTokens(m.content) + 4, 0);
      return reply(200, {
        id: `msg_${String(seen.length)}`,
        type: 'message',
        role: 'assistant',
        model: parsed.data.model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        usage: { input_tokens: input, output_tokens: countTokens(text) },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    seen,
    fail: (protocol, ...f) => faults[protocol].push(...f),
    close: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
