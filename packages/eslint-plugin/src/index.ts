/**
 * `@cellular/eslint-plugin`: architecture rules for Cellular applications. Cells are found from their
 * `defineCell` / `definePeriphery` calls; the rules keep cells apart (`cell-boundaries`), keep
 * peripheries out of the core (`periphery-boundaries`) and leave wiring to the composition root
 * (`composition-root-only`).
 * @packageDocumentation
 */
export { configs, plugin, rules } from './plugin.js';
export { cellBoundaries } from './rules/cell-boundaries.js';
export type { CellBoundariesMessageId } from './rules/cell-boundaries.js';
export { peripheryBoundaries } from './rules/periphery-boundaries.js';
export type { PeripheryBoundariesMessageId } from './rules/periphery-boundaries.js';
export { compositionRootOnly } from './rules/composition-root-only.js';
export type { CompositionRootOnlyMessageId } from './rules/composition-root-only.js';
export { DEFAULT_COMPOSITION_ROOTS, DEFAULT_CONTRACTS, DEFAULT_IGNORE } from './settings.js';
export type { CellTerritorySetting, CellularSettings } from './settings.js';
