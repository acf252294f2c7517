/**
 * The one interface every model provider implements: a chat completion with usage. Keeping it this
 * small is what lets record/replay, budgets and the real HTTP clients wrap each other freely.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../prompt-template.js';

/** A completion request, provider-neutral. */
export interface CompletionRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly temperature: number;
  readonly seed?: number;
  readonly maxTokens: number;
}

/** Token usage as reported by the provider. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** A completion result. */
export interface CompletionResult {
  readonly text: string;
  readonly usage: Usage;
  /** The model id the provider says answered. */
  readonly model: string;
}

/** A model provider. */
export interface Provider {
  /** Protocol name (`openai`, `anthropic`, `replay`, ...). */
  readonly name: string;
  complete(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult>;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** Stable hash of a request (keys sorted), used to key recordings. */
export function requestHash(request: CompletionRequest): string {
  return createHash('sha256').update(JSON.stringify(canonical(request))).digest('hex');
}
