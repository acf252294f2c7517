import { describe, expect, it } from 'vitest';
import { CellularError } from './errors.js';
import { assertPattern, assertSubject, isValidSubject, isWildcardPattern, subjectMatches } from './subject.js';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof CellularError ? e.code : 'not-a-cellular-error';
  }
};

describe('subjects', () => {
  it.each(['a', 'a.b.c', 'orders.v1.placed', '_INBOX.abc123', 'x-y.z_w'])('accepts subject %s', (s) => {
    expect(() => assertSubject(s)).not.toThrow();
    expect(isValidSubject(s)).toBe(true);
  });

  it.each(['', '.', 'a.', '.a', 'a..b', 'a b', 'a\tb', 'a.*', 'a.>', 'a*.b', 'a\u0000b'])('refuses subject %j', (s) => {
    expect(codeOf(() => assertSubject(s))).toBe('INVALID_SUBJECT');
    expect(isValidSubject(s)).toBe(false);
  });

  it.each(['a.*', '*', '>', 'a.>', '*.b.>', 'a.b'])('accepts pattern %s', (p) => {
    expect(() => assertPattern(p)).not.toThrow();
  });

  it.each(['a.>.b', '>.a', 'a*', 'a.b*', 'a.>x', 'a..b', ''])('refuses pattern %j', (p) => {
    expect(codeOf(() => assertPattern(p))).toBe('INVALID_SUBJECT');
  });

  it('names the offending position in the error data', () => {
    try {
      assertSubject('a..b');
      expect.unreachable();
    } catch (e) {
      expect((e as CellularError).data).toMatchObject({ position: 1 });
    }
  });

  it('detects wildcard patterns', () => {
    expect(isWildcardPattern('a.*')).toBe(true);
    expect(isWildcardPattern('a.>')).toBe(true);
    expect(isWildcardPattern('a.b')).toBe(false);
  });
});

describe('subjectMatches (NATS semantics)', () => {
  const cases: [string, string, boolean][] = [
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['a.*', 'a.b.c', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['>', 'a', true],
    ['>', 'a.b', true],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*.b.>', 'x.b.y', true],
    ['*.b.>', 'x.b', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.d', false],
    ['a.b.c', 'a.b', false],
  ];
  it.each(cases)('%s vs %s -> %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});
