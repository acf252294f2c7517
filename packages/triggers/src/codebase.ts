/**
 * Codebase size as the seeds measure it: bytes and tokens, per package and per cell, against a model's
 * context window. Tokens come from a real tokenizer (gpt-tokenizer, offline BPE tables shipped in the
 * package), because "2 MB" matters only as "does it fit the model's context".
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CellularError } from '@cellular/core';
import { SIGNALS, type Signal, type SignalSource } from './signal.js';

/** Tokenizer encodings available offline. */
export type TokenizerEncoding = 'o200k_base' | 'cl100k_base';

/** Options for {@link measureCodebase}. */
export interface MeasureCodebaseOptions {
  /** Repository root. */
  readonly root: string;
  /** Units to measure: name -> directory relative to root (packages or cells). Defaults to every folder in packages/ and apps/. */
  readonly units?: Readonly<Record<string, string>>;
  /** File extensions counted. Defaults to source and docs: .ts .tsx .js .mjs .cjs .json .md .sql .css .html */
  readonly extensions?: readonly string[];
  /** Tokenizer encoding. Defaults to o200k_base. */
  readonly encoding?: TokenizerEncoding;
  /** Count tokens (slower) or bytes only. Defaults to true. */
  readonly tokens?: boolean;
}

/** Size of one unit. */
export interface UnitSize {
  readonly name: string;
  readonly path: string;
  readonly files: number;
  readonly bytes: number;
  readonly tokens: number | undefined;
}

/** Result of {@link measureCodebase}. */
export interface CodebaseReport {
  readonly units: readonly UnitSize[];
  readonly totalBytes: number;
  readonly totalTokens: number | undefined;
  readonly encoding: TokenizerEncoding;
}

const DEFAULT_EXT = ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.md', '.sql', '.css', '.html'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage', 'test-results']);

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new CellularError('INVALID_CONFIG', `Cannot read directory ${dir}`, { cause: e, data: { dir } });
  }
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* walk(join(dir, entry.name));
    } else if (entry.isFile()) yield join(dir, entry.name);
  }
}

async function defaultUnits(root: string): Promise<Record<string, string>> {
  const units: Record<string, string> = {};
  for (const parent of ['packages', 'apps']) {
    try {
      for (const e of await readdir(join(root, parent), { withFileTypes: true })) {
        if (e.isDirectory()) units[`${parent}/${e.name}`] = join(parent, e.name);
      }
    } catch {
      // no such folder
    }
  }
  if (Object.keys(units).length === 0) units['.'] = '.';
  return units;
}

type CountFn = (text: string) => number;
const counters = new Map<TokenizerEncoding, Promise<CountFn>>();
/** Load a tokenizer's countTokens once (the BPE tables are large). */
function tokenCounter(encoding: TokenizerEncoding): Promise<CountFn> {
  let p = counters.get(encoding);
  if (!p) {
    p =
      encoding === 'cl100k_base'
        ? import('gpt-tokenizer/encoding/cl100k_base').then((m) => m.countTokens as CountFn)
        : import('gpt-tokenizer/encoding/o200k_base').then((m) => m.countTokens as CountFn);
    counters.set(encoding, p);
  }
  return p;
}

/** Count the tokens of `text` with a real tokenizer (offline). */
export async function countTokens(text: string, encoding: TokenizerEncoding = 'o200k_base'): Promise<number> {
  return (await tokenCounter(encoding))(text);
}

/**
 * Measure bytes (and tokens) of each unit. Skips node_modules, dist, .git and build output.
 * @throws CellularError INVALID_CONFIG when a unit's directory cannot be read
 */
export async function measureCodebase(options: MeasureCodebaseOptions): Promise<CodebaseReport> {
  const encoding = options.encoding ?? 'o200k_base';
  const exts = new Set(options.extensions ?? DEFAULT_EXT);
  const units = options.units ?? (await defaultUnits(options.root));
  const count = options.tokens === false ? undefined : await tokenCounter(encoding);
  const out: UnitSize[] = [];
  for (const [name, rel] of Object.entries(units).sort(([a], [b]) => a.localeCompare(b))) {
    const dir = join(options.root, rel);
    let files = 0;
    let bytes = 0;
    let tokens = 0;
    for await (const file of walk(dir)) {
      const dot = file.lastIndexOf('.');
      if (dot < 0 || !exts.has(file.slice(dot)) || file.endsWith(`${sep}pnpm-lock.yaml`)) continue;
      const size = (await stat(file)).size;
      files++;
      bytes += size;
      if (count) tokens += count(await readFile(file, 'utf8'));
    }
    out.push({ name, path: relative(options.root, dir) || '.', files, bytes, tokens: count ? tokens : undefined });
  }
  const totalBytes = out.reduce((s, u) => s + u.bytes, 0);
  const totalTokens = count ? out.reduce((s, u) => s + (u.tokens ?? 0), 0) : undefined;
  return { units: out, totalBytes, totalTokens, encoding };
}

/** Options for {@link codebaseSignals}. */
export interface CodebaseSignalsOptions extends MeasureCodebaseOptions {
  /** Model context window in tokens for `codebase.context_fraction`. Defaults to 200,000. */
  readonly contextWindowTokens?: number;
}

/** Turn a report into signals: whole codebase unscoped, each unit scoped by its name. */
export function codebaseReportSignals(report: CodebaseReport, contextWindowTokens = 200_000): Signal[] {
  const signals: Signal[] = [{ name: SIGNALS.codeBytes, value: report.totalBytes, unit: 'bytes' }];
  if (report.totalTokens !== undefined) {
    signals.push({ name: SIGNALS.codeTokens, value: report.totalTokens, unit: 'tokens' });
    signals.push({ name: SIGNALS.contextFraction, value: report.totalTokens / contextWindowTokens });
  }
  for (const u of report.units) {
    signals.push({ name: SIGNALS.codeBytes, value: u.bytes, unit: 'bytes', scope: u.name });
    if (u.tokens !== undefined) {
      signals.push({ name: SIGNALS.codeTokens, value: u.tokens, unit: 'tokens', scope: u.name });
      signals.push({ name: SIGNALS.contextFraction, value: u.tokens / contextWindowTokens, scope: u.name });
    }
  }
  return signals;
}

/** A source that measures the codebase on each read (cheap enough for a CI check; use a long interval in a monitor). */
export function codebaseSignals(options: CodebaseSignalsOptions): SignalSource {
  return {
    name: 'codebase',
    read: async () => codebaseReportSignals(await measureCodebase(options), options.contextWindowTokens),
  };
}
