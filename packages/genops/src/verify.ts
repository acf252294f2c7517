/**
 * Reproducible-build check: build a package twice in clean temporary copies with the same
 * SOURCE_DATE_EPOCH, pack both, and compare the tarball hashes; when they differ, unpack both and
 * report the differing files. The copies sit at the same depth as the real package, so relative
 * `extends` in tsconfig keep working, and reuse the package's node_modules through a
 * symlink, so no install is needed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CellularError } from '@cellular/core';
import { listFiles, sha256 } from './hashing.js';
import { runCommand } from './internal/run-command.js';

/** Options for {@link verifyReproducible}. */
export interface VerifyOptions {
  /** Defaults to `npm run build --silent`. */
  readonly buildCommand?: string;
  /** Pack command; `{dest}` is replaced by the output directory. Defaults to `npm pack --silent --pack-destination {dest}`. */
  readonly packCommand?: string;
  /** Defaults to 315532800 (1980-01-01), the zip epoch. */
  readonly sourceDateEpoch?: number;
  /** Keep the temporary copies (for debugging). Defaults to false. */
  readonly keep?: boolean;
}

/** One file that differs between the two builds. */
export interface FileDifference {
  readonly file: string;
  readonly first?: string;
  readonly second?: string;
}

/** Result of {@link verifyReproducible}. */
export interface VerifyResult {
  readonly reproducible: boolean;
  readonly tarballs: readonly [string, string];
  readonly differences: readonly FileDifference[];
  readonly sourceDateEpoch: number;
}

function hashTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir, dir, true).map((f) => [f, sha256(readFileSync(join(dir, f)))]));
}

/** Build and pack `pkgDir` twice and compare. */
export async function verifyReproducible(pkgDir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const epoch = options.sourceDateEpoch ?? 315532800;
  // Each copy sits at <grandparent of the package>/<temp>/<name>: the same depth as the package, so
  // relative paths such as `extends: "../../tooling/tsconfig/build.json"` still resolve.
  const parent = dirname(dirname(pkgDir));
  const works: string[] = [];
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(epoch), TZ: 'UTC', LC_ALL: 'C' };
  try {
    const hashes: string[] = [];
    const unpacked: string[] = [];
    for (const run of ['a', 'b']) {
      const work = mkdtempSync(join(parent, `.genops-verify-${run}-`));
      works.push(work);
      const copy = join(work, basename(pkgDir));
      cpSync(pkgDir, copy, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|\.turbo|coverage)$/u.test(src) });
      if (existsSync(join(pkgDir, 'node_modules'))) symlinkSync(join(pkgDir, 'node_modules'), join(copy, 'node_modules'), 'dir');
      const build = await runCommand(options.buildCommand ?? 'npm run build --silent', copy, env);
      if (build.code !== 0) throw new CellularError('HANDLER_ERROR', `Build ${run} failed (exit ${build.code}): ${build.output.slice(-2000)}`, { data: { run } });
      const dest = join(work, '.pack');
      mkdirSync(dest);
      const pack = await runCommand((options.packCommand ?? 'npm pack --silent --pack-destination {dest}').replaceAll('{dest}', JSON.stringify(dest)), copy, env);
      const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
      if (pack.code !== 0 || tgz === undefined) throw new CellularError('HANDLER_ERROR', `Pack ${run} failed: ${pack.output.slice(-2000)}`, { data: { run } });
      hashes.push(sha256(readFileSync(join(dest, tgz))));
      const out = join(work, '.unpacked');
      mkdirSync(out);
      const untar = await runCommand(`tar -xzf ${JSON.stringify(join(dest, tgz))} -C ${JSON.stringify(out)}`, work, env);
      if (untar.code !== 0) throw new CellularError('HANDLER_ERROR', `Unpack ${run} failed: ${untar.output}`, { data: { run } });
      unpacked.push(out);
    }
    const a = hashTree(unpacked[0]!);
    const b = hashTree(unpacked[1]!);
    const differences: FileDifference[] = [];
    for (const f of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(f);
      const y = b.get(f);
      if (x !== y) differences.push({ file: f, ...(x !== undefined ? { first: x } : {}), ...(y !== undefined ? { second: y } : {}) });
    }
    const same = hashes[0] === hashes[1];
    if (!same && differences.length === 0) differences.push({ file: '(tarball metadata: entry order, mtimes or gzip header)', first: hashes[0]!, second: hashes[1]! });
    return { reproducible: same, tarballs: [hashes[0]!, hashes[1]!], differences, sourceDateEpoch: epoch };
  } finally {
    if (options.keep !== true) for (const w of works) rmSync(w, { recursive: true, force: true });
  }
}
