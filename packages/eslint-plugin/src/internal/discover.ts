/**
 * Finds the cells of an application by reading its source files for `defineCell(` and
 * `definePeriphery(` calls: the file that calls one defines a cell, and (unless settings pin it) the
 * folder of that file is the cell's territory. Reading text rather than building a program keeps the
 * scan fast (one pass over the files, cached briefly per settings) and independent of type-aware
 * linting. The cell's name comes from the `name: '…'` literal in the call.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { CellularSettings, CellTerritorySetting } from '../settings.js';
import { DEFAULT_COMPOSITION_ROOTS, DEFAULT_CONTRACTS, DEFAULT_IGNORE } from '../settings.js';
import { globMatcher, relativeTo } from './globs.js';
import type { PathMatcher } from './globs.js';

/** A cell as the rules see it. */
export interface CellInfo {
  readonly name: string;
  readonly kind: 'cell' | 'periphery';
  /** Absolute path of the file calling defineCell/definePeriphery, when discovered. */
  readonly definitionFile: string | undefined;
  /** Human-readable territory (`src/cells/library/**`) for messages. */
  readonly territoryLabel: string;
  /** True when the file is in this cell's territory. */
  readonly owns: PathMatcher;
  /** Higher wins when territories nest: pinned globs beat folders, deeper folders beat shallower ones. */
  readonly specificity: number;
  /** Folder of the territory, when it is a folder (index files there are the cell's public entry). */
  readonly folder: string | undefined;
}

/** Everything the rules need to know about one application. */
export interface Project {
  readonly root: string;
  readonly cells: readonly CellInfo[];
  /** The cell owning a file (the most specific territory), if any. */
  cellOf(file: string): CellInfo | undefined;
  isContract(file: string): boolean;
  isCompositionRoot(file: string): boolean;
  isShared(file: string): boolean;
  /** The cell a file defines, if it calls defineCell/definePeriphery. */
  definedBy(file: string): CellInfo | undefined;
  /** The composition-root globs, for messages. */
  readonly compositionRoots: readonly string[];
  /** The contract globs, for messages. */
  readonly contracts: readonly string[];
}

const SOURCE_EXT = /\.(?:[cm]?[jt]s|[jt]sx)$/u;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'out']);
const CALL_RE = /(?<!function\s{1,10})(?<![\w$])(defineCell|definePeriphery)\s*(?:<[^>()]*>)?\s*\(/gu;
const CONTRACT_RE = /(?<!function\s{1,10})(?<![\w$])defineContracts?\s*(?:<[^>()]*>)?\s*\(/u;
const NAME_RE = /\bname\s*:\s*(['"`])([a-z][a-z0-9-]*)\1/u;
const PERIPHERY_KIND_RE = /\bkind\s*:\s*(['"`])periphery\1/u;

/** Removes comments so a commented-out `defineCell(` is not a cell (strings are kept). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//gu, ' ').replace(/(^|[^:'"`\\])\/\/[^\n]*/gu, '$1');
}

interface Found {
  readonly name: string;
  readonly kind: 'cell' | 'periphery';
  readonly file: string;
}

/** The cells a source text defines, in order. */
export function findCellCalls(text: string, file: string): Found[] {
  const code = stripComments(text);
  const calls = [...code.matchAll(CALL_RE)];
  return calls.map((m, i) => {
    const from = m.index;
    const to = calls[i + 1]?.index ?? code.length;
    const body = code.slice(from, to);
    const name = NAME_RE.exec(body)?.[2] ?? basename(dirname(file));
    const kind = m[1] === 'definePeriphery' || PERIPHERY_KIND_RE.test(body) ? 'periphery' : 'cell';
    return { name, kind, file };
  });
}

function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(full, out);
    } else if (e.isFile() && SOURCE_EXT.test(e.name) && !e.name.endsWith('.d.ts')) out.push(full);
  }
}

function toList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

function pinned(setting: CellTerritorySetting): { globs: readonly string[]; kind: 'cell' | 'periphery' | undefined } {
  if (typeof setting === 'string' || Array.isArray(setting)) return { globs: toList(setting as string | readonly string[]), kind: undefined };
  const s = setting as { readonly files: string | readonly string[]; readonly kind?: 'cell' | 'periphery' };
  return { globs: toList(s.files), kind: s.kind };
}

/** Scan `settings.rootDir` (or `cwd`) and build the {@link Project}. */
export function discoverProject(settings: CellularSettings, cwd: string): Project {
  const root = resolve(cwd, settings.rootDir ?? '.');
  const ignored = globMatcher(root, settings.ignore ?? DEFAULT_IGNORE);
  const isCompositionRoot = globMatcher(root, settings.compositionRoots ?? DEFAULT_COMPOSITION_ROOTS);
  const contractGlob = globMatcher(root, settings.contracts ?? DEFAULT_CONTRACTS);
  const isShared = globMatcher(root, settings.shared ?? []);

  const files: string[] = [];
  walk(root, files);
  files.sort();
  const found: Found[] = [];
  const contractFiles = new Set<string>();
  for (const file of files) {
    if (ignored(file) || isCompositionRoot(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('define')) continue;
    const calls = findCellCalls(text, file);
    if (calls.length > 0) found.push(...calls);
    else if (CONTRACT_RE.test(stripComments(text))) contractFiles.add(file);
  }

  const perFolder = new Map<string, number>();
  for (const f of new Set(found.map((x) => x.file))) perFolder.set(dirname(f), (perFolder.get(dirname(f)) ?? 0) + 1);

  const configured = settings.cells ?? {};
  const cells: CellInfo[] = [];
  const seen = new Set<string>();
  for (const f of found) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    const pin = configured[f.name];
    if (pin !== undefined) {
      const { globs, kind } = pinned(pin);
      cells.push({ name: f.name, kind: kind ?? f.kind, definitionFile: f.file, territoryLabel: globs.join(', '), owns: globMatcher(root, globs), specificity: 10_000, folder: undefined });
      continue;
    }
    const folder = dirname(f.file);
    const alone = perFolder.get(folder) === 1 && folder !== root;
    const rel = relativeTo(root, alone ? folder : f.file) ?? f.file;
    cells.push({
      name: f.name,
      kind: f.kind,
      definitionFile: f.file,
      territoryLabel: alone ? `${rel}/**` : rel,
      owns: alone ? (p) => p.startsWith(folder + sep) : (p) => p === f.file,
      specificity: alone ? folder.split(sep).length : 5_000,
      folder: alone ? folder : undefined,
    });
  }
  for (const [name, setting] of Object.entries(configured)) {
    if (seen.has(name)) continue;
    const { globs, kind } = pinned(setting);
    cells.push({ name, kind: kind ?? 'cell', definitionFile: undefined, territoryLabel: globs.join(', '), owns: globMatcher(root, globs), specificity: 10_000, folder: undefined });
  }

  const byDefinition = new Map(cells.filter((c) => c.definitionFile !== undefined).map((c) => [c.definitionFile!, c]));
  return {
    root,
    cells,
    compositionRoots: settings.compositionRoots ?? DEFAULT_COMPOSITION_ROOTS,
    contracts: settings.contracts ?? DEFAULT_CONTRACTS,
    cellOf(file) {
      let best: CellInfo | undefined;
      for (const c of cells) if (c.owns(file) && (best === undefined || c.specificity > best.specificity)) best = c;
      return best;
    },
    isContract: (file) => contractFiles.has(file) || contractGlob(file),
    isCompositionRoot,
    isShared,
    definedBy: (file) => byDefinition.get(file),
  };
}

const cache = new Map<string, { at: number; project: Project }>();
/** How long a scan is reused. Long enough for one lint run, short enough for an editor session. */
const CACHE_MS = 5_000;

/** {@link discoverProject}, cached for a few seconds per settings and cwd. */
export function getProject(settings: CellularSettings, cwd: string): Project {
  const key = `${cwd}\u0000${JSON.stringify(settings)}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_MS) return hit.project;
  const project = discoverProject(settings, cwd);
  cache.set(key, { at: now, project });
  return project;
}
