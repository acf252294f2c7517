/**
 * Response headers the gateway always sets, and CORS. Set by hand rather than with helmet/cors plugins:
 * an API that serves only JSON needs a short, fixed list, and CORS here is closed unless origins are
 * listed explicitly (no reflection of arbitrary origins, no `*` with credentials).
 */
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

/** Security headers; see README for what each does. */
export interface SecurityHeaderOptions {
  /** `Strict-Transport-Security` value, or false to omit. Defaults to `max-age=31536000; includeSubDomains`. */
  readonly hsts?: string | false;
  /** `Content-Security-Policy`. Defaults to `default-src 'none'; frame-ancestors 'none'`. */
  readonly contentSecurityPolicy?: string;
}

export function securityHeaders(options: SecurityHeaderOptions = {}): Record<string, string> {
  const h: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': options.contentSecurityPolicy ?? "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-store',
  };
  const hsts = options.hsts ?? 'max-age=31536000; includeSubDomains';
  if (hsts !== false) h['strict-transport-security'] = hsts;
  return h;
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
