import { subjectMatches } from '@cellular/core';
import { describe, expect, it } from 'vitest';
import { escapeGlob, subjectOfChannel, toRedisSubscription } from './subject-glob.js';

/**
 * A faithful model of Redis's stringmatchlen (the glob PSUBSCRIBE uses) for `*`, `?`, `[...]` and
 * `\` escapes, so we can check that the translated glob is a superset of the NATS pattern and that
 * literal characters stay literal.
 */
function redisGlobMatch(glob: string, text: string): boolean {
  const m = (gi: number, ti: number): boolean => {
    while (gi < glob.length) {
      const c = glob[gi]!;
      if (c === '*') {
        for (let k = ti; k <= text.length; k++) if (m(gi + 1, k)) return true;
        return false;
      }
      if (ti >= text.length) return false;
      if (c === '?') {
        gi++;
        ti++;
        continue;
      }
      if (c === '[') {
        const end = glob.indexOf(']', gi + 1);
        const set = glob.slice(gi + 1, end);
        if (!set.includes(text[ti]!)) return false;
        gi = end + 1;
        ti++;
        continue;
      }
      if (c === '\\') {
        if (glob[gi + 1] !== text[ti]) return false;
        gi += 2;
        ti++;
        continue;
      }
      if (c !== text[ti]) return false;
      gi++;
      ti++;
    }
    return ti === text.length;
  };
  return m(0, 0);
}

describe('escapeGlob', () => {
  it('escapes every Redis glob metacharacter', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
    expect(escapeGlob('plain.subject-1_x')).toBe('plain.subject-1_x');
  });
});

describe('toRedisSubscription', () => {
  it('uses a plain channel for patterns without wildcards (no escaping needed)', () => {
    expect(toRedisSubscription('p:', 'orders.created')).toEqual({ kind: 'channel', key: 'p:orders.created' });
    expect(toRedisSubscription('p:', 'a?b.[x]')).toEqual({ kind: 'channel', key: 'p:a?b.[x]' });
  });

  it('turns * and > tokens into a glob * and escapes literal tokens and the prefix', () => {
    expect(toRedisSubscription('p:', 'orders.*')).toEqual({ kind: 'pattern', key: 'p:orders.*' });
    expect(toRedisSubscription('p:', 'a?.*.[b]')).toEqual({ kind: 'pattern', key: 'p:a\\?.*.\\[b\\]' });
    expect(toRedisSubscription('t[1]*:', 'x.>')).toEqual({ kind: 'pattern', key: 't\\[1\\]\\*:x.*' });
  });

  const cases: [pattern: string, subject: string][] = [
    ['a.*', 'a.b'],
    ['a.*', 'a.b.c'],
    ['a.*', 'a'],
    ['a.>', 'a'],
    ['a.>', 'a.b'],
    ['a.>', 'a.b.c.d'],
    ['*.b', 'a.b'],
    ['*.b', 'x.a.b'],
    ['a.*.c', 'a.b.c'],
    ['a.*.c', 'a.b.x.c'],
    ['>', 'a'],
    ['>', 'a.b.c'],
    ['a?.*', 'a?.x'],
    ['a?.*', 'ab.x'],
    ['[ab].*', 'a.x'],
    ['[ab].*', '[ab].x'],
    ['x\\y.>', 'x\\y.z'],
    ['x\\y.>', 'xy.z'],
    ['*.*', 'a.b'],
    ['*.*', 'a.b.c'],
  ];

  it.each(cases)('glob for %s is a superset of the NATS match, and the filter restores it exactly (%s)', (pattern, subject) => {
    const { kind, key } = toRedisSubscription('pre:', pattern);
    const channel = `pre:${subject}`;
    const redisDelivers = kind === 'channel' ? key === channel : redisGlobMatch(key, channel);
    const nats = subjectMatches(pattern, subject);
    if (nats) expect(redisDelivers).toBe(true); // never lose a message NATS would deliver
    // What the transport hands to the subscriber: Redis delivery AND the exact filter.
    expect(redisDelivers && subjectMatches(pattern, subjectOfChannel('pre:', channel)!)).toBe(nats);
  });

  it('literal glob characters in a pattern never act as wildcards on Redis', () => {
    const { key } = toRedisSubscription('pre:', 'a?.>');
    expect(redisGlobMatch(key, 'pre:ab.c')).toBe(false);
    expect(redisGlobMatch(key, 'pre:a?.c')).toBe(true);
    const k2 = toRedisSubscription('pre:', '[ab].>').key;
    expect(redisGlobMatch(k2, 'pre:a.c')).toBe(false);
  });

  it('subjectOfChannel strips the prefix or refuses foreign channels', () => {
    expect(subjectOfChannel('p:', 'p:a.b')).toBe('a.b');
    expect(subjectOfChannel('p:', 'q:a.b')).toBeUndefined();
  });
});
