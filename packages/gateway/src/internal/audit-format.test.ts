import { describe, expect, it } from 'vitest';
import { EntryBuffer, GENESIS, sha256Hex, splitEntry } from './audit-format.js';

describe('EntryBuffer', () => {
  const data = [
    JSON.stringify({ reason: 'ok', ip: '127.0.0.1' }),
    JSON.stringify({ reason: 'ünïcödé € 😀', objectId: 'x'.repeat(3000) }),
    JSON.stringify({ enc: 'a\u2028b\u0000c' }),
  ];

  it.each([1, 2, 256])('writes lines the verifier accepts, chained, through growth, reuse and runs of %i', (sealEvery) => {
    const buf = new EntryBuffer(GENESIS, 64, sealEvery); // small: every entry makes it grow
    let prev = GENESIS;
    for (let round = 0; round < 3; round++) {
      const before = prev; // the chain continues across batches
      const hashes: string[] = [];
      data.forEach((d, i) => {
        const seq = round * data.length + i + 1;
        buf.append(seq, 1_700_000_000_000 + seq, d);
        if (i !== 1) {
          // Asking for the head seals what is queued; entry 1 is left queued until the next one or take().
          prev = buf.head;
          hashes.push(prev);
        } else hashes.push('');
      });
      expect(buf.count).toBe(data.length);
      const bytes = buf.take();
      expect(buf.count).toBe(0);
      const text = bytes.toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.slice(0, -1).split('\n');
      expect(lines).toHaveLength(data.length);
      hashes[1] = splitEntry(lines[1] ?? '')?.hash ?? '';
      lines.forEach((line, i) => {
        // What verifyAuditLog checks: the stated hash is the SHA-256 of the body, and the body carries
        // the sequence, the time, the previous hash and the data exactly.
        const parts = splitEntry(line);
        expect(parts?.hash).toBe(hashes[i]);
        expect(sha256Hex(parts?.body ?? '')).toBe(hashes[i]);
        const seq = round * data.length + i + 1;
        expect(JSON.parse(parts?.body ?? '')).toEqual({
          seq,
          ts: 1_700_000_000_000 + seq,
          prev: i === 0 ? before : hashes[i - 1],
          data: JSON.parse(data[i] ?? ''),
        });
      });
      buf.recycle(bytes);
    }
  });

  it('take() on an empty buffer gives no bytes and keeps the head', () => {
    const buf = new EntryBuffer('a'.repeat(64));
    expect(buf.take().length).toBe(0);
    expect(buf.head).toBe('a'.repeat(64));
  });

  it('head is the hash of the last appended entry, sealed or queued', () => {
    const queued = new EntryBuffer(GENESIS, 1024, 256);
    const sealed = new EntryBuffer(GENESIS, 1024, 1);
    for (const [i, d] of data.entries()) {
      queued.append(i + 1, 1, d);
      sealed.append(i + 1, 1, d);
    }
    expect(queued.head).toBe(sealed.head);
    expect(queued.take().equals(sealed.take())).toBe(true);
  });

  it('data given as EntryData is built once, when its entry is sealed, into the same bytes as the text', () => {
    const calls: number[] = [];
    const deferred = new EntryBuffer(GENESIS, 1024, 2);
    const direct = new EntryBuffer(GENESIS, 1024, 2);
    for (const [i, d] of data.entries()) {
      deferred.append(i + 1, 1, { json: () => (calls.push(i), d) });
      direct.append(i + 1, 1, d);
      // Runs of 2: the first entry waits for the second; each is built exactly once.
      expect(calls).toEqual(i === 0 ? [] : [0, 1]);
    }
    expect(deferred.head).toBe(direct.head); // seals the third
    expect(calls).toEqual([0, 1, 2]);
    expect(deferred.take().equals(direct.take())).toBe(true);
    expect(calls).toEqual([0, 1, 2]);
  });
});
