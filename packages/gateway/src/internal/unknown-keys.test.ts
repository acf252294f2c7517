import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findUnknownKeys, unknownKeyChecker } from './unknown-keys.js';

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

  it('the prepared checker answers exactly like findUnknownKeys', () => {
    const check = unknownKeyChecker(schema);
    const open = unknownKeyChecker({ type: 'object', additionalProperties: true });
    const key = fc.constantFrom('a', 'o', 'arr', 'rec', 'u', 'x', 'z', 'k', '__proto__');
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
      object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(json.value, (v) => {
        expect(check(v)).toEqual(findUnknownKeys(v, schema));
        expect(open(v)).toEqual(findUnknownKeys(v, { type: 'object', additionalProperties: true }));
      }),
      { numRuns: 2000 },
    );
    expect(check({ a: 'x', rec: 1 })).toEqual([]);
    expect(check({ a: 'x', z: 1 })).toEqual(['z']);
  });
});
