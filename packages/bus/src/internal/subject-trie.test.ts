import { subjectMatches } from '@cellular/core';
import { describe, expect, it } from 'vitest';
import { SubjectTrie } from './subject-trie.js';

interface Entry {
  readonly id: string;
  readonly queue: string | undefined;
  readonly order: number;
}

let order = 0;
const e = (id: string, queue?: string): Entry => ({ id, queue, order: order++ });
const ids = (t: SubjectTrie<Entry>, subject: string): string[] => {
  const m = t.match(subject);
  return [...m.plain.map((x) => x.id), ...m.groups.flatMap((g) => g.members.map((x) => x.id))].sort();
};

describe('SubjectTrie', () => {
  it('matches literal, * and > patterns with NATS semantics', () => {
    const t = new SubjectTrie<Entry>();
    t.insert('a.b.c', e('lit'));
    t.insert('a.*.c', e('star'));
    t.insert('a.>', e('gt'));
    t.insert('>', e('all'));
    t.insert('*.b', e('starb'));
    expect(ids(t, 'a.b.c')).toEqual(['all', 'gt', 'lit', 'star']);
    expect(ids(t, 'a.b')).toEqual(['all', 'gt', 'starb']);
    expect(ids(t, 'a')).toEqual(['all']); // `a.>` needs at least one more token
    expect(ids(t, 'x.y.z.w')).toEqual(['all']);
    expect(ids(t, 'a.x.c.d')).toEqual(['all', 'gt']);
  });

  it('agrees with core subjectMatches on a grid of patterns and subjects', () => {
    const patterns = ['a', 'a.b', 'a.*', '*.b', '*', '>', 'a.>', '*.>', 'a.*.c', 'a.b.>', '*.*.*'];
    const subjects = ['a', 'b', 'a.b', 'a.c', 'b.b', 'a.b.c', 'a.x.c', 'a.b.c.d'];
    const t = new SubjectTrie<Entry>();
    for (const p of patterns) t.insert(p, e(p));
    for (const s of subjects) {
      expect(ids(t, s), s).toEqual(patterns.filter((p) => subjectMatches(p, s)).sort());
    }
  });

  it('groups queue members by name across patterns and invalidates the cache on change', () => {
    const t = new SubjectTrie<Entry>();
    t.insert('q.x', e('1', 'workers'));
    t.insert('q.*', e('2', 'workers'));
    t.insert('q.x', e('3', 'other'));
    const m = t.match('q.x');
    expect(m.plain).toHaveLength(0);
    expect(m.groups.map((g) => [g.name, g.members.length])).toEqual([
      ['workers', 2],
      ['other', 1],
    ]);
    const extra = e('4');
    t.insert('q.x', extra);
    expect(t.match('q.x').plain).toEqual([extra]);
    expect(t.remove('q.x', extra)).toBe(true);
    expect(t.remove('q.x', extra)).toBe(false);
    expect(t.match('q.x').plain).toHaveLength(0);
  });

  it('prunes empty nodes so subscribe/unsubscribe churn does not leak', () => {
    const t = new SubjectTrie<Entry>();
    const entries = Array.from({ length: 100 }, (_, i) => e(String(i)));
    entries.forEach((x, i) => t.insert(`churn.${String(i)}.*.>`, x));
    expect(t.size).toBe(100);
    entries.forEach((x, i) => expect(t.remove(`churn.${String(i)}.*.>`, x)).toBe(true));
    expect(t.size).toBe(0);
    // The root has no children left.
    expect((t as unknown as { root: { isEmpty(): boolean } }).root.isEmpty()).toBe(true);
  });

  it('bounds the match cache', () => {
    const t = new SubjectTrie<Entry>(8);
    t.insert('>', e('all'));
    for (let i = 0; i < 100; i++) t.match(`s.${String(i)}`);
    expect((t as unknown as { cache: Map<string, unknown> }).cache.size).toBeLessThanOrEqual(8);
  });
});
