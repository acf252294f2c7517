import { describe, expect, it } from 'vitest';
import { bumpCovers, requiredBump } from './bump.js';

describe('requiredBump: the 0.x convention', () => {
  it.each([
    ['major', '0.4.2', 'minor'],
    ['minor', '0.4.2', 'patch'],
    ['patch', '0.4.2', 'patch'],
    ['none', '0.4.2', 'none'],
    ['major', '0.0.3', 'minor'],
    ['minor', '0.0.0', 'patch'],
  ] as const)('%s under semver at %s requires %s', (semver, version, want) => {
    expect(requiredBump(semver, version)).toEqual({ bump: want, convention: 'zero-shifted' });
  });

  it('never requires a major bump below 1.0 (that would release 1.0.0)', () => {
    for (const v of ['0.0.0', '0.1.0', '0.99.12']) expect(requiredBump('major', v).bump).not.toBe('major');
  });

  it('is plain semver from 1.0.0 on, pre-releases of 1.0 included', () => {
    for (const v of ['1.0.0', '1.0.0-rc.1', '2.3.4', '10.0.0']) {
      expect(requiredBump('major', v)).toEqual({ bump: 'major', convention: 'semver' });
      expect(requiredBump('minor', v)).toEqual({ bump: 'minor', convention: 'semver' });
    }
  });

  it('is plain semver below 1.0 with strictZero', () => {
    expect(requiredBump('major', '0.4.2', { strictZero: true })).toEqual({ bump: 'major', convention: 'semver' });
    expect(requiredBump('minor', '0.4.2', { strictZero: true })).toEqual({ bump: 'minor', convention: 'semver' });
  });

  it('a minor changeset covers a breaking change at 0.x but not at 1.x', () => {
    expect(bumpCovers('minor', requiredBump('major', '0.4.2').bump)).toBe(true);
    expect(bumpCovers('minor', requiredBump('major', '1.4.2').bump)).toBe(false);
  });
});
