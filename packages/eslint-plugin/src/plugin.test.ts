import { relative } from 'node:path';
import parser from '@typescript-eslint/parser';
import { ESLint } from 'eslint';
import type { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { appRoot, settings } from '../test/rule-tester.js';
import { configs, plugin } from './plugin.js';

describe('configs.recommended', () => {
  it('registers the plugin as @cellular with every rule as an error', () => {
    expect(configs.recommended.plugins).toEqual({ '@cellular': plugin });
    expect(configs.recommended.rules).toEqual({
      '@cellular/cell-boundaries': 'error',
      '@cellular/periphery-boundaries': 'error',
      '@cellular/composition-root-only': 'error',
    });
    expect(plugin.configs.recommended).toBe(configs.recommended);
    expect(plugin.meta.version).toMatch(/^\d+\.\d+\.\d+/u);
    expect(Object.keys(plugin.rules).sort()).toEqual(['cell-boundaries', 'composition-root-only', 'periphery-boundaries']);
  });

  it('lints a whole application with ESLint and reports each crossing once', async () => {
    const eslint = new ESLint({
      cwd: appRoot,
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser } },
        // typescript-eslint's FlatConfig type and eslint's Linter.Config differ only in optional-property typing
        configs.recommended as unknown as Linter.Config,
        { settings },
      ],
    });
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const found = results
      .flatMap((r) => r.messages.map((m) => `${relative(appRoot, r.filePath)}:${m.line} ${m.ruleId ?? 'fatal'}`))
      .sort();
    expect(found).toEqual([
      'src/cells/catalog/catalog.spec.ts:3 @cellular/cell-boundaries',
      'src/cells/loans/steals-repository.ts:1 @cellular/cell-boundaries',
      'src/cells/loans/uses-helper.ts:1 @cellular/cell-boundaries',
      'src/cells/loans/uses-helper.ts:2 @cellular/cell-boundaries',
      'src/cells/pair/first.ts:2 @cellular/cell-boundaries',
      'src/composition.ts:1 @cellular/composition-root-only',
      'src/gateway/routes.ts:1 @cellular/composition-root-only',
      'src/peripheries/isbn/reads-catalog.ts:1 @cellular/periphery-boundaries',
      'src/peripheries/isbn/reads-catalog.ts:2 @cellular/periphery-boundaries',
    ]);
    const message = results.flatMap((r) => r.messages).find((m) => m.ruleId === '@cellular/cell-boundaries')?.message;
    expect(message).toMatch(/^Cell boundary crossed: cell "[a-z-]+" imports .* declared in a contract \(\*\*\/contracts\/\*\*, /u);
  });
});
