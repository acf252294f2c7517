import { describe, expect, it } from 'vitest';
import { createRbac, isFixedRbac } from './rbac.js';

describe('createRbac', () => {
  it('grants only what roles list, with prefix wildcards, and ignores prototype names', () => {
    const r = createRbac({ roles: { reader: ['orders:read'], admin: ['orders:*'] } });
    expect(r.capabilitiesOf(['reader', 'unknown', 'constructor', '__proto__', 'toString'])).toEqual(['orders:read']);
    expect(r.allows(['orders:read'], ['orders:read'])).toBe(true);
    expect(r.allows(['orders:read'], ['orders:write'])).toBe(false);
    expect(r.allows(['orders:*'], ['orders:write', 'orders:read'])).toBe(true);
    expect(r.allows(['orders:*'], ['ordersx:read'])).toBe(false);
    expect(r.allows([], [])).toBe(true);
    expect(() => createRbac({ roles: { bad: ['a,b'] } })).toThrow(/invalid capability/u);
  });
});

describe('createRbac memo', () => {
  it('answers a repeated role list from the memo without mixing up lists that join alike', () => {
    const r = createRbac({ roles: { a: ['x:read'], b: ['y:read'], 'a,b': ['z:read'], 'a\u0000b': ['w:read'] } });
    const first = r.capabilitiesOf(['a', 'b']);
    expect(r.capabilitiesOf(['a', 'b'])).toBe(first);
    expect(first).toEqual(['x:read', 'y:read']);
    expect(r.capabilitiesOf(['a,b'])).toEqual(['z:read']);
    expect(r.capabilitiesOf(['a\u0000b'])).toEqual(['w:read']);
    expect(Object.isFrozen(first)).toBe(true);
    expect(isFixedRbac(r)).toBe(true);
    expect(isFixedRbac({ capabilitiesOf: () => [], allows: () => false })).toBe(false);
  });

  it('stays bounded and correct past the memo limit', () => {
    const r = createRbac({ roles: { a: ['x:read'] } });
    for (let i = 0; i < 3000; i++) expect(r.capabilitiesOf([`r${i}`, 'a'])).toEqual(['x:read']);
    expect(r.capabilitiesOf(['nope'])).toEqual([]);
  });
});
