import { describe, expect, it } from 'vitest';
import { EntryBuffer, GENESIS, formatEntry, splitEntry } from './audit-format.js';

describe('EntryBuffer', () => {
  const data = [
    JSON.stringify({ reason: 'ok', ip: '127.0.0.1' }),
    JSON.stringify({ reason: 'ünïcödé € 😀', objectId: 'x'.repeat(3000) }),
    JSON.stringify({ enc: 'a\u2028b\u0000c' }),
  ];

  it('writes the same bytes and hashes as formatEntry, through growth and reuse', () => {
    const buf = new EntryBuffer(64); // small: every entry makes it grow
    let prev = GENESIS;
    let expected = '';
    for (let round = 0; round < 3; round++) {
      let batchExpected = '';
      data.forEach((d, i) => {
        const seq = round * data.length + i + 1;
        const want = formatEntry(seq, 1_700_000_000_000 + seq, prev, d);
        const got = buf.append(seq, 1_700_000_000_000 + seq, prev, d);
        expect(got).toBe(want.hash);
        prev = got;
        batchExpected += `${want.line}\n`;
      });
      expect(buf.count).toBe(data.length);
      const bytes = buf.take();
      expect(buf.count).toBe(0);
      expect(bytes.toString('utf8')).toBe(batchExpected);
      buf.recycle(bytes);
      expected += batchExpected;
    }
    // Every line still splits into a body whose stated hash is the chain.
    const lines = expected.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(splitEntry(lines[8] ?? '')?.hash).toBe(prev);
  });

  it('take() on an empty buffer gives no bytes', () => {
    const buf = new EntryBuffer();
    expect(buf.take().length).toBe(0);
  });
});
