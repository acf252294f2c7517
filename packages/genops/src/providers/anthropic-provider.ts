/**
 * Anthropic messages API over fetch. The system prompt travels in the top-level `system` field, the
 * rest as messages; usage comes from `usage.input_tokens` / `usage.output_tokens`.
 */
import { CellularError } from '@cellular/core';
import { postJson } from './http-retry.js';
import type { RetryOptions } from './http-retry.js';
import type { CompletionRequest, CompletionResult, Provider } from './provider.js';

/** Options for {@link createAnthropicProvider}. */
export interface AnthropicProviderOptions extends RetryOptions {
  /** Defaults to `https://api.anthropic.com`. */
  readonly baseUrl?: string;
  readonly apiKey?: string;
  /** Defaults to `2023-06-01`. */
  readonly version?: string;
}

interface MessagesResponse {
  model?: string;
  content?: { type?: string; text?: string }[];
  usage?: { input_tokens?: number; output_tokens?: number };
}

/** An Anthropic messages provider. */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): Provider {
  const baseUrl = (options.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/u, '');
  return {
    name: 'anthropic',
    async complete(req: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult> {
      const system = req.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
      const body = {
        model: req.model,
        max_tokens: req.maxTokens,
        temperature: req.temperature,
        ...(system !== '' ? { system } : {}),
        messages: req.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
      };
      const headers: Record<string, string> = {
        'anthropic-version': options.version ?? '2023-06-01',
        ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
      };
      const json = (await postJson(`${baseUrl}/v1/messages`, headers, body, options, signal)) as MessagesResponse;
      if (!Array.isArray(json.content)) throw new CellularError('TRANSPORT_ERROR', 'Anthropic response has no content', { data: { model: req.model } });
      const text = json.content.filter((c) => c.type === 'text').map((c) => c.text ?? '').join('');
      return {
        text,
        model: json.model ?? req.model,
        usage: { inputTokens: json.usage?.input_tokens ?? 0, outputTokens: json.usage?.output_tokens ?? 0 },
      };
    },
  };
}
