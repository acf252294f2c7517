/**
 * POST JSON with a per-attempt timeout and retries with exponential backoff on 429 and 5xx (and on
 * network errors/timeouts), honouring `Retry-After` (seconds or an HTTP date). Sleep and fetch are
 * injected so tests run against a local server without waiting.
 */
import { CellularError } from '@cellular/core';

/** Options for {@link postJson}. */
export interface RetryOptions {
  /** Per-attempt timeout. Defaults to 120000 ms. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt. Defaults to 3. */
  readonly retries?: number;
  /** First backoff delay; doubles each retry (with up to 20% jitter). Defaults to 500 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of any delay, Retry-After included. Defaults to 30000 ms. */
  readonly maxDelayMs?: number;
  /** Defaults to global fetch. */
  readonly fetch?: typeof fetch;
  /** Defaults to a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0,1). Defaults to Math.random. */
  readonly random?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Parse a Retry-After header into milliseconds. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorFor(status: number, body: string, url: string): CellularError {
  const data = { status, url, body: body.slice(0, 500) };
  if (status === 429) return new CellularError('RATE_LIMITED', `Provider rate limited the request (429) after retries`, { data });
  if (status === 401) return new CellularError('UNAUTHORIZED', `Provider refused the credentials (401)`, { data });
  if (status === 403) return new CellularError('FORBIDDEN', `Provider forbade the request (403)`, { data });
  if (status === 413) return new CellularError('PAYLOAD_TOO_LARGE', `Provider says the request is too large (413)`, { data });
  return new CellularError('TRANSPORT_ERROR', `Provider answered HTTP ${status}`, { data });
}

/** POST `body` as JSON to `url`; returns the parsed JSON response. */
export async function postJson(url: string, headers: Readonly<Record<string, string>>, body: unknown, options: RetryOptions = {}, signal?: AbortSignal): Promise<unknown> {
  const retries = options.retries ?? 3;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  let lastError: CellularError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let delay = Math.min(max, base * 2 ** attempt * (1 + 0.2 * random()));
    let res: Response | undefined;
    let text = '';
    try {
      res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: combined });
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) throw new CellularError('CANCELLED', 'Provider request cancelled', { cause: e });
      lastError = timeout.aborted
        ? new CellularError('TIMEOUT', `Provider did not answer within ${options.timeoutMs ?? 120_000} ms`, { cause: e, data: { url } })
        : new CellularError('TRANSPORT_ERROR', `Provider request failed: ${(e as Error).message}`, { cause: e, data: { url } });
      res = undefined;
    }
    if (res) {
      if (res.ok) {
        try {
          return JSON.parse(text) as unknown;
        } catch (e) {
          throw new CellularError('TRANSPORT_ERROR', 'Provider returned invalid JSON', { cause: e, data: { url, body: text.slice(0, 200) } });
        }
      }
      lastError = errorFor(res.status, text, url);
      if (res.status !== 429 && res.status < 500) throw lastError;
      const ra = retryAfterMs(res.headers.get('retry-after'));
      if (ra !== undefined) delay = Math.min(max, ra);
    }
    if (attempt < retries) await sleep(delay);
  }
  throw lastError ?? new CellularError('INTERNAL', 'retry loop ended without an error');
}
