import { describe, expect, it } from 'vitest';
import { findUnknownKeys } from './unknown-keys.js';

describe('findUnknownKeys', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'string' },
      o: { type: 'object', properties: { x: { type: 'number' } } },
      arr: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
      rec: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'number' } },
      u: { anyOf: [{ type: 'object', properties: { p: {} } }, { type: 'object', properties: { q: {} } }] },
    },
  };
  it('names undeclared properties at any depth and allows records and union members', () => {
    expect(findUnknownKeys({ a: 'x', o: { x: 1 }, arr: [{ k: 'a' }], rec: { any: 1 }, u: { q: 1 } }, schema)).toEqual([]);
    expect(findUnknownKeys({ a: 'x', z: 1 }, schema)).toEqual(['z']);
    expect(findUnknownKeys({ o: { x: 1, y: 2 } }, schema)).toEqual(['o.y']);
    expect(findUnknownKeys({ arr: [{ k: 'a' }, { k: 'b', evil: 1 }] }, schema)).toEqual(['arr.1.evil']);
    expect(findUnknownKeys({ u: { r: 1 } }, schema)).toEqual(['u.r']);
  });
});
