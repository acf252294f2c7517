#!/usr/bin/env node
// Creates the boilerplate of a package (package.json, tsconfigs, eslint and vitest configs) so every
// package is laid out the same way. Usage: node scripts/scaffold-package.mjs <name> "<description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = ''] = process.argv.slice(2);
if (!name) {
  console.error('usage: scaffold-package.mjs <name> "<description>"');
  process.exit(2);
}
const dir = join(import.meta.dirname, '..', 'packages', name);
mkdirSync(join(dir, 'src'), { recursive: true });
const write = (file, content) => {
  const path = join(dir, file);
  if (!existsSync(path)) writeFileSync(path, content);
};
write(
  'package.json',
  JSON.stringify(
    {
      name: `@cellular/${name}`,
      version: '0.0.0',
      description,
      license: 'MIT',
      type: 'module',
      sideEffects: false,
      engines: { node: '>=20.19' },
      exports: {
        '.': { '@cellular/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
        './internal/*': null,
        './package.json': './package.json',
      },
      main: './dist/index.js',
      types: './dist/index.d.ts',
      files: ['dist', 'src', '!src/**/*.test.ts', '!src/**/*.test-d.ts'],
      repository: { type: 'git', url: 'git+https://example.invalid/cellular.git', directory: `packages/${name}` },
      publishConfig: { access: 'public' },
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        typecheck: 'tsc -p tsconfig.json',
        lint: 'eslint .',
        test: 'vitest run',
      },
      dependencies: { '@cellular/core': 'workspace:^' },
      devDependencies: {
        '@cellular/eslint-config': 'workspace:*',
        '@cellular/tsconfig': 'workspace:*',
        '@cellular/vitest-config': 'workspace:*',
      },
    },
    null,
    2,
  ) + '\n',
);
write(
  'tsconfig.json',
  JSON.stringify({ extends: '../../tooling/tsconfig/base.json', include: ['src', 'test', 'bench', '*.ts'] }, null, 2) + '\n',
);
write('tsconfig.build.json', JSON.stringify({ extends: '../../tooling/tsconfig/build.json' }, null, 2) + '\n');
write(
  'eslint.config.js',
  "import { cellularConfig } from '@cellular/eslint-config';\n\nexport default cellularConfig({ tsconfigRootDir: import.meta.dirname });\n",
);
write(
  'vitest.config.ts',
  "import { cellularProject } from '@cellular/vitest-config';\nimport { defineProject } from 'vitest/config';\n\nexport default defineProject(cellularProject(import.meta.url));\n",
);
console.log(`scaffolded packages/${name}`);
