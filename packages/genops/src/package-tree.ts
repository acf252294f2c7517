/**
 * Loads the public API of a package as an {@link ApiTree}: from its source directory, from a git ref,
 * or as declaration files emitted in memory. Baselines store emitted declarations, and checks diff
 * declarations against declarations, so both sides are normalised the same way (inferred types made
 * explicit, bodies dropped) and only the public surface is compared.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { CellularError } from '@cellular/core';
import { analysisCompilerOptions, cachedSourceFile, memoized, useSharedResolution } from './internal/virtual-program.js';
import type { ApiTree } from './internal/virtual-program.js';

const isTestFile = (f: string): boolean => /\.test(-d)?\.ts$/u.test(f) || /\.bench\.ts$/u.test(f);

function walk(dir: string, base: string, out: Record<string, string>): void {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, ent.name);
    if (ent.isDirectory()) {
      if (ent.name !== 'node_modules' && !ent.name.startsWith('.')) walk(abs, base, out);
    } else if (/\.(ts|tsx|mts)$/u.test(ent.name) && !isTestFile(ent.name)) {
      out[relative(base, abs).split(sep).join('/')] = readFileSync(abs, 'utf8');
    }
  }
}

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly private?: boolean;
  readonly exports?: unknown;
}

/** Read a package.json. */
export function readPackageJson(pkgDir: string): PackageJson {
  const file = join(pkgDir, 'package.json');
  if (!existsSync(file)) throw new CellularError('NOT_FOUND', `No package.json in ${pkgDir}`, { data: { pkgDir } });
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

/**
 * The source entry of a package: the `@cellular/source` condition of `exports['.']` when present,
 * else `src/index.ts`.
 */
export function sourceEntry(pkg: PackageJson): string {
  const exp = pkg.exports;
  const dot = typeof exp === 'object' && exp !== null && '.' in exp ? (exp as Record<string, unknown>)['.'] : exp;
  if (typeof dot === 'object' && dot !== null) {
    const cond = (dot as Record<string, unknown>)['@cellular/source'];
    if (typeof cond === 'string') return cond.replace(/^\.\//u, '');
  }
  if (typeof dot === 'string' && dot.endsWith('.ts')) return dot.replace(/^\.\//u, '');
  return 'src/index.ts';
}

/** The package's source files (tests excluded) and its entry. */
export function loadSourceTree(pkgDir: string): ApiTree {
  const pkg = readPackageJson(pkgDir);
  const files: Record<string, string> = {};
  const src = join(pkgDir, 'src');
  if (existsSync(src)) walk(src, pkgDir, files);
  const entry = sourceEntry(pkg);
  if (!(entry in files)) throw new CellularError('NOT_FOUND', `Entry ${entry} not found in ${pkgDir}`, { data: { entry } });
  return { files, entry };
}

/** The package's source files at a git ref (`HEAD~1`, `origin/main`, a sha). */
export function loadGitTree(pkgDir: string, ref: string): ApiTree {
  const git = (args: string[]): string => execFileSync('git', args, { cwd: pkgDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let prefix: string;
  try {
    prefix = git(['rev-parse', '--show-prefix']).trim();
  } catch (e) {
    throw new CellularError('INVALID_CONFIG', `${pkgDir} is not inside a git work tree`, { cause: e });
  }
  let names: string[];
  try {
    names = git(['ls-tree', '-r', '--name-only', ref, '--', 'src', 'package.json']).split('\n').filter(Boolean);
  } catch (e) {
    throw new CellularError('NOT_FOUND', `git ref ${ref} not found`, { cause: e, data: { ref } });
  }
  const files: Record<string, string> = {};
  let pkg: PackageJson = {};
  for (const name of names) {
    const rel = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    const text = git(['show', `${ref}:${prefix}${rel}`]);
    if (rel === 'package.json') pkg = JSON.parse(text) as PackageJson;
    else if (/\.(ts|tsx|mts)$/u.test(rel) && !isTestFile(rel)) files[rel] = text;
  }
  const entry = sourceEntry(pkg);
  if (!(entry in files)) throw new CellularError('NOT_FOUND', `Entry ${entry} not found at ${ref}`, { data: { ref, entry } });
  return { files, entry };
}

/**
 * Emit declaration files for a source tree in memory. Relative paths are kept under the tree's
 * `src/` root, so `src/index.ts` becomes `index.d.ts`.
 */
export function emitDeclarations(pkgDir: string, tree: ApiTree = loadSourceTree(pkgDir)): ApiTree {
  const root = resolve(pkgDir);
  const options: ts.CompilerOptions = {
    ...analysisCompilerOptions(),
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    stripInternal: true,
    // Declaration emit needs only the types it prints, which the emitter asks for lazily; a full type
    // check of every file first (the default for emit) was most of the time of `api check`.
    noCheck: true,
    rootDir: join(root, 'src'),
    outDir: join(root, '.genops-dts'),
  };
  const abs = (rel: string): string => join(root, rel);
  const byAbs = new Map(Object.entries(tree.files).map(([rel, text]) => [abs(rel), text]));
  const isVirtual = (f: string): boolean => byAbs.has(f);
  const out = memoized(['emitDeclarations', root, options, tree], isVirtual, () => {
    const host = ts.createCompilerHost(options, true);
    useSharedResolution(host, options, isVirtual);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => byAbs.get(f) ?? readFile(f);
    host.fileExists = (f) => byAbs.has(f) || ts.sys.fileExists(f);
    host.getSourceFile = (f, lv, onError, create) => {
      const text = byAbs.get(f);
      return text !== undefined ? ts.createSourceFile(f, text, lv, true) : cachedSourceFile(f, lv, () => getSourceFile(f, lv, onError, create));
    };
    const files: Record<string, string> = {};
    host.writeFile = (fileName, text) => {
      files[relative(options.outDir!, fileName).split(sep).join('/')] = text;
    };
    const program = ts.createProgram({ rootNames: [...byAbs.keys()], options, host });
    const result = program.emit(undefined, undefined, undefined, true);
    if (result.emitSkipped) throw new CellularError('INTERNAL', `Declaration emit failed for ${pkgDir}`, { data: { pkgDir } });
    return { value: files, program };
  });
  const entry = tree.entry.replace(/^src\//u, '').replace(/\.(ts|tsx|mts)$/u, '.d.ts');
  if (!(entry in out)) throw new CellularError('INTERNAL', `Declaration emit produced no ${entry}`, { data: { entry } });
  return { files: { ...out }, entry };
}
