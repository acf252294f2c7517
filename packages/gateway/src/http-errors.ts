/**
 * Maps a {@link CellularError} to an HTTP status and a stable JSON body. The gateway is the trust
 * boundary: only codes that describe the client's own mistake keep their message; everything else
 * (handler crashes, transport faults, a reply that broke its contract) becomes a fixed generic message,
 * so no stack trace, internal subject or library message ever reaches a client.
 */
import type { CellularErrorCode, ValidationIssue } from '@cellular/core';
import type { CellularError } from '@cellular/core';

/** The JSON body of every error response: `{ error: { code, message, issues? } }`. */
export interface ErrorBody {
  readonly error: {
    /** A stable {@link CellularErrorCode}. */
    readonly code: CellularErrorCode;
    /** A message safe to show a client. */
    readonly message: string;
    /** Field-level problems, for VALIDATION only. */
    readonly issues?: readonly Pick<ValidationIssue, 'path' | 'message'>[];
  };
}

const STATUS: Readonly<Record<CellularErrorCode, number>> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  TIMEOUT: 504,
  NO_RESPONDERS: 503,
  BACKPRESSURE: 503,
  TRANSPORT_CLOSED: 503,
  TRANSPORT_ERROR: 503,
  CANCELLED: 503,
  BUDGET_EXCEEDED: 503,
  UNSUPPORTED: 501,
  SANDBOX_VIOLATION: 500,
  SANDBOX_CRASH: 500,
  INVALID_CONTRACT: 500,
  INVALID_SUBJECT: 500,
  INVALID_CONFIG: 500,
  HANDLER_ERROR: 500,
  INTERNAL: 500,
};

/** Codes whose message was written for the client and may be shown. */
const EXPOSED: ReadonlySet<CellularErrorCode> = new Set<CellularErrorCode>([
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
]);

const GENERIC: Partial<Record<number, string>> = {
  500: 'Internal error',
  501: 'Not supported',
  503: 'Service unavailable',
  504: 'Upstream timed out',
};

/** The HTTP status for a code. Unknown codes are 500. */
export function httpStatusFor(code: CellularErrorCode): number {
  return STATUS[code];
}

const MAX_MESSAGE = 300;
const MAX_ISSUES = 20;

/**
 * The status and body for an error. Client-fault codes keep their (length-capped) message and, for
 * VALIDATION, the issue paths; every other code gets a generic message.
 */
export function toErrorResponse(error: CellularError): { status: number; body: ErrorBody } {
  const status = httpStatusFor(error.code);
  if (!EXPOSED.has(error.code)) {
    const code: CellularErrorCode = status === 500 ? 'INTERNAL' : error.code;
    return { status, body: { error: { code, message: GENERIC[status] ?? 'Internal error' } } };
  }
  const message = error.message.length > MAX_MESSAGE ? `${error.message.slice(0, MAX_MESSAGE)}…` : error.message;
  const raw = error.code === 'VALIDATION' ? error.data?.issues : undefined;
  if (Array.isArray(raw)) {
    const issues = (raw as unknown[]).slice(0, MAX_ISSUES).map((i) => {
      const r = (typeof i === 'object' && i !== null ? i : {}) as Record<string, unknown>;
      return {
        path: typeof r.path === 'string' ? r.path.slice(0, 200) : '(unknown)',
        message: typeof r.message === 'string' ? r.message.slice(0, 200) : 'invalid',
      };
    });
    return { status, body: { error: { code: error.code, message, issues } } };
  }
  return { status, body: { error: { code: error.code, message } } };
}
