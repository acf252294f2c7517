/**
 * Reads and writes changesets (`.changeset/*.md` with a YAML frontmatter of `"package": bump`). The
 * frontmatter grammar changesets uses is one `"name": bump` per line, so a line parser is enough and
 * keeps YAML out of the dependencies.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { CellularError } from '@cellular/core';
import { isBump, maxBump } from './bump.js';
import type { Bump } from './bump.js';

/** One pending changeset. */
export interface Changeset {
  readonly file: string;
  readonly releases: Readonly<Record<string, Bump>>;
  readonly summary: string;
}

/** Parse the text of one changeset file. */
export function parseChangeset(text: string, file = '<text>'): Changeset {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/u.exec(text);
  if (!m) throw new CellularError('VALIDATION', `${file}: no frontmatter`, { data: { file } });
  const releases: Record<string, Bump> = {};
  for (const raw of m[1]!.split(/\r?\n/u)) {
    const line = raw.trim();
    if (line === '') continue;
    const lm = /^["']?([^"':]+(?::[^"':]+)?)["']?\s*:\s*["']?(\w+)["']?$/u.exec(line);
    if (!lm || !isBump(lm[2])) throw new CellularError('VALIDATION', `${file}: bad frontmatter line ${JSON.stringify(line)}`, { data: { file, line } });
    releases[lm[1]!.trim()] = lm[2];
  }
  return { file, releases, summary: m[2]!.trim() };
}

/** Find the nearest `.changeset` directory at or above `from`. */
export function findChangesetDir(from: string): string | undefined {
  for (let d = resolve(from); ; d = dirname(d)) {
    if (existsSync(join(d, '.changeset'))) return join(d, '.changeset');
    if (dirname(d) === d) return undefined;
  }
}

/** Every pending changeset in `dir` (README.md excluded). */
export function readChangesets(dir: string): Changeset[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f.toLowerCase() !== 'readme.md')
    .sort()
    .map((f) => parseChangeset(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

/** The largest bump the pending changesets declare for `pkg`; `none` when none mention it. */
export function declaredBump(changesets: readonly Changeset[], pkg: string): Bump {
  return changesets.reduce<Bump>((acc, c) => maxBump(acc, c.releases[pkg] ?? 'none'), 'none');
}

/** Write a changeset declaring `bump` for `pkg`; returns its path. The name is derived from the content. */
export function writeChangeset(dir: string, pkg: string, bump: Exclude<Bump, 'none'>, summary: string): string {
  mkdirSync(dir, { recursive: true });
  const text = `---\n"${pkg}": ${bump}\n---\n\n${summary.trim()}\n`;
  const short = pkg.replace(/^@[^/]+\//u, '');
  const file = join(dir, `${short}-genops-${createHash('sha256').update(text).digest('hex').slice(0, 8)}.md`);
  writeFileSync(file, text);
  return file;
}
