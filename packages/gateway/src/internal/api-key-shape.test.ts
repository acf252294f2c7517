import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeyShape } from './api-key-shape.js';

const KEY_RE = /^ck_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/u;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const good = `ck_${'aZ09'.repeat(4)}_${'Ab9_-'.repeat(8)}xyz`;

describe('isKeyShape', () => {
  it('accepts exactly what the key regex accepts', () => {
    expect(KEY_RE.test(good)).toBe(true);
    expect(isKeyShape(good)).toBe(true);
    // Every single-character change of a good key, with characters from inside and outside each class.
    const probes = [...Array.from(`${ALNUM}_-`), '', ' ', '.', '/', '+', '=', '\n', '\u0000', 'é', '\u{1F600}', 'ck', '__'];
    let refused = 0;
    for (let i = 0; i <= good.length; i++) {
      for (const p of probes) {
        for (const s of [good.slice(0, i) + p + good.slice(i + 1), good.slice(0, i) + p + good.slice(i)]) {
          expect(isKeyShape(s), JSON.stringify(s)).toBe(KEY_RE.test(s));
          if (!KEY_RE.test(s)) refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(1000);
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: fc.constantFrom(...Array.from(`${ALNUM}_-ck`), 'é', '\n', ' ') }), fc.string({ maxLength: 70 }), (a, b) => {
        for (const s of [a, `ck_${a}`, `ck_${a.slice(0, 16)}_${a.slice(16)}`, b]) expect(isKeyShape(s)).toBe(KEY_RE.test(s));
      }),
      { numRuns: 2000 },
    );
  });
});
