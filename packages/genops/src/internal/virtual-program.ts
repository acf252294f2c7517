/**
 * Builds one TypeScript program that holds both sides of a diff. Why one program: the checker can only
 * relate types it owns, so putting the old and the new API side by side under virtual directories lets
 * `checker.isTypeAssignableTo` compare them structurally. Virtual files overlay the real file system,
 * so imports of dependencies (zod, workspace packages) still resolve from the package directory.
 */
import ts from 'typescript';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const sharedFiles = new Map<string, { readonly mtime: number; readonly sf: ts.SourceFile }>();

/**
 * Parse a real (non-virtual) file once per process and reuse it across programs while its mtime is
 * unchanged: the libs, zod's declarations and workspace sources dominate program creation time.
 */
export function cachedSourceFile(
  fileName: string,
  languageVersion: ts.ScriptTarget | ts.CreateSourceFileOptions,
  parse: () => ts.SourceFile | undefined,
): ts.SourceFile | undefined {
  let mtime: number;
  try {
    mtime = statSync(fileName).mtimeMs;
  } catch {
    return parse();
  }
  const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
  const hit = sharedFiles.get(key);
  if (hit?.mtime === mtime) return hit.sf;
  const sf = parse();
  if (sf) sharedFiles.set(key, { mtime, sf });
  return sf;
}

function mtimeOf(fileName: string): number {
  try {
    return statSync(fileName).mtimeMs;
  } catch {
    return -1;
  }
}

interface Memo {
  readonly deps: readonly (readonly [string, number])[];
  readonly value: unknown;
}
const memos = new Map<string, Memo>();
const MAX_MEMOS = 32;

/**
 * A result computed by a program from in-memory inputs (hashed into `key`) and the real files that
 * program read: reused while every one of those files keeps its mtime, so asking twice in one process
 * (a check rerun after a changeset was added, a baseline diffed against itself) costs one program.
 * Limit: a file created since, that an import would now resolve to instead, is not noticed.
 */
export function memoized<T>(parts: readonly unknown[], isVirtual: (fileName: string) => boolean, compute: () => { value: T; program: ts.Program }): T {
  const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  const hit = memos.get(key);
  if (hit?.deps.every(([f, m]) => mtimeOf(f) === m) === true) return hit.value as T;
  const { value, program } = compute();
  const deps = program
    .getSourceFiles()
    .filter((sf) => !isVirtual(sf.fileName))
    .map((sf) => [sf.fileName, mtimeOf(sf.fileName)] as const);
  memos.delete(key);
  if (memos.size >= MAX_MEMOS) memos.delete(memos.keys().next().value!);
  memos.set(key, { deps, value });
  return value;
}

const resolutionCaches = new Map<string, ts.ModuleResolutionCache>();

/**
 * Resolve imports of real files (dependencies, workspace sources, node_modules) through one module
 * resolution cache per process and resolution settings, instead of walking the file system again for
 * every program. Imports of in-memory files (`isVirtual`) are resolved uncached, since their contents
 * differ from one program to the next.
 */
export function useSharedResolution(host: ts.CompilerHost, options: ts.CompilerOptions, isVirtual: (fileName: string) => boolean): void {
  const cwd = host.getCurrentDirectory();
  const key = JSON.stringify([cwd, options.module, options.moduleResolution, options.customConditions, options.resolvePackageJsonExports, options.resolvePackageJsonImports]);
  let cache = resolutionCaches.get(key);
  if (!cache) {
    cache = ts.createModuleResolutionCache(cwd, (f) => host.getCanonicalFileName(f), options);
    resolutionCaches.set(key, cache);
  }
  const shared = cache;
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts, containingSourceFile) =>
    literals.map((lit) =>
      ts.resolveModuleName(
        lit.text,
        containingFile,
        opts,
        host,
        isVirtual(containingFile) ? undefined : shared,
        redirected,
        ts.getModeForUsageLocation(containingSourceFile, lit, opts),
      ),
    );
}

/** Source files of one side of a diff: relative posix paths to contents, and the entry file. */
export interface ApiTree {
  /** Relative path (posix) to file contents, e.g. `src/index.ts` or `index.d.ts`. */
  readonly files: Readonly<Record<string, string>>;
  /** Relative path of the entry module, e.g. `src/index.ts`. */
  readonly entry: string;
}

/** Compiler options used for API analysis: strict, NodeNext, workspace source condition. */
export function analysisCompilerOptions(): ts.CompilerOptions {
  return {
    strict: true,
    exactOptionalPropertyTypes: true,
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@cellular/source'],
    skipLibCheck: true,
    noEmit: true,
    allowJs: false,
    types: ['node'],
    // No lookup of @typescript/lib-* replacement packages for every lib file of every program.
    libReplacement: false,
  };
}

/** The directory virtual files are mounted under. */
export function virtualRoot(baseDir: string): string {
  return join(baseDir, '.genops-virtual');
}

/** A program over virtual files mounted under a real base directory. */
export interface VirtualProgram {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** Absolute virtual path of a file of a mounted tree. */
  path(mount: string, rel: string): string;
}

/**
 * Create a program from mounted trees plus extra virtual files. `baseDir` must be a directory whose
 * ancestors hold the node_modules the trees import from (the package directory).
 */
export function createVirtualProgram(
  baseDir: string,
  mounts: Readonly<Record<string, ApiTree>>,
  extraRoots: Readonly<Record<string, string>> = {},
  options: ts.CompilerOptions = analysisCompilerOptions(),
  oldProgram?: ts.Program,
): VirtualProgram {
  const root = virtualRoot(baseDir);
  const files = new Map<string, string>();
  const dirs = new Set<string>();
  const roots: string[] = [];
  const add = (abs: string, content: string): void => {
    files.set(abs, content);
    for (let d = dirname(abs); d.startsWith(root) && !dirs.has(d); d = dirname(d)) dirs.add(d);
  };
  for (const [name, tree] of Object.entries(mounts)) {
    for (const [rel, content] of Object.entries(tree.files)) add(join(root, name, rel), content);
    roots.push(join(root, name, tree.entry));
  }
  for (const [rel, content] of Object.entries(extraRoots)) {
    add(join(root, rel), content);
    roots.push(join(root, rel));
  }
  const host = ts.createCompilerHost(options, true);
  useSharedResolution(host, options, (f) => f.startsWith(root));
  const baseGetSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => files.has(f) || (!f.startsWith(root) && ts.sys.fileExists(f));
  host.readFile = (f) => files.get(f) ?? (f.startsWith(root) ? undefined : ts.sys.readFile(f));
  host.directoryExists = (d) => dirs.has(d) || (!d.startsWith(root) && ts.sys.directoryExists(d));
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = files.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    return cachedSourceFile(fileName, languageVersion, () => baseGetSourceFile(fileName, languageVersion, onError, shouldCreate));
  };
  const program = ts.createProgram({ rootNames: roots, options, host, ...(oldProgram ? { oldProgram } : {}) });
  return { program, checker: program.getTypeChecker(), path: (mount, rel) => join(root, mount, rel) };
}
