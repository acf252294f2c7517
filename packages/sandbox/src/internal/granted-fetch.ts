/**
 * The host side of a periphery's `fetch`. Every hop is checked before a socket is opened: scheme,
 * method, host:port against the grant, then the address (an IP literal, or every DNS answer). The
 * request then connects to the address that was checked (a pinned `lookup`), so a second DNS answer
 * cannot rebind the name to a private address; TLS still verifies the certificate against the name.
 * Redirects are never followed by the HTTP client: each hop goes through the same checks here.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { CellularError } from '@cellular/core';
import type { ResolvedNetGrant } from '../capabilities.js';
import { createAddressPolicy, isIpLiteral } from './address-policy.js';
import { hostAllowed } from './host-pattern.js';
import { violation } from './violation.js';

/** Resolves a host name to its addresses (every answer is checked). */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

/** What the sandbox asks for. */
export interface FetchRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | null;
  readonly redirect: 'follow' | 'manual' | 'error';
}

/** What goes back to the sandbox. */
export interface FetchResponse {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
  readonly redirected: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** The default resolver: the system resolver, every address. */
export const systemResolver: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** A fetch bound to one grant, with its keep-alive agents. */
export interface GrantedFetch {
  readonly fetch: (req: FetchRequest) => Promise<FetchResponse>;
  /** Close idle keep-alive sockets. */
  readonly close: () => void;
}

/**
 * A fetch bound to one grant. Keep-alive sockets are reused only for the same host and port, and a
 * pooled socket was opened to an address that passed the checks, so reuse cannot bypass them.
 */
export function createGrantedFetch(grant: ResolvedNetGrant, resolver: Resolver = systemResolver): GrantedFetch {
  const policy = createAddressPolicy(grant.allowAddresses);
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

  async function checkHop(url: URL, method: string): Promise<string> {
    const scheme = url.protocol.slice(0, -1);
    if (scheme !== 'http' && scheme !== 'https') throw violation('scheme', `Scheme "${scheme}" is not allowed: only http and https`, { scheme });
    if (!grant.schemes.includes(scheme)) throw violation('scheme', `Scheme "${scheme}" is not granted`, { scheme });
    if (!grant.methods.includes(method)) throw violation('method', `Method ${method} is not granted`, { method });
    const defaultPort = scheme === 'https' ? 443 : 80;
    const port = url.port === '' ? defaultPort : Number(url.port);
    if (!hostAllowed(grant.allow, url.hostname, port, defaultPort)) {
      throw violation('host', `Host ${url.host} is not granted`, { host: url.host });
    }
    const bare = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    if (isIpLiteral(bare)) {
      const range = policy.refusal(bare);
      if (range !== null) throw violation('address', `Address ${bare} is ${range}, not public unicast`, { address: bare, range });
      return bare;
    }
    let answers: readonly string[];
    try {
      answers = await resolver(bare);
    } catch (e) {
      throw violation('dns', `Could not resolve ${bare}`, { host: bare, cause: (e as Error).message });
    }
    if (answers.length === 0) throw violation('dns', `${bare} has no addresses`, { host: bare });
    for (const address of answers) {
      const range = policy.refusal(address);
      if (range !== null) {
        throw violation('address', `${bare} resolves to ${address}, which is ${range}, not public unicast`, { host: bare, address, range });
      }
    }
    return answers[0]!;
  }

  async function grantedFetch(req: FetchRequest): Promise<FetchResponse> {
    const deadline = AbortSignal.timeout(grant.timeoutMs);
    if (req.body !== null && req.body.byteLength > grant.maxRequestBytes) {
      throw violation('request-too-large', `Request body of ${req.body.byteLength} bytes exceeds ${grant.maxRequestBytes}`, {
        limit: grant.maxRequestBytes,
      });
    }
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw violation('bad-url', 'Invalid URL', { url: req.url.slice(0, 200) });
    }
    let method = req.method.toUpperCase();
    let body = req.body;
    const headers = req.headers.filter(([k]) => !HOP_HEADERS.has(k.toLowerCase()));
    for (let hop = 0; ; hop++) {
      const address = await checkHop(url, method);
      const res = await send(url, address, method, headers, body, deadline);
      const location = res.headers.find(([k]) => k === 'location')?.[1];
      if (!REDIRECTS.has(res.status) || location === undefined || req.redirect === 'manual') {
        return { ...res, url: url.href, redirected: hop > 0 };
      }
      if (req.redirect === 'error') throw violation('redirect', `Redirect to ${location} refused (redirect: "error")`, { status: res.status });
      if (hop >= grant.maxRedirects) throw violation('redirect', `More than ${grant.maxRedirects} redirects`, { limit: grant.maxRedirects });
      try {
        url = new URL(location, url);
      } catch {
        throw violation('bad-url', 'Invalid redirect location', { location: location.slice(0, 200) });
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
      }
    }
  }

  function send(
    url: URL,
    address: string,
    method: string,
    headers: readonly (readonly [string, string])[],
    body: Uint8Array | null,
    deadline: AbortSignal,
  ): Promise<Omit<FetchResponse, 'url' | 'redirected'>> {
    const family = address.includes(':') ? 6 : 4;
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all === true) {
        (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
      } else callback(null, address, family);
    };
    const options: RequestOptions = {
      method,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(headers),
      lookup: pinned,
      signal: deadline,
    };
    return new Promise((resolvePromise, reject) => {
      let settled = false;
      const onError = (e: unknown): void => {
        if (settled) return;
        settled = true;
        if (deadline.aborted) {
          reject(violation('response-timeout', `No complete response from ${url.host} within ${grant.timeoutMs} ms`, { limit: grant.timeoutMs }));
        } else if (e instanceof CellularError) reject(e);
        else reject(new CellularError('TRANSPORT_ERROR', `Fetch ${url.host} failed: ${(e as Error).message}`, { cause: e }));
      };
      const onResponse = (res: IncomingMessage): void => {
        const declared = Number(res.headers['content-length'] ?? Number.NaN);
        if (declared > grant.maxResponseBytes) {
          onError(violation('response-too-large', `Response of ${declared} bytes exceeds ${grant.maxResponseBytes}`, { limit: grant.maxResponseBytes }));
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > grant.maxResponseBytes) {
            onError(violation('response-too-large', `Response exceeds ${grant.maxResponseBytes} bytes`, { limit: grant.maxResponseBytes }));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', onError);
        res.on('aborted', () => {
          onError(new Error('response aborted'));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const out: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
          const buf = Buffer.concat(chunks);
          resolvePromise({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: out,
            body: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
          });
        });
      };
      const tlsName = isIpLiteral(options.hostname ?? '') ? {} : { servername: options.hostname ?? '' };
      const req =
        url.protocol === 'https:'
          ? httpsRequest({ ...options, ...tlsName, agent: httpsAgent }, onResponse)
          : httpRequest({ ...options, agent: httpAgent }, onResponse);
      req.on('error', onError);
      if (body !== null) req.end(body);
      else req.end();
    });
  }

  return {
    fetch: grantedFetch,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
