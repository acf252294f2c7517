/**
 * The fetcher periphery: untrusted web content is fetched and parsed in a sandbox. The grant is
 * outbound HTTP(S) on ports 80 and 443 to public addresses only; a loopback test site must be granted
 * explicitly (`allowLocal`), which is how the README's newcomer path and the tests reach the sample site.
 */
import { fileURLToPath } from 'node:url';
import { definePeriphery } from '@cellular/sandbox';
import type { Logger } from '@cellular/core';
import { FetchPage } from '../../contracts.js';

/** Options for {@link fetcherPeriphery}. */
export interface FetcherOptions {
  /** `host:port` entries of loopback sites to grant (e.g. the bundled sample site). Defaults to none. */
  readonly allowLocal?: readonly string[];
  /** Largest page in bytes. Defaults to 2 MiB. */
  readonly maxBytes?: number;
  /** Time for one fetch, redirects included. Defaults to 15 s. */
  readonly timeoutMs?: number;
  /** `worker` (default) or `process`. */
  readonly tier?: 'worker' | 'process';
  readonly logger?: Logger;
}

/** Path of the task module (plain .mjs, loadable by plain Node inside the sandbox). */
export const FETCHER_MODULE = fileURLToPath(new URL('./fetcher-task.mjs', import.meta.url));

/** The fetcher periphery. */
export function fetcherPeriphery(options: FetcherOptions = {}) {
  const local = options.allowLocal ?? [];
  return definePeriphery({
    name: 'fetcher',
    description: 'Fetches public web pages and extracts readable text (sandboxed)',
    module: FETCHER_MODULE,
    handles: { fetchPage: FetchPage },
    capabilities: {
      net: {
        allow: ['*:80', '*:443', ...local],
        methods: ['GET', 'HEAD'],
        schemes: ['http', 'https'],
        ...(local.length > 0 ? { allowAddresses: ['127.0.0.1/32', '::1/128'] } : {}),
        maxResponseBytes: options.maxBytes ?? 2 * 1024 * 1024,
        timeoutMs: options.timeoutMs ?? 15_000,
        maxRedirects: 5,
      },
    },
    limits: { tier: options.tier ?? 'worker', timeoutMs: (options.timeoutMs ?? 15_000) + 5_000 },
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
