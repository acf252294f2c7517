/**
 * Semver bump levels and their order. Kept tiny and separate because the diff, the changeset check
 * and the contract check all compare bumps.
 */

/** A semver bump, or none when nothing public changed. */
export type Bump = 'major' | 'minor' | 'patch' | 'none';

const ORDER: Readonly<Record<Bump, number>> = { none: 0, patch: 1, minor: 2, major: 3 };

/** The larger of two bumps. */
export function maxBump(a: Bump, b: Bump): Bump {
  return ORDER[a] >= ORDER[b] ? a : b;
}

/** True when `declared` covers what `required` asks for. */
export function bumpCovers(declared: Bump, required: Bump): boolean {
  return ORDER[declared] >= ORDER[required];
}

/** True when `value` is a bump name. */
export function isBump(value: unknown): value is Bump {
  return value === 'major' || value === 'minor' || value === 'patch' || value === 'none';
}
