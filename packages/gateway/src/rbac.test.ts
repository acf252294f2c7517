import { describe, expect, it } from 'vitest';
import { createRbac } from './rbac.js';

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
