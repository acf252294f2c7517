#!/usr/bin/env node
// Runs the built CLI when dist/ exists; in a source checkout (or for a .ts composition module) it re-runs
// itself under tsx with the @cellular/source condition, so it works on a fresh clone without a build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dist = join(here, '..', 'dist', 'check.js');
const needsTs = args.some((a) => /\.(c|m)?ts$/.test(a));
if (existsSync(dist) && !needsTs) {
  const { main } = await import(dist);
  process.exitCode = await main(args);
} else {
  let tsxCli;
  try {
    tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
  } catch {
    console.error('cellular-triggers: running from source or a .ts module needs the "tsx" package installed');
    process.exit(2);
  }
  const entry = join(here, '..', 'src', 'cli-entry.ts');
  const res = spawnSync(process.execPath, [tsxCli, '--conditions=@cellular/source', entry, ...args], { stdio: 'inherit' });
  process.exitCode = res.status ?? 1;
}
