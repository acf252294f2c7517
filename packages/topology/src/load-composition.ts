/**
 * Loads a composition by importing the module that exports it. Importing is enough because
 * `defineCell` and `defineComposition` only build plain data: nothing connects or starts until a host
 * runs the composition. Keep the composition in a module that does not start the app on import (a
 * `composition.ts` that `main.ts` imports) so tools can read it.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CellularError } from '@cellular/core';
import type { Composition } from '@cellular/core';
import { isComposition } from './internal/is-composition.js';

/** Options for {@link loadComposition}. */
export interface LoadCompositionOptions {
  /**
   * Name of the export holding the composition, or a function returning it (called with no
   * arguments, possibly async). Defaults to `composition`, then `default`, then the only export that
   * is a composition.
   */
  readonly exportName?: string;
  /** Directory a relative module path is resolved against. Defaults to `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Import `modulePath` and return the composition it exports.
 * @throws CellularError INVALID_CONFIG when the module cannot be imported or exports no (or several) compositions
 */
export async function loadComposition(modulePath: string, options: LoadCompositionOptions = {}): Promise<Composition> {
  const file = isAbsolute(modulePath) ? modulePath : resolve(options.cwd ?? process.cwd(), modulePath);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new CellularError('INVALID_CONFIG', `Cannot import ${modulePath}: ${(e as Error).message}`, { data: { module: file }, cause: e });
  }
  const names = Object.keys(mod).sort();
  if (options.exportName !== undefined) {
    let value = mod[options.exportName];
    // A factory export (`export const composition = () => defineComposition(...)`) is called with no
    // arguments: it must build data only, never start anything.
    if (typeof value === 'function') value = await (value as () => unknown)();
    if (!isComposition(value)) {
      throw new CellularError(
        'INVALID_CONFIG',
        `${modulePath} has no composition exported as "${options.exportName}" (exports: ${names.join(', ') || 'none'})`,
        { data: { module: file, export: options.exportName } },
      );
    }
    return value;
  }
  for (const preferred of ['composition', 'default']) {
    const value = mod[preferred];
    if (isComposition(value)) return value;
  }
  const found = names.filter((n) => isComposition(mod[n]));
  if (found.length === 1) return mod[found[0]!] as Composition;
  const hint =
    found.length === 0
      ? `exports no composition (exports: ${names.join(', ') || 'none'}); export what defineComposition returns`
      : `exports several compositions (${found.join(', ')}); pick one with --export`;
  throw new CellularError('INVALID_CONFIG', `${modulePath} ${hint}`, { data: { module: file, compositions: found } });
}
