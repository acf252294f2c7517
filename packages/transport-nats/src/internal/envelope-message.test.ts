import { describe, expect, it } from 'vitest';
import { CellularError, HEADERS, createEnvelope, jsonCodec } from '@cellular/core';
import { MsgHdrsImpl, type MsgHdrs } from '@nats-io/transport-node';
import { NATS_HEADERS, decodeMessage, encodeMessage, rawHeaderText, replyOf } from './envelope-message.js';

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
});
