import { describe, expect, it } from 'vitest';
import { CellularError, HEADERS, createEnvelope, jsonCodec } from '@cellular/core';
import { MsgHdrsImpl, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { NATS_HEADERS, decodeCoreMessage, decodeMessage, encodeBody, encodeMessage, headerBlock, rawHeaderText, replyOf } from './envelope-message.js';

/** What the client does on the wire: encode the headers to bytes and parse them back. */
function roundTrip(h: MsgHdrs): MsgHdrs {
  if (!(h instanceof MsgHdrsImpl)) throw new Error('expected the client header class');
  return MsgHdrsImpl.decode(h.encode());
}

describe('envelope <-> NATS message', () => {
  it('round-trips every envelope field through headers and body', () => {
    const env = createEnvelope({
      subject: 'orders.created',
      payload: { id: 7, items: ['a'] },
      headers: { [HEADERS.traceparent]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', [HEADERS.tracestate]: 'k=v', custom: 'x' },
      correlationId: 'corr-1',
      replyTo: '_INBOX.abc.1',
      attempt: 3,
      contract: { name: 'orders.created', version: 2 },
    });
    const m = encodeMessage(env, jsonCodec, true);
    const back = decodeMessage({ subject: env.subject, data: m.data, headers: roundTrip(m.headers) }, jsonCodec, undefined);
    expect(back).toEqual(env);
  });

  it('uses the envelope id as Nats-Msg-Id (JetStream dedup) and keeps reserved headers out of envelope.headers', () => {
    const env = createEnvelope({ subject: 's.x', payload: 1 });
    const m = encodeMessage(env, jsonCodec, false);
    expect(m.headers.get(NATS_HEADERS.id)).toBe(env.id);
    const back = decodeMessage({ subject: 's.x', data: m.data, headers: roundTrip(m.headers) }, jsonCodec, undefined);
    expect(Object.keys(back.headers)).toEqual([]);
  });

  it('carries replyTo as the NATS reply for core messages and in a header for durable ones', () => {
    const env = createEnvelope({ subject: 's.x', payload: 1, replyTo: 'r.1' });
    expect(encodeMessage(env, jsonCodec, false).headers.has(NATS_HEADERS.replyTo)).toBe(false);
    expect(encodeMessage(env, jsonCodec, true).headers.get(NATS_HEADERS.replyTo)).toBe('r.1');
    const m = encodeMessage(env, jsonCodec, false);
    expect(decodeMessage({ subject: 's.x', data: m.data, headers: m.headers }, jsonCodec, 'native.reply').replyTo).toBe('native.reply');
  });

  it('the delivery count overrides the attempt header for durable messages', () => {
    const env = createEnvelope({ subject: 's.x', payload: 1 });
    const m = encodeMessage(env, jsonCodec, true);
    expect(decodeMessage({ subject: 's.x', data: m.data, headers: m.headers }, jsonCodec, undefined, 4).attempt).toBe(4);
  });

  it('decodes messages from plain NATS clients (no headers) with a fresh id and attempt 1', () => {
    const back = decodeMessage({ subject: 'plain.x', data: new TextEncoder().encode('"hi"'), headers: undefined }, jsonCodec, undefined);
    expect(back.payload).toBe('hi');
    expect(back.id.length).toBeGreaterThan(0);
    expect(back.attempt).toBe(1);
    expect(back.headers).toEqual({});
  });

  it('undefined payload travels as an empty body', () => {
    const env = createEnvelope({ subject: 's.x', payload: undefined });
    const m = encodeMessage(env, jsonCodec, false);
    expect(m.data.length).toBe(0);
    expect(decodeMessage({ subject: 's.x', data: m.data, headers: m.headers }, jsonCodec, undefined).payload).toBeUndefined();
  });

  it('refuses headers NATS cannot carry with VALIDATION, naming the header', () => {
    for (const headers of [{ bad: 'a\r\nb' }, { 'bad key': 'v' }, { 'k:': 'v' }]) {
      const env = createEnvelope({ subject: 's.x', payload: 1, headers });
      let err: unknown;
      try {
        encodeMessage(env, jsonCodec, false);
      } catch (e) {
        err = e;
      }
      expect(CellularError.is(err, 'VALIDATION')).toBe(true);
      expect((err as CellularError).data).toHaveProperty('header');
    }
  });

  it('a body the codec cannot decode is a VALIDATION error', () => {
    expect(() => decodeMessage({ subject: 's.x', data: new TextEncoder().encode('{nope'), headers: undefined }, jsonCodec, undefined)).toThrow(
      CellularError,
    );
  });

  it('reads the raw header block from the client message buffer, and falls back when the shape is unknown', () => {
    const env = createEnvelope({ subject: 's.x', payload: { a: 1 }, headers: { k: 'v' } });
    const m = encodeMessage(env, jsonCodec, false);
    if (!(m.headers instanceof MsgHdrsImpl)) throw new Error('expected the client header class');
    const hdr = m.headers.encode();
    const rdata = new Uint8Array(hdr.length + m.data.length);
    rdata.set(hdr);
    rdata.set(m.data, hdr.length);
    const text = rawHeaderText({ _msg: { hdr: hdr.length }, _rdata: rdata });
    expect(text).toBe(new TextDecoder().decode(hdr));
    expect(decodeMessage({ subject: 's.x', data: m.data, headers: text }, jsonCodec, undefined)).toEqual(env);
    expect(rawHeaderText({ _msg: { hdr: -1 }, _rdata: rdata })).toBeUndefined();
    expect(rawHeaderText({})).toBeUndefined();
  });

  it('replyOf skips decoding an absent reply subject', () => {
    expect(replyOf({ _msg: { reply: undefined }, reply: 'never-read' } as { reply: string })).toBeUndefined();
    expect(replyOf({ reply: 'r.1' })).toBe('r.1');
    expect(replyOf({ reply: '' })).toBeUndefined();
  });

  describe('decodeCoreMessage (from the client receive buffer)', () => {
    /** A received core message as the client holds it: header block and body in one buffer. */
    function received(headers: string | undefined, body: Uint8Array, reply?: string): Msg {
      const h = headers === undefined ? new Uint8Array(0) : Buffer.from(headers, 'utf8');
      const rdata = Buffer.concat([h, body]);
      return { _msg: { hdr: headers === undefined ? -1 : h.length, reply }, _rdata: rdata, data: rdata.subarray(h.length), subject: 'wire.subject' } as unknown as Msg;
    }
    const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

    it('round-trips every envelope field, including non-ASCII headers and payloads', () => {
      const env = createEnvelope({
        subject: 'orders.created',
        payload: { name: 'Zoë €', n: [1, 2] },
        headers: { [HEADERS.traceparent]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', note: 'café' },
        correlationId: 'c-1',
        attempt: 2,
        contract: { name: 'orders.created', version: 3 },
      });
      const body = encodeBody(env, jsonCodec);
      expect(decodeCoreMessage(received(headerBlock(env, false), bytes(body as string)), env.subject, jsonCodec, 'r.9')).toEqual({ ...env, replyTo: 'r.9' });
    });

    it('decodes plain messages (no headers), empty bodies, and keeps a body containing a blank line', () => {
      const plain = decodeCoreMessage(received(undefined, bytes('{"a":"x\\r\\n\\r\\ny"}')), 's', jsonCodec, undefined);
      expect(plain.payload).toEqual({ a: 'x\r\n\r\ny' });
      expect(plain.attempt).toBe(1);
      const env = createEnvelope({ subject: 's', payload: undefined });
      expect(decodeCoreMessage(received(headerBlock(env, false), new Uint8Array(0)), 's', jsonCodec, undefined).payload).toBeUndefined();
    });

    it('reads reserved names written by other clients (no space after the colon) and keeps other cellular-* headers', () => {
      const block = 'NATS/1.0\r\nNats-Msg-Id:abc\r\ncellular-ts:  42 \r\ncellular-dead-letter-reason: max\r\ncellular-contract: c\r\nx: 1\r\n\r\n';
      const env = decodeCoreMessage(received(block, bytes('1')), 's', jsonCodec, undefined);
      expect(env).toMatchObject({ id: 'abc', timestamp: 42, payload: 1, contract: { name: 'c', version: 1 } });
      expect(env.headers).toEqual({ 'cellular-dead-letter-reason': 'max', x: '1' });
    });

    it('bytes that are not UTF-8 or not JSON are a VALIDATION error', () => {
      const env = createEnvelope({ subject: 's', payload: 1 });
      for (const body of [new Uint8Array([0x22, 0xff, 0xfe, 0x22]), bytes('{nope')]) {
        let err: unknown;
        try {
          decodeCoreMessage(received(headerBlock(env, false), body), 's', jsonCodec, undefined);
        } catch (e) {
          err = e;
        }
        expect(CellularError.is(err, 'VALIDATION')).toBe(true);
      }
    });

    it('other codecs and unknown client shapes go through the codec', () => {
      const env = createEnvelope({ subject: 's', payload: 'p' });
      const codec = { contentType: 'text/plain', encode: (v: unknown) => bytes(String(v)), decode: (b: Uint8Array) => `decoded:${Buffer.from(b).toString()}` };
      expect(decodeCoreMessage(received(headerBlock(env, false), bytes('p')), 's', codec, undefined).payload).toBe('decoded:p');
      const m = encodeMessage(env, jsonCodec, false);
      const odd = { subject: 's', data: m.data, headers: m.headers } as unknown as Msg;
      expect(decodeCoreMessage(odd, 's', jsonCodec, undefined)).toEqual(env);
    });
  });
});
