/**
 * How envelopes become Redis values and back. Redis has no headers, so the whole envelope (headers,
 * trace context, reply subject, correlation id, attempt) travels as one encoded document.
 *
 * With the default JSON codec the transport skips the bytes detour: it hands ioredis the JSON string
 * (ioredis writes strings straight to the socket) and parses `Buffer.toString()` on receipt, which
 * is what a hand-written ioredis client would do. Any other codec goes through `codec.encode/decode`.
 * Either way a received document is validated before anyone sees it (decode-fast.ts).
 */
import { CellularError, encodeEnvelope, jsonCodec, type Codec, type Envelope } from '@cellular/core';
import { decodeFast, looksLikeEnvelope } from './decode-fast.js';

/** Encoder/decoder bound to one codec and payload limit. */
export class EnvelopeWire {
  private readonly json: boolean;

  constructor(
    private readonly codec: Codec,
    private readonly maxPayload: number,
  ) {
    this.json = codec === jsonCodec;
  }

  /** @throws CellularError PAYLOAD_TOO_LARGE */
  encode(envelope: Envelope): string | Buffer {
    if (this.json) {
      const text = JSON.stringify(envelope);
      // A UTF-8 byte is at most 3 per UTF-16 unit: only measure when the bound could be crossed.
      if (text.length * 3 > this.maxPayload) this.check(Buffer.byteLength(text), envelope);
      return text;
    }
    const bytes = encodeEnvelope(envelope, this.codec);
    this.check(bytes.byteLength, envelope);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** @throws CellularError VALIDATION */
  decode(bytes: Buffer): Envelope {
    if (this.json) {
      let raw: unknown;
      try {
        raw = JSON.parse(bytes.toString('utf8'));
      } catch {
        raw = undefined;
      }
      if (looksLikeEnvelope(raw)) return raw;
    }
    return decodeFast(bytes, this.codec);
  }

  private check(size: number, envelope: Envelope): void {
    if (size > this.maxPayload) {
      throw new CellularError('PAYLOAD_TOO_LARGE', `Encoded message is ${size} bytes; the limit is ${this.maxPayload}`, {
        data: { size, maxPayload: this.maxPayload, subject: envelope.subject },
      });
    }
  }
}
