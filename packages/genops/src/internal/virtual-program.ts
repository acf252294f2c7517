/**
 * Builds one TypeScript program that holds both sides of a diff. Why one program: the checker can only
 * relate types it owns, so putting the old and the new API side by side under virtual directories lets
 * `checker.isTypeAssignableTo` compare them structurally. Virtual files overlay the real file system,
 * so imports of dependencies (zod, workspace packages) still resolve from the package directory.
 */
import ts from 'typescript';
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
  };
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
  const root = join(baseDir, '.genops-virtual');
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
