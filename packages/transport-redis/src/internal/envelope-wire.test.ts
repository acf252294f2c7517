import { CellularError, createEnvelope, jsonCodec, type Codec } from '@cellular/core';
import { describe, expect, it } from 'vitest';
import { EnvelopeWire } from './envelope-wire.js';

const env = createEnvelope({
  subject: 'orders.placed',
  payload: { id: 7, note: 'ünïcødé' },
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  correlationId: 'c1',
  replyTo: '_INBOX.x',
  contract: { name: 'orders.placed', version: 2 },
});

describe('EnvelopeWire', () => {
  it('round-trips an envelope with the JSON fast path (string out, bytes in)', () => {
    const wire = new EnvelopeWire(jsonCodec, 1024 * 1024);
    const encoded = wire.encode(env);
    expect(typeof encoded).toBe('string');
    expect(wire.decode(Buffer.from(encoded))).toEqual(env);
  });

  it('uses any other codec through bytes', () => {
    const upper: Codec = {
      contentType: 'application/x-test',
      encode: (v) => new TextEncoder().encode(JSON.stringify(v)),
      decode: (b) => JSON.parse(new TextDecoder().decode(b)) as unknown,
    };
    const wire = new EnvelopeWire(upper, 1024 * 1024);
    const encoded = wire.encode(env);
    expect(Buffer.isBuffer(encoded)).toBe(true);
    expect(wire.decode(encoded as Buffer)).toEqual(env);
  });

  it('refuses payloads over the limit, counting UTF-8 bytes', () => {
    const wire = new EnvelopeWire(jsonCodec, 400);
    const big = createEnvelope({ subject: 'a', payload: 'é'.repeat(200) }); // 400 bytes of payload alone
    expect(() => wire.encode(big)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(() => wire.encode(createEnvelope({ subject: 'a', payload: 'é'.repeat(50) }))).not.toThrow();
  });

  it.each([
    ['not JSON', 'nope{'],
    ['missing id', JSON.stringify({ ...env, id: undefined })],
    ['bad attempt', JSON.stringify({ ...env, attempt: 0 })],
    ['non-string header', JSON.stringify({ ...env, headers: { a: 1 } })],
    ['bad contract', JSON.stringify({ ...env, contract: { name: 'x', version: 0 } })],
    ['null contract', JSON.stringify({ ...env, contract: null })],
  ])('rejects a malformed message (%s) with a VALIDATION error', (_what, text) => {
    const wire = new EnvelopeWire(jsonCodec, 1024 * 1024);
    let err: unknown;
    try {
      wire.decode(Buffer.from(text));
    } catch (e) {
      err = e;
    }
    expect(CellularError.is(err, 'VALIDATION')).toBe(true);
  });
});
