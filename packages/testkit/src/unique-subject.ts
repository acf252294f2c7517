/**
 * Unique names per test, so that runs against a shared real broker (and parallel runs of the suite)
 * never see each other's messages, streams or consumers.
 */
import { randomBytes } from 'node:crypto';

let counter = 0;

function token(): string {
  counter = (counter + 1) % 1_000_000;
  return `${randomBytes(5).toString('hex')}${counter.toString(36)}`;
}

/**
 * A fresh subject prefix such as `ctk.3f9a1c07b21.orders`: tokens separated by `.`, no wildcards.
 * @param base first token(s). Defaults to `ctk`.
 * @param suffix optional trailing token(s).
 */
export function uniqueSubject(base = 'ctk', suffix?: string): string {
  return suffix === undefined ? `${base}.${token()}` : `${base}.${token()}.${suffix}`;
}

/**
 * A fresh stream or consumer name (letters, digits, `_`), such as `ctk_3f9a1c07b21`.
 * @param base leading part. Defaults to `ctk`.
 */
export function uniqueName(base = 'ctk'): string {
  return `${base}_${token()}`;
}
