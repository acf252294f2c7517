/**
 * Subjects follow the NATS token grammar everywhere, so a subject means the same thing on every
 * transport: tokens separated by `.`, no empty tokens, no whitespace. Patterns (subscriptions only) add
 * `*` (exactly one token) and `>` (one or more trailing tokens, last position only).
 */
import { CellularError } from './errors.js';

// eslint-disable-next-line no-control-regex -- NUL is exactly what we refuse
const FORBIDDEN_CHARS = /[\s\u0000]/u;

/** Split and check tokens; shared by subject and pattern validation. */
function tokensOf(subject: string, what: 'subject' | 'pattern'): string[] {
  if (typeof subject !== 'string' || subject.length === 0) {
    throw new CellularError('INVALID_SUBJECT', `A ${what} must be a non-empty string`, { data: { [what]: subject } });
  }
  if (FORBIDDEN_CHARS.test(subject)) {
    throw new CellularError('INVALID_SUBJECT', `${what} "${subject}" contains whitespace or NUL; tokens are separated by "." only`, {
      data: { [what]: subject },
    });
  }
  const tokens = subject.split('.');
  tokens.forEach((t, i) => {
    if (t.length === 0) {
      throw new CellularError('INVALID_SUBJECT', `${what} "${subject}" has an empty token at position ${i}`, {
        data: { [what]: subject, position: i },
      });
    }
  });
  return tokens;
}

/**
 * Check a concrete subject (what is published to). Wildcards are refused: they are for subscriptions.
 * @throws CellularError INVALID_SUBJECT
 */
export function assertSubject(subject: string): void {
  const tokens = tokensOf(subject, 'subject');
  for (const t of tokens) {
    if (t.includes('*') || t.includes('>')) {
      throw new CellularError('INVALID_SUBJECT', `subject "${subject}" contains a wildcard; "*" and ">" are valid in subscriptions only`, {
        data: { subject },
      });
    }
  }
}

/**
 * Check a subscription pattern: `*` must be a whole token, `>` a whole token in last position.
 * @throws CellularError INVALID_SUBJECT
 */
export function assertPattern(pattern: string): void {
  const tokens = tokensOf(pattern, 'pattern');
  tokens.forEach((t, i) => {
    if (t === '*' || (t === '>' && i === tokens.length - 1)) return;
    if (t === '>') {
      throw new CellularError('INVALID_SUBJECT', `pattern "${pattern}": ">" may only be the last token`, { data: { pattern } });
    }
    if (t.includes('*') || t.includes('>')) {
      throw new CellularError('INVALID_SUBJECT', `pattern "${pattern}": a wildcard must be a whole token, got "${t}"`, {
        data: { pattern, token: t },
      });
    }
  });
}

/** True when `subject` is a valid concrete subject. */
export function isValidSubject(subject: string): boolean {
  try {
    assertSubject(subject);
    return true;
  } catch {
    return false;
  }
}

/** True when `pattern` contains a `*` or `>` token. */
export function isWildcardPattern(pattern: string): boolean {
  return pattern.split('.').some((t) => t === '*' || t === '>');
}

/**
 * True when the concrete `subject` matches `pattern` under NATS semantics. Linear in the number of
 * tokens; transports with many subscriptions should index patterns in a trie instead of calling this
 * per subscription.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const tok = p[i];
    if (tok === '>') return s.length > i;
    if (i >= s.length) return false;
    if (tok !== '*' && tok !== s[i]) return false;
  }
  return p.length === s.length;
}
