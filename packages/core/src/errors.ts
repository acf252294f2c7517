/**
 * One error class for the whole project, with a stable `code` union (the tRPC shape). Errors cross
 * transports as plain JSON (`toJSON` / `CellularError.fromJSON`) and come back as the same error, so a
 * caller on the other side of NATS can `switch (err.code)` exactly as it would in-process.
 */

/** Every code a {@link CellularError} can carry. Stable: codes are only ever added. */
export const ERROR_CODES = [
  'TIMEOUT',
  'NO_RESPONDERS',
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'BACKPRESSURE',
  'CANCELLED',
  'SANDBOX_VIOLATION',
  'SANDBOX_CRASH',
  'BUDGET_EXCEEDED',
  'TRANSPORT_CLOSED',
  'TRANSPORT_ERROR',
  'INVALID_CONTRACT',
  'INVALID_SUBJECT',
  'INVALID_CONFIG',
  'UNSUPPORTED',
  'HANDLER_ERROR',
  'INTERNAL',
] as const;

/** The union of every {@link CellularError} code. */
export type CellularErrorCode = (typeof ERROR_CODES)[number];

/** JSON-safe data attached to an error (field paths, limits, ids). */
export type ErrorData = Readonly<Record<string, unknown>>;

/** The wire form of a {@link CellularError}: what `toJSON()` returns and `fromJSON()` accepts. */
export interface SerializedCellularError {
  readonly name: 'CellularError';
  readonly code: CellularErrorCode;
  readonly message: string;
  readonly data?: ErrorData;
  readonly cause?: SerializedCellularError | { readonly name: string; readonly message: string };
}

/** Options for {@link CellularError}. */
export interface CellularErrorOptions {
  /** JSON-safe details (field paths, limits, ids). Never secrets: data crosses transports. */
  readonly data?: ErrorData;
  /** The underlying error, kept for logs; serialised as name and message only. */
  readonly cause?: unknown;
}

const codeSet: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `value` is one of {@link ERROR_CODES}. */
export function isCellularErrorCode(value: unknown): value is CellularErrorCode {
  return typeof value === 'string' && codeSet.has(value);
}

/**
 * The error every Cellular package throws. Match on `code`, not on the message.
 *
 * @example
 * ```ts
 * try { await bus.request(GetUser, { id }) }
 * catch (e) { if (CellularError.is(e, 'TIMEOUT')) retry() }
 * ```
 */
export class CellularError extends Error {
  override readonly name = 'CellularError';
  /** The stable machine-readable code. */
  readonly code: CellularErrorCode;
  /** JSON-safe details. */
  readonly data: ErrorData | undefined;

  constructor(code: CellularErrorCode, message: string, options: CellularErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data;
  }

  /** True when `error` is a CellularError, optionally with one of the given codes. */
  static is(error: unknown, ...codes: CellularErrorCode[]): error is CellularError {
    if (!(error instanceof CellularError)) return false;
    return codes.length === 0 || codes.includes(error.code);
  }

  /** The wire form: plain JSON that survives any codec. Stack traces never leave the process. */
  toJSON(): SerializedCellularError {
    const out: { -readonly [K in keyof SerializedCellularError]: SerializedCellularError[K] } = {
      name: 'CellularError',
      code: this.code,
      message: this.message,
    };
    if (this.data !== undefined) out.data = this.data;
    const cause: unknown = this.cause;
    if (cause instanceof CellularError) out.cause = cause.toJSON();
    else if (cause instanceof Error) out.cause = { name: cause.name, message: cause.message };
    return out;
  }

  /**
   * Rebuild an error from its wire form. Unknown shapes become INTERNAL rather than throwing, so a
   * malformed error reply never hides the fact that the remote side failed.
   */
  static fromJSON(json: unknown): CellularError {
    if (typeof json !== 'object' || json === null) {
      return new CellularError('INTERNAL', 'Malformed error payload', { data: { received: typeof json } });
    }
    const rec = json as Record<string, unknown>;
    const code = isCellularErrorCode(rec.code) ? rec.code : 'INTERNAL';
    const message = typeof rec.message === 'string' ? rec.message : 'Unknown remote error';
    const data =
      typeof rec.data === 'object' && rec.data !== null && !Array.isArray(rec.data) ? (rec.data as ErrorData) : undefined;
    let cause: unknown;
    if (typeof rec.cause === 'object' && rec.cause !== null) {
      const c = rec.cause as Record<string, unknown>;
      if (c.name === 'CellularError') cause = CellularError.fromJSON(c);
      else {
        const e = new Error(typeof c.message === 'string' ? c.message : '');
        if (typeof c.name === 'string') e.name = c.name;
        cause = e;
      }
    }
    const opts: { data?: ErrorData; cause?: unknown } = {};
    if (data !== undefined) opts.data = data;
    if (cause !== undefined) opts.cause = cause;
    return new CellularError(code, message, opts);
  }
}

/**
 * Turn anything thrown into a {@link CellularError}. A CellularError passes through unchanged; an
 * `AbortError`/`TimeoutError` becomes CANCELLED/TIMEOUT; anything else becomes `fallback` (default
 * HANDLER_ERROR) with the original kept as `cause`.
 */
export function toCellularError(error: unknown, fallback: CellularErrorCode = 'HANDLER_ERROR'): CellularError {
  if (error instanceof CellularError) return error;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return new CellularError('TIMEOUT', error.message, { cause: error });
    if (error.name === 'AbortError') return new CellularError('CANCELLED', error.message, { cause: error });
    return new CellularError(fallback, error.message, { cause: error });
  }
  return new CellularError(fallback, typeof error === 'string' ? error : 'Non-error value thrown', {
    data: { thrown: typeof error },
  });
}
