// One place for the settings every package's vitest project shares. Workspace packages are read from
// source through the `@cellular/source` export condition, so tests never need a build first.
import { fileURLToPath } from 'node:url';
import { basename, dirname } from 'node:path';
import { readFileSync } from 'node:fs';

export const SOURCE_CONDITION = '@cellular/source';

/**
 * A vitest project config for the package whose vitest.config.ts calls it.
 * @param {string} configUrl import.meta.url of the calling vitest.config.ts
 * @param {{ test?: Record<string, unknown> }} [overrides]
 */
export function cellularProject(configUrl, overrides = {}) {
  const dir = dirname(fileURLToPath(configUrl));
  let name = basename(dir);
  try {
    name = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).name ?? name;
  } catch {
    // fall back to the folder name
  }
  const conditions = [SOURCE_CONDITION, 'module', 'node', 'import', 'default'];
  return {
    resolve: { conditions },
    environments: { ssr: { resolve: { conditions, externalConditions: [SOURCE_CONDITION] } } },
    test: {
      name,
      root: dir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'], tsconfig: `${dir}/tsconfig.json` },
      testTimeout: 20_000,
      hookTimeout: 30_000,
      restoreMocks: true,
      execArgv: [`--conditions=${SOURCE_CONDITION}`],
      ...(overrides.test ?? {}),
    },
  };
}
