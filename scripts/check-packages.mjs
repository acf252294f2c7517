#!/usr/bin/env node
// Publish checks for every public package: publint --strict and @arethetypeswrong/cli (ESM-only
// profile: CommonJS `require` of an ESM package is expected to need a dynamic import). Run after
// `pnpm build`; exits non-zero when any package fails, naming it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const only = process.argv.slice(2);
const failures = [];
let checked = 0;

for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const pkgDir = join(root, 'packages', dir);
  const manifest = join(pkgDir, 'package.json');
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  if (pkg.private || (only.length > 0 && !only.includes(pkg.name))) continue;
  if (!existsSync(join(pkgDir, 'dist'))) {
    failures.push(`${pkg.name}: no dist/ (run pnpm build first)`);
    continue;
  }
  checked++;
  for (const [label, cmd, args] of [
    ['publint', bin('publint'), ['--strict']],
    ['attw', bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'ascii']],
  ]) {
    const res = spawnSync(cmd, args, { cwd: pkgDir, encoding: 'utf8' });
    const ok = res.status === 0;
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${label.padEnd(8)} ${pkg.name}\n`);
    if (!ok) {
      process.stdout.write(`${res.stdout}\n${res.stderr}\n`);
      failures.push(`${pkg.name}: ${label}`);
    }
  }
}

if (failures.length > 0) {
  process.stdout.write(`\npackage checks failed:\n  ${failures.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`\npackage checks passed for ${checked} packages\n`);
