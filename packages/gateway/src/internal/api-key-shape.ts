/**
 * The shape of an API key, `ck_<16 × [A-Za-z0-9]>_<43 × [A-Za-z0-9_-]>` (the id, then the secret): the
 * one place that defines it. Checked with `test` and fixed offsets instead of `exec`, whose match array
 * and two substrings cost as much as the check itself.
 */

/** Length of a well-formed key: `ck_`, 16, `_`, 43. */
export const KEY_LENGTH = 63;
/** Where the id starts and ends (`key.slice(ID_START, ID_END)`) and where the secret starts. */
export const ID_START = 3;
export const ID_END = 19;
export const SECRET_START = 20;

/** The key pattern without capture groups: `test` allocates no match array. */
const SHAPE_RE = /^ck_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/;

/** Whether `key` is a well-formed API key (see the module comment). */
export function isKeyShape(key: string): boolean {
  return key.length === KEY_LENGTH && SHAPE_RE.test(key);
}
