/**
 * Public API diff of one module between two trees. Both trees are mounted into one TypeScript program
 * so that the checker relates old and new types structurally; the rules live in the internal
 * comparer. Generic types are compared through a probe file that instantiates old and new with the
 * same fresh branded type arguments.
 */
import type ts from 'typescript';
import { collectExports, computePositions, positionOf } from './internal/api-model.js';
import type { ExportEntry } from './internal/api-model.js';
import { ApiComparer, typeParamsOf } from './internal/api-comparer.js';
import type { ApiChange } from './internal/api-comparer.js';
import { createVirtualProgram, memoized, virtualRoot } from './internal/virtual-program.js';
import type { ApiTree } from './internal/virtual-program.js';
import { maxBump } from './bump.js';
import type { Bump } from './bump.js';
import { CellularError } from '@cellular/core';

export type { ApiChange, ChangeBump } from './internal/api-comparer.js';
export type { ApiTree } from './internal/virtual-program.js';
export type { Position } from './internal/api-model.js';

/** Options for {@link diffApi}. */
export interface DiffApiOptions {
  /**
   * Directory the trees are mounted under, so that their imports resolve through its node_modules.
   * Usually the package directory.
   */
  readonly baseDir: string;
  /** Compiler options. Defaults to strict NodeNext with the `@cellular/source` condition. */
  readonly compilerOptions?: ts.CompilerOptions;
  /**
   * Exports not compared as TypeScript (contracts and zod schemas, judged by their wire schemas
   * instead). Added and removed are still reported.
   */
  readonly skipExports?: Iterable<string>;
}

/** The result of {@link diffApi}. */
export interface ApiDiff {
  /** Every classified change, sorted by export name. */
  readonly changes: readonly ApiChange[];
  /** The largest bump among the changes; `none` when the public API is identical. */
  readonly bump: Bump;
  /** Exported names on each side. */
  readonly exports: { readonly before: readonly string[]; readonly after: readonly string[] };
}

function importPath(mount: string, entry: string): string {
  return `./${mount}/${entry.replace(/\.d\.ts$/u, '.js').replace(/\.(ts|tsx|mts)$/u, '.js')}`;
}

const IDENT = /^[A-Za-z_$][\w$]*$/u;

function probeSource(oldE: ReadonlyMap<string, ExportEntry>, newE: ReadonlyMap<string, ExportEntry>, before: ApiTree, after: ApiTree): string | undefined {
  const lines: string[] = [
    `import type * as __O from '${importPath('before', before.entry)}';`,
    `import type * as __N from '${importPath('after', after.entry)}';`,
  ];
  let any = false;
  const brands = new Set<number>();
  for (const [name, o] of oldE) {
    const n = newE.get(name);
    if (!n || !IDENT.test(name) || !o.hasType || !n.hasType || o.hasValue || n.hasValue) continue;
    const otp = typeParamsOf(o.symbol);
    const ntp = typeParamsOf(n.symbol);
    if (otp.length === 0 && ntp.length === 0) continue;
    const count = Math.min(otp.length, ntp.length);
    if (count === 0) continue;
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      const constrained = otp[i]!.constraint !== undefined || ntp[i]!.constraint !== undefined;
      if (constrained) args.push('any');
      else {
        brands.add(i);
        args.push(`__P${i}`);
      }
    }
    // Trailing parameters without defaults on either side get `any` so both instantiations are legal.
    const pad = (tps: readonly ts.TypeParameterDeclaration[]): string[] => tps.slice(count).map((tp) => (tp.default ? '' : 'any')).filter((x) => x !== '');
    const oArgs = [...args, ...pad(otp)];
    const nArgs = [...args, ...pad(ntp)];
    lines.push(`export type __o_${name} = __O.${name}<${oArgs.join(', ')}>;`);
    lines.push(`export type __n_${name} = __N.${name}<${nArgs.join(', ')}>;`);
    any = true;
  }
  for (const i of brands) lines.push(`export interface __P${i} { readonly __genopsProbe${i}: 'p${i}' }`);
  return any ? lines.join('\n') : undefined;
}

/**
 * Diff the public API of `before` and `after` (each a set of files plus an entry module) and classify
 * every change as major, minor or patch.
 *
 * @example
 * ```ts
 * const diff = diffApi(
 *   { files: { 'index.ts': 'export function f(a: string): void {}' }, entry: 'index.ts' },
 *   { files: { 'index.ts': 'export function f(a: string, b?: number): void {}' }, entry: 'index.ts' },
 *   { baseDir: process.cwd() },
 * );
 * diff.bump; // 'minor'
 * ```
 */
export function diffApi(before: ApiTree, after: ApiTree, options: DiffApiOptions): ApiDiff {
  const skip = [...new Set(options.skipExports ?? [])].sort();
  const root = virtualRoot(options.baseDir);
  return memoized(['diffApi', options.baseDir, options.compilerOptions ?? null, before, after, skip], (f) => f.startsWith(root), () => computeDiff(before, after, options, new Set(skip)));
}

function computeDiff(before: ApiTree, after: ApiTree, options: DiffApiOptions, skip: ReadonlySet<string>): { value: ApiDiff; program: ts.Program } {
  const mounts = { before, after };
  let vp = createVirtualProgram(options.baseDir, mounts, {}, options.compilerOptions);
  const load = (): { oldE: Map<string, ExportEntry>; newE: Map<string, ExportEntry> } => {
    const oldFile = vp.program.getSourceFile(vp.path('before', before.entry));
    const newFile = vp.program.getSourceFile(vp.path('after', after.entry));
    if (!oldFile || !newFile) {
      throw new CellularError('INVALID_CONFIG', `Entry module not found (${before.entry} / ${after.entry})`, {
        data: { before: before.entry, after: after.entry },
      });
    }
    return { oldE: collectExports(vp.checker, oldFile), newE: collectExports(vp.checker, newFile) };
  };
  let { oldE, newE } = load();
  const probeText = probeSource(oldE, newE, before, after);
  const probe = { old: new Map<string, ts.Type>(), new: new Map<string, ts.Type>() };
  if (probeText !== undefined) {
    vp = createVirtualProgram(options.baseDir, mounts, { 'genops-probe.ts': probeText }, options.compilerOptions, vp.program);
    ({ oldE, newE } = load());
    const probeFile = vp.program.getSourceFile(vp.path('', 'genops-probe.ts'));
    const probeSym = probeFile ? vp.checker.getSymbolAtLocation(probeFile) : undefined;
    for (const s of probeSym ? vp.checker.getExportsOfModule(probeSym) : []) {
      const name = s.getName();
      const t = vp.checker.getDeclaredTypeOfSymbol(s);
      if (name.startsWith('__o_')) probe.old.set(name.slice(4), t);
      else if (name.startsWith('__n_')) probe.new.set(name.slice(4), t);
    }
  }
  const oldPos = computePositions(vp.checker, oldE, skip);
  const newPos = computePositions(vp.checker, newE, skip);
  const comparer = new ApiComparer(
    vp.checker,
    oldE,
    newE,
    (name) => positionOf(oldPos.get(name), newPos.get(name)),
    probe,
    { old: vp.path('before', ''), new: vp.path('after', '') },
    skip,
  );
  const changes = comparer.run();
  const bump = changes.reduce<Bump>((acc, c) => maxBump(acc, c.bump), 'none');
  return { value: { changes, bump, exports: { before: [...oldE.keys()].sort(), after: [...newE.keys()].sort() } }, program: vp.program };
}
