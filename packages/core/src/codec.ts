/**
 * Codecs turn values into bytes for transports that leave the process. JSON is the default because
 * every broker tool can read it; a transport takes a codec in its options to use another.
 */
import { CellularError } from './errors.js';
import { EnvelopeSchema, type Envelope } from './envelope.js';

/** Encodes values to bytes and back. */
export interface Codec<T = unknown> {
  /** MIME type carried in headers where the transport has them. */
  readonly contentType: string;
  encode(value: T): Uint8Array;
  /** @throws CellularError VALIDATION when the bytes are not a valid encoding */
  decode(bytes: Uint8Array): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON codec. `undefined` encodes as zero bytes and decodes back to `undefined`; a CellularError
 * encodes through its `toJSON`. Bad bytes are a VALIDATION error, never a crash.
 */
export const jsonCodec: Codec = {
  contentType: 'application/json',
  encode(value: unknown): Uint8Array {
    if (value === undefined) return new Uint8Array(0);
    return encoder.encode(JSON.stringify(value));
  },
  decode(bytes: Uint8Array): unknown {
    if (bytes.byteLength === 0) return undefined;
    try {
      return JSON.parse(decoder.decode(bytes)) as unknown;
    } catch (e) {
      throw new CellularError('VALIDATION', 'Message body is not valid UTF-8 JSON', { cause: e, data: { bytes: bytes.byteLength } });
    }
  },
};

/**
 * Encode a whole envelope as one JSON document (for transports without native headers, such as Redis
 * pub/sub and streams).
 */
export function encodeEnvelope(envelope: Envelope, codec: Codec = jsonCodec): Uint8Array {
  return codec.encode(envelope);
}

/**
 * Decode and validate an envelope encoded by {@link encodeEnvelope}.
 * @throws CellularError VALIDATION when the bytes are not a valid envelope
 */
export function decodeEnvelope(bytes: Uint8Array, codec: Codec = jsonCodec): Envelope {
  const raw = codec.decode(bytes);
  const parsed = EnvelopeSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `"${i.path.join('.')}": ${i.message}`).join('; ');
    throw new CellularError('VALIDATION', `Malformed envelope at ${where}`, { cause: parsed.error });
  }
  return parsed.data as Envelope;
}
