/**
 * Resolves a relative import to the file it names, the way TypeScript's NodeNext and bundler modes
 * do: `./x.js` may be `./x.ts`, `./dir` may be `./dir/index.ts`. Bare specifiers (`zod`,
 * `@cellular/core`) are packages and never cross a cell boundary, so they resolve to undefined.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const JS_TO_TS: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The absolute file an import names, or undefined for a package import. When no file exists, the
 * best guess (the path itself) is returned so that territory globs still apply.
 */
export function resolveImport(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.') && !isAbsolute(specifier)) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  if (isFile(base)) return base;
  const ext = /\.[cm]?jsx?$/u.exec(base)?.[0];
  if (ext !== undefined) {
    const stem = base.slice(0, -ext.length);
    for (const alt of JS_TO_TS[ext] ?? []) if (isFile(stem + alt)) return stem + alt;
  }
  for (const e of EXTENSIONS) if (isFile(base + e)) return base + e;
  for (const e of EXTENSIONS) if (isFile(join(base, `index${e}`))) return join(base, `index${e}`);
  return base;
}
