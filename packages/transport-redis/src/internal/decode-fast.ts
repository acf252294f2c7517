/**
 * Envelope decoding on the hot path. Every message off the wire must be checked, but running the
 * zod schema per message costs more than the Redis round trip it rides on. So the common case (a
 * well-formed envelope) is checked by hand against the same rules as core's `EnvelopeSchema`, and
 * only a failing message goes through `decodeEnvelope`, which produces the precise VALIDATION error.
 */
import { decodeEnvelope, type Codec, type Envelope } from '@cellular/core';

const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isOptNonEmpty = (v: unknown): boolean => v === undefined || isNonEmpty(v);

function isStringRecord(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) {
    if (typeof (v as Record<string, unknown>)[k] !== 'string') return false;
  }
  return true;
}

/** True when `raw` satisfies the envelope schema. */
export function looksLikeEnvelope(raw: unknown): raw is Envelope {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  const ts = r.timestamp;
  const attempt = r.attempt;
  const contract = r.contract as Record<string, unknown> | undefined;
  return (
    isNonEmpty(r.id) &&
    isNonEmpty(r.subject) &&
    isStringRecord(r.headers) &&
    Number.isSafeInteger(ts) &&
    (ts as number) >= 0 &&
    Number.isSafeInteger(attempt) &&
    (attempt as number) > 0 &&
    isOptNonEmpty(r.replyTo) &&
    isOptNonEmpty(r.correlationId) &&
    (contract === undefined ||
      (typeof contract === 'object' &&
        contract !== null &&
        typeof contract.name === 'string' &&
        Number.isSafeInteger(contract.version) &&
        (contract.version as number) > 0))
  );
}

/**
 * Decode and validate an envelope.
 * @throws CellularError VALIDATION when the bytes are not a valid envelope
 */
export function decodeFast(bytes: Uint8Array, codec: Codec): Envelope {
  let raw: unknown;
  try {
    raw = codec.decode(bytes);
  } catch {
    return decodeEnvelope(bytes, codec); // rethrows the codec's precise error
  }
  if (looksLikeEnvelope(raw)) return raw;
  return decodeEnvelope(bytes, codec);
}
