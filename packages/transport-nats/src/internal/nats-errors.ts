/**
 * Turns nats.js errors into {@link CellularError}s. The client throws a class per failure mode; callers
 * of a transport match on one `code` whatever the broker, so the mapping lives in one place.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { CellularError } from '@cellular/core';

/** True for "stream not found" / "consumer not found" API errors. */
export function isNotFound(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound || e.status === 404)
  );
}

/** Map anything a nats.js call threw to a CellularError (`fallback` when nothing more precise fits). */
export function fromNatsError(e: unknown, what: string, fallback: 'TRANSPORT_ERROR' | 'CONFLICT' = 'TRANSPORT_ERROR'): CellularError {
  if (e instanceof CellularError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const name = e instanceof Error ? e.name : 'unknown';
  if (isNotFound(e)) return new CellularError('NOT_FOUND', `${what}: ${message}`, { cause: e });
  if (/max_payload|maximum payload/i.test(message)) return new CellularError('PAYLOAD_TOO_LARGE', `${what}: ${message}`, { cause: e });
  if (/closed/i.test(name) || /connection closed/i.test(message)) {
    return new CellularError('TRANSPORT_CLOSED', `${what}: the NATS connection is closed`, { cause: e });
  }
  if (name === 'TimeoutError') return new CellularError('TIMEOUT', `${what}: ${message}`, { cause: e });
  const data: Record<string, unknown> = { error: name };
  if (e instanceof JetStreamApiError) data.apiCode = e.code;
  return new CellularError(fallback, `${what}: ${message}`, { cause: e, data });
}
