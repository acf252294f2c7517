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

/** How bumps are counted before 1.0: see {@link requiredBump}. */
export type VersionConvention = 'semver' | 'zero-shifted';

/**
 * The bump a release must declare for a change that needs `semverBump` under plain semver, given the
 * package's current `version`.
 *
 * From 1.0.0 on this is `semverBump` itself. Below 1.0 genops follows the convention of npm's caret
 * ranges and of cargo (`zero-shifted`): the minor digit is the breaking boundary (`^0.3.0` accepts
 * 0.3.x only), so a breaking change needs a minor bump and an addition a patch bump; a major bump is
 * never required before 1.0, because declaring one releases 1.0.0, a decision made on purpose and not
 * forced by a diff. `strictZero: true` (or `"strictZero": true` in `genops.config.json`, or
 * `--strict-zero`) applies plain semver below 1.0 as well.
 *
 * @example
 * ```ts
 * requiredBump('major', '0.4.2'); // { bump: 'minor', convention: 'zero-shifted' }
 * requiredBump('major', '0.4.2', { strictZero: true }); // { bump: 'major', convention: 'semver' }
 * requiredBump('minor', '1.2.0'); // { bump: 'minor', convention: 'semver' }
 * ```
 */
export function requiredBump(
  semverBump: Bump,
  version: string,
  options: { readonly strictZero?: boolean } = {},
): { readonly bump: Bump; readonly convention: VersionConvention } {
  if (options.strictZero === true || !/^0\./u.test(version.trim())) return { bump: semverBump, convention: 'semver' };
  return { bump: ZERO_SHIFT[semverBump], convention: 'zero-shifted' };
}

const ZERO_SHIFT: Readonly<Record<Bump, Bump>> = { major: 'minor', minor: 'patch', patch: 'patch', none: 'none' };
