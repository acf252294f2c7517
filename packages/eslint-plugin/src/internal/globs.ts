/**
 * Glob matching relative to the root with minimatch. A pattern without glob characters names a file
 * or a folder (everything under it), so `src/cells/library` and `src/cells/library/**` mean the same.
 */
import { relative, sep } from 'node:path';
import { minimatch } from 'minimatch';

/** A predicate over absolute paths. */
export type PathMatcher = (absolutePath: string) => boolean;

/** The path relative to `root` with `/` separators, or undefined when outside `root`. */
export function relativeTo(root: string, absolutePath: string): string | undefined {
  const rel = relative(root, absolutePath);
  if (rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`) || /^[A-Za-z]:/u.test(rel)) return rel === '' ? '' : undefined;
  return rel.split(sep).join('/');
}

/** A matcher for `patterns` (relative to `root`). */
export function globMatcher(root: string, patterns: readonly string[]): PathMatcher {
  const tests = patterns.map((raw) => {
    const pattern = raw.replace(/^\.\//u, '').replace(/\/+$/u, '');
    if (!/[*?[\]{}!]/u.test(pattern)) return (rel: string) => rel === pattern || rel.startsWith(`${pattern}/`);
    return (rel: string) => minimatch(rel, pattern, { dot: true });
  });
  return (absolutePath) => {
    const rel = relativeTo(root, absolutePath);
    return rel !== undefined && tests.some((t) => t(rel));
  };
}
