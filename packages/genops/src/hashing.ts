/**
 * Content hashes for pinning: one sha256 over a set of files, independent of file system order and
 * of line endings' platform (files are hashed as stored), with each path included so a rename shows.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** sha256 of a string or buffer, as `sha256:<hex>`. */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

const SKIP_DIRS: ReadonlySet<string> = new Set(['node_modules', 'dist']);

/**
 * Every file under `dir` (relative posix paths, sorted). Skips node_modules, dist and dot-entries
 * unless `all` is true.
 */
export function listFiles(dir: string, base: string = dir, all = false): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (!all && (SKIP_DIRS.has(ent.name) || ent.name.startsWith('.'))) continue;
    const abs = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...listFiles(abs, base, all));
    else if (statSync(abs).isFile()) out.push(relative(base, abs).split(sep).join('/'));
  }
  return out.sort();
}

/** One hash over the named files of `root` (path and content of each). */
export function hashFiles(root: string, files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort()) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(join(root, f)));
    h.update('\0');
  }
  return `sha256:${h.digest('hex')}`;
}

/** The files that make up a package's generated sources: `src/**` and `package.json`. */
export function packageSourceFiles(pkgDir: string): string[] {
  return [...listFiles(join(pkgDir, 'src'), pkgDir), ...(existsSync(join(pkgDir, 'package.json')) ? ['package.json'] : [])].sort();
}
