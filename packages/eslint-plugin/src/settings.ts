/**
 * The plugin's shared settings (`settings.cellular` in a flat config). Cells are found from their
 * `defineCell` / `definePeriphery` calls; these settings only say where to look, which files are
 * contracts and composition roots, and (optionally) pin a cell's territory when its folder alone
 * cannot say (several cells in one folder, a cell spread over folders).
 */

/** A cell's territory pinned in settings: globs, or globs plus the cell's kind. */
export type CellTerritorySetting =
  | string
  | readonly string[]
  | { readonly files: string | readonly string[]; readonly kind?: 'cell' | 'periphery' };

/** `settings.cellular`. Every path and glob is relative to `rootDir`, with `/` separators. */
export interface CellularSettings {
  /** The application's root: discovery scans it and globs are relative to it. Defaults to ESLint's cwd. */
  readonly rootDir?: string;
  /**
   * Territories by cell name, e.g. `{ library: 'src/cells/library/**' }`. They replace the default
   * territory of a discovered cell (the folder of the file calling `defineCell`) and declare cells
   * that discovery cannot see. Defaults to `{}`.
   */
  readonly cells?: Readonly<Record<string, CellTerritorySetting>>;
  /**
   * Files every cell may import: contracts. Defaults to
   * `['**\/contracts/**', '**\/contracts.ts', '**\/*.contract.ts', '**\/*.contracts.ts']`. Files that
   * call `defineContract` and no `defineCell` are contracts too, wherever they are.
   */
  readonly contracts?: readonly string[];
  /** Files allowed to import cell definitions and wire cells together. Defaults to `['src/main.ts', 'src/composition.ts']`. */
  readonly compositionRoots?: readonly string[];
  /** Non-cell files any cell may import (shared utilities you accept as a kernel). Defaults to `[]`. */
  readonly shared?: readonly string[];
  /**
   * Files discovery skips when looking for `defineCell` calls. Defaults to test files:
   * `['**\/*.test.*', '**\/*.spec.*', '**\/*.test-d.ts', '**\/__tests__/**']`.
   */
  readonly ignore?: readonly string[];
}

/** Default for {@link CellularSettings.contracts}. */
export const DEFAULT_CONTRACTS: readonly string[] = ['**/contracts/**', '**/contracts.ts', '**/*.contract.ts', '**/*.contracts.ts'];
/** Default for {@link CellularSettings.compositionRoots}. */
export const DEFAULT_COMPOSITION_ROOTS: readonly string[] = ['src/main.ts', 'src/composition.ts'];
/** Default for {@link CellularSettings.ignore}. */
export const DEFAULT_IGNORE: readonly string[] = ['**/*.test.*', '**/*.spec.*', '**/*.test-d.ts', '**/__tests__/**'];
