/**
 * Message ids are sortable and unique without coordination: 10 base-32 digits of millisecond time,
 * 6 of per-process randomness, 8 of a monotonic counter (24 chars, `0-9a-v`). Fixed width and one
 * alphabet make string order equal creation order within a process. Generating one costs two native
 * `toString(32)` calls, not a crypto call, because the bus makes one per message.
 */
import { randomInt } from 'node:crypto';

const COUNTER_SPACE = 32 ** 8;
const nodePart = randomInt(0, 32 ** 6).toString(32).padStart(6, '0');

let lastMs = -1;
let timePart = '';
let counter = randomInt(0, 32 ** 4);

/**
 * A new message id: 24 chars, lexicographically sortable by creation time within a process and unique
 * across processes (48 bits of time, 30 bits of process randomness, a 40-bit counter).
 */
export function newMessageId(now: number = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    timePart = now.toString(32).padStart(10, '0');
  }
  counter = counter + 1 === COUNTER_SPACE ? 0 : counter + 1;
  return timePart + nodePart + counter.toString(32).padStart(8, '0');
}

/** The millisecond timestamp encoded in an id made by {@link newMessageId}. */
export function messageIdTime(id: string): number {
  return parseInt(id.slice(0, 10), 32);
}
