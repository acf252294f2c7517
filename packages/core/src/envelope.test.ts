import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, jsonCodec } from './codec.js';
import { createEnvelope, EnvelopeSchema, HEADERS } from './envelope.js';
import { CellularError } from './errors.js';
import { messageIdTime, newMessageId } from './message-id.js';

describe('message ids', () => {
  it('are unique and sort by creation order', () => {
    const ids = Array.from({ length: 5000 }, () => newMessageId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toHaveLength(24);
  });
  it('sort by time across milliseconds and encode the time', () => {
    const a = newMessageId(1_700_000_000_000);
    const b = newMessageId(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(messageIdTime(a)).toBe(1_700_000_000_000);
  });
});

describe('envelope', () => {
  it('fills defaults and copies headers', () => {
    const headers = { [HEADERS.traceparent]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const env = createEnvelope({ subject: 'a.b', payload: { x: 1 }, headers, contract: { name: 'a.b', version: 3 } });
    expect(env).toMatchObject({ subject: 'a.b', payload: { x: 1 }, attempt: 1, contract: { name: 'a.b', version: 3 } });
    expect(env.headers).toEqual(headers);
    expect(env.headers).not.toBe(headers);
    expect(EnvelopeSchema.safeParse(env).success).toBe(true);
    expect('replyTo' in env).toBe(false);
  });

  it('round-trips through the JSON codec with every field', () => {
    const env = createEnvelope({
      subject: 'q.get',
      payload: { nested: [1, 'two', null] },
      replyTo: '_INBOX.x',
      correlationId: 'c1',
      attempt: 3,
      headers: { a: 'b' },
    });
    expect(decodeEnvelope(encodeEnvelope(env))).toEqual(env);
  });

  it('rejects malformed envelopes with VALIDATION naming the field', () => {
    const bytes = jsonCodec.encode({ id: 'x', subject: 'a', headers: {}, timestamp: -1, attempt: 1 });
    try {
      decodeEnvelope(bytes);
      expect.unreachable();
    } catch (e) {
      expect(CellularError.is(e, 'VALIDATION')).toBe(true);
      expect((e as Error).message).toContain('timestamp');
    }
  });

  it('rejects bytes that are not JSON', () => {
    expect(() => jsonCodec.decode(new Uint8Array([0xff, 0xfe]))).toThrow(CellularError);
    expect(() => jsonCodec.decode(new TextEncoder().encode('{nope'))).toThrow(/not valid UTF-8 JSON/);
  });

  it('encodes undefined as zero bytes and back', () => {
    expect(jsonCodec.encode(undefined).byteLength).toBe(0);
    expect(jsonCodec.decode(new Uint8Array(0))).toBeUndefined();
  });
});

describe('envelope without payload', () => {
  it('survives JSON when the payload is undefined', () => {
    const env = createEnvelope({ subject: 'tick', payload: undefined });
    const back = decodeEnvelope(encodeEnvelope(env));
    expect(back.payload).toBeUndefined();
    expect(back.id).toBe(env.id);
  });
});
