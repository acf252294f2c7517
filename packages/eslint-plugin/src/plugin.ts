/**
 * The plugin object and its flat configs. Named exports only (the project's rule): use
 * `plugin` in `plugins` and spread `configs.recommended` into a flat config.
 */
import { readFileSync } from 'node:fs';
import type { TSESLint } from '@typescript-eslint/utils';
import { cellBoundaries } from './rules/cell-boundaries.js';
import { compositionRootOnly } from './rules/composition-root-only.js';
import { peripheryBoundaries } from './rules/periphery-boundaries.js';

/** Every rule, by name without the plugin prefix. */
export const rules = {
  'cell-boundaries': cellBoundaries,
  'periphery-boundaries': peripheryBoundaries,
  'composition-root-only': compositionRootOnly,
};

// src/ and dist/ both sit one level below package.json.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** The ESLint plugin (`meta`, `rules`, `configs`). Register it as `@cellular`. */
export const plugin = {
  meta: { name: '@cellular/eslint-plugin', version },
  rules,
  configs: {} as { recommended: TSESLint.FlatConfig.Config },
} satisfies TSESLint.FlatConfig.Plugin;

/**
 * Flat configs. `recommended` registers the plugin as `@cellular` and turns every rule on as an
 * error; add `settings.cellular` (see {@link CellularSettings}) next to it when the defaults do not fit.
 */
export const configs: { readonly recommended: TSESLint.FlatConfig.Config } = {
  recommended: {
    name: '@cellular/recommended',
    plugins: { '@cellular': plugin },
    rules: {
      '@cellular/cell-boundaries': 'error',
      '@cellular/periphery-boundaries': 'error',
      '@cellular/composition-root-only': 'error',
    },
  },
};
plugin.configs.recommended = configs.recommended;
