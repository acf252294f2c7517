import { defineConfig } from 'vitest/config';

// Every folder in packages/* and apps/* with a vitest.config.ts is a project: `pnpm test` runs all of
// them, `pnpm --filter @cellular/<name> test` runs one. The JSON report gives .ci/run its totals.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    passWithNoTests: false,
  },
});
