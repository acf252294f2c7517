import { describe, expect, it } from 'vitest';
import { toFtsQuery } from './search-cell.js';

describe('toFtsQuery', () => {
  it('quotes every term and makes the last one a prefix', () => {
    expect(toFtsQuery('cellular gate')).toBe('"cellular" "gate"*');
  });
  it('cannot inject FTS5 operators or column filters', () => {
    expect(toFtsQuery('title:secret OR NEAR(a b) "x" -y *')).toBe('"title" "secret" "OR" "NEAR" "a" "b" "x" "y"*');
    expect(toFtsQuery('"; DROP TABLE docs; --')).toBe('"DROP" "TABLE" "docs"*');
  });
  it('returns undefined for queries with no words', () => {
    expect(toFtsQuery('*** ---')).toBeUndefined();
  });
});
