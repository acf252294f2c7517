// Shared RuleTester setup: vitest drives it, and every case lints a real file of the fixture app so
// that discovery (defineCell calls) and import resolution run against files on disk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleTester } from '@typescript-eslint/rule-tester';
import type { RunTests } from '@typescript-eslint/rule-tester';
import type { TSESLint } from '@typescript-eslint/utils';
import { afterAll, describe, it } from 'vitest';
import type { CellularSettings } from '../src/settings.js';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

/** Root of the fixture application. */
export const appRoot = fileURLToPath(new URL('./fixtures/app/', import.meta.url));

/** The settings the fixture app is linted with. */
export const settings: { cellular: CellularSettings } = {
  cellular: { rootDir: appRoot, shared: ['src/lib/shared-clock.ts'] },
};

/**
 * Run a rule's cases with the fixture app's settings. The cast bridges a version skew only:
 * @typescript-eslint/rule-tester's latest release (8.72) is typed against utils 8.72 while the plugin
 * builds on utils 8.73; the runtime shapes are identical.
 */
export function runRule<M extends string>(name: string, rule: TSESLint.RuleModule<M>, tests: RunTests<M, []>): void {
  const tester = new RuleTester({ settings });
  tester.run(name, rule as unknown as Parameters<typeof tester.run<M, []>>[1], tests);
}

/** `{ filename, code }` for a fixture file (path relative to the app root); `code` defaults to the file's text. */
export function fixture(path: string, code?: string): { name: string; filename: string; code: string } {
  const filename = join(appRoot, path);
  return { name: code === undefined ? path : `${path} (inline)`, filename, code: code ?? readFileSync(filename, 'utf8') };
}
