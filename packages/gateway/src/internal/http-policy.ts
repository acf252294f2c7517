/**
 * Response headers the gateway always sets, and CORS. Set by hand rather than with helmet/cors plugins:
 * an API that serves JSON needs a short, fixed list (pages add the few that matter for HTML), and CORS
 * here is closed unless origins are listed explicitly (no reflection of arbitrary origins, no `*` with
 * credentials).
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { CellularError } from '@cellular/core';

/** CORS settings; without them no CORS header is ever sent and preflights get 404. */
export interface CorsOptions {
  /** Exact origins allowed (`https://app.example.com`). `*` is refused when `credentials` is true. */
  readonly origins: readonly string[];
  /** Allow cookies/credentials. Defaults to false. */
  readonly credentials?: boolean;
  /** Request headers allowed. Defaults to `authorization, content-type, x-api-key`. */
  readonly allowHeaders?: readonly string[];
  /** Preflight cache in seconds. Defaults to 600. */
  readonly maxAgeSec?: number;
}

/**
 * Security headers. API responses (contract replies, errors, the OpenAPI document, event streams,
 * preflights) get the set the OWASP REST Security Cheat Sheet lists for JSON; static `pages` (HTML) get
 * the browser set as well. `Strict-Transport-Security` goes only on responses to requests that arrived
 * over TLS (RFC 6797 §7.2). See README "Threat model" for what each header does and where it is sent.
 */
export interface SecurityHeaderOptions {
  /**
   * `Strict-Transport-Security` value, or false to never send it. Defaults to
   * `max-age=31536000; includeSubDomains`. Sent only when the request arrived over TLS
   * (`request.protocol === 'https'`: a TLS socket, or `X-Forwarded-Proto: https` from a proxy that
   * `trustProxy` trusts), never over plain HTTP (RFC 6797 §7.2: a host must not send it over non-secure
   * transport).
   */
  readonly hsts?: string | false;
  /** `Content-Security-Policy` of every response, API and pages. Defaults to `default-src 'none'; frame-ancestors 'none'`. */
  readonly contentSecurityPolicy?: string;
  /**
   * Further headers for every response (API and pages), added to the defaults; a name in a default set
   * is replaced. The way to give API responses headers that only pages get by default, e.g.
   * `{ 'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin' }`. Names and
   * values are checked when the gateway is created; `strict-transport-security` is refused here (use
   * `hsts`, which is sent over TLS only). Defaults to none.
   */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** A fixed header list as parallel name/value arrays (lowercase names), set with one loop per response. */
export interface HeaderSet {
  readonly names: readonly string[];
  readonly values: readonly string[];
}

/** The response headers: what every API response gets, what pages add, and HSTS for TLS requests (undefined when off). */
export interface SecurityHeaderPolicy {
  readonly api: HeaderSet;
  /** Added to {@link api}'s headers for `pages` (HTML): the headers that matter only for a rendered document. */
  readonly pageExtra: HeaderSet;
  readonly hsts: string | undefined;
}

function headerSet(h: Readonly<Record<string, string>>): HeaderSet {
  return { names: Object.freeze(Object.keys(h)), values: Object.freeze(Object.values(h)) };
}

function checked(what: string, name: string, value: string): void {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch (e) {
    throw new CellularError('INVALID_CONFIG', `securityHeaders.${what}: ${(e as Error).message}`);
  }
}

/**
 * The header sets of {@link SecurityHeaderOptions}.
 * @throws CellularError INVALID_CONFIG for an invalid header name or value (Node would throw on every response)
 */
export function securityHeaders(options: SecurityHeaderOptions = {}): SecurityHeaderPolicy {
  const api: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': options.contentSecurityPolicy ?? "default-src 'none'; frame-ancestors 'none'",
    // Kept for JSON: it stops other sites from loading API responses with no-cors requests
    // (<script src>, <img>), which CORS does not cover and which would pull the body into their process.
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };
  checked('contentSecurityPolicy', 'content-security-policy', api['content-security-policy'] ?? '');
  // Only where a document is rendered: which referrer its links send, and its browsing-context group.
  const page: Record<string, string> = { 'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin' };
  for (const [given, value] of Object.entries(options.extraHeaders ?? {})) {
    checked('extraHeaders', given, value);
    const name = given.toLowerCase();
    if (name === 'strict-transport-security') {
      throw new CellularError('INVALID_CONFIG', 'securityHeaders.extraHeaders: set Strict-Transport-Security with `hsts` (it is sent over TLS only)');
    }
    api[name] = value;
    delete page[name];
  }
  const hsts = options.hsts ?? 'max-age=31536000; includeSubDomains';
  if (hsts !== false) checked('hsts', 'strict-transport-security', hsts);
  return { api: headerSet(api), pageExtra: headerSet(page), hsts: hsts === false ? undefined : hsts };
}

export interface CorsPolicy {
  /** Headers for a response to a request with this Origin (empty when not allowed). */
  headersFor(origin: string | undefined): Record<string, string>;
  /** Headers for a preflight; undefined when not allowed. */
  preflight(origin: string | undefined, methods: readonly string[]): Record<string, string> | undefined;
}

export function corsPolicy(options: CorsOptions): CorsPolicy {
  const origins = new Set(options.origins);
  const credentials = options.credentials === true;
  if (credentials && origins.has('*')) throw new CellularError('INVALID_CONFIG', 'cors: origin "*" cannot be combined with credentials');
  const any = origins.has('*');
  const allowed = (o: string | undefined): o is string => o !== undefined && (any || origins.has(o));
  const base = (o: string): Record<string, string> => ({
    'access-control-allow-origin': any ? '*' : o,
    vary: 'Origin',
    ...(credentials ? { 'access-control-allow-credentials': 'true' } : {}),
  });
  return {
    headersFor(o) {
      return allowed(o) ? base(o) : {};
    },
    preflight(o, methods) {
      if (!allowed(o)) return undefined;
      return {
        ...base(o),
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-headers': (options.allowHeaders ?? ['authorization', 'content-type', 'x-api-key']).join(', '),
        'access-control-max-age': String(options.maxAgeSec ?? 600),
      };
    },
  };
}
