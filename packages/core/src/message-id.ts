/**
 * Message ids are sortable and unique without coordination: 10 chars of millisecond time (Crockford
 * base32, like ULID), 6 chars of per-process randomness, 8 chars of a monotonic counter. Generating one
 * costs a string concat, not a crypto call, because the bus makes one per message.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[v % 32]! + out;
    v = Math.floor(v / 32);
  }
  return out;
}

const nodePart = (() => {
  const bytes = randomBytes(6);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % 32]!;
  return s;
})();

let lastMs = -1;
let timePart = '';
let counter = 0;

/**
 * A new message id: 24 chars, lexicographically sortable by creation time within a process and unique
 * across processes.
 */
export function newMessageId(now: number = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    timePart = encode(now, 10);
  }
  counter = (counter + 1) % 0x10000000000; // 32^8
  return timePart + nodePart + encode(counter, 8);
}

/** The millisecond timestamp encoded in an id made by {@link newMessageId}. */
export function messageIdTime(id: string): number {
  let v = 0;
  for (let i = 0; i < 10; i++) v = v * 32 + ALPHABET.indexOf(id[i] ?? '0');
  return v;
}
