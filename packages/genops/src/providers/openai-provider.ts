/**
 * OpenAI-compatible chat completions over fetch: works with the hosted API and with local servers
 * that speak the same protocol (vLLM, llama.cpp server, Ollama's /v1).
 */
import { CellularError } from '@cellular/core';
import { postJson } from './http-retry.js';
import type { RetryOptions } from './http-retry.js';
import type { CompletionRequest, CompletionResult, Provider } from './provider.js';

/** Options for {@link createOpenAIProvider}. */
export interface OpenAIProviderOptions extends RetryOptions {
  /** Defaults to `https://api.openai.com/v1`. */
  readonly baseUrl?: string;
  /** Bearer token; omitted for local servers that need none. */
  readonly apiKey?: string;
}

interface ChatResponse {
  model?: string;
  choices?: { message?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/** An OpenAI-compatible chat-completions provider. */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  const baseUrl = (options.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/u, '');
  return {
    name: 'openai',
    async complete(req: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult> {
      const body = {
        model: req.model,
        messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
        temperature: req.temperature,
        max_tokens: req.maxTokens,
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
      };
      const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
      const json = (await postJson(`${baseUrl}/chat/completions`, headers, body, options, signal)) as ChatResponse;
      const text = json.choices?.[0]?.message?.content;
      if (typeof text !== 'string') throw new CellularError('TRANSPORT_ERROR', 'OpenAI-compatible response has no choices[0].message.content', { data: { model: req.model } });
      return {
        text,
        model: json.model ?? req.model,
        usage: { inputTokens: json.usage?.prompt_tokens ?? 0, outputTokens: json.usage?.completion_tokens ?? 0 },
      };
    },
  };
}
