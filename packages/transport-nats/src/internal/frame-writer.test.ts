import { describe, expect, it } from 'vitest';
import { CellularError } from '@cellular/core';
import { FrameWriter } from './frame-writer.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const HDR = 'NATS/1.0\r\nNats-Msg-Id: a1\r\n\r\n';

describe('FrameWriter', () => {
  it('writes the HPUB line with byte lengths, the header block, the body and CRLF', () => {
    const w = new FrameWriter();
    expect(text(w.frame('a.b', undefined, HDR, '{"v":1}', 1024))).toBe(`HPUB a.b ${HDR.length} ${HDR.length + 7}\r\n${HDR}{"v":1}\r\n`);
    expect(text(w.frame('a.b', '_INBOX.x.1', HDR, '', 1024))).toBe(`HPUB a.b _INBOX.x.1 ${HDR.length} ${HDR.length}\r\n${HDR}\r\n`);
  });

  it('counts bytes, not characters, for non-ASCII headers and bodies, and copies byte bodies', () => {
    const w = new FrameWriter();
    const hdr = 'NATS/1.0\r\nk: é\r\n\r\n';
    const hlen = Buffer.byteLength(hdr);
    expect(hlen).toBe(hdr.length + 1);
    expect(text(w.frame('s', undefined, hdr, '"€"', 1024))).toBe(`HPUB s ${hlen} ${hlen + 5}\r\n${hdr}"€"\r\n`);
    const body = new Uint8Array([1, 2, 3]);
    const f = w.frame('s', undefined, HDR, body, 1024);
    expect([...f.subarray(f.length - 5)]).toEqual([1, 2, 3, 13, 10]);
  });

  it('never rewrites a frame already handed out, across slab replacements and large bodies', () => {
    const w = new FrameWriter();
    const first = w.frame('s', undefined, HDR, '"first"', 10_000_000);
    const before = text(first);
    for (let i = 0; i < 5000; i++) w.frame('s', undefined, HDR, JSON.stringify('x'.repeat(i % 300)), 10_000_000);
    const big = w.frame('s', undefined, HDR, JSON.stringify('y'.repeat(600_000)), 10_000_000);
    expect(big.length).toBeGreaterThan(600_000);
    expect(text(first)).toBe(before);
  });

  it('refuses a body over maxPayload with PAYLOAD_TOO_LARGE', () => {
    const w = new FrameWriter();
    let err: unknown;
    try {
      w.frame('s', undefined, HDR, '"12345"', 5);
    } catch (e) {
      err = e;
    }
    expect(CellularError.is(err, 'PAYLOAD_TOO_LARGE')).toBe(true);
    expect((err as CellularError).data).toMatchObject({ size: 7, maxPayload: 5 });
  });
});
