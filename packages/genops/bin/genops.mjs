#!/usr/bin/env node
// Bootstrap for the genops CLI. It works on a fresh clone without a build: the process re-executes
// itself once with the `@cellular/source` export condition and tsx's loader (so workspace packages
// and the contracts of the package under check are read from TypeScript source), then runs
// dist/cli.js when the package was built, or src/cli.ts otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
if (process.env.GENOPS_BOOTSTRAPPED !== '1') {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    tsx = undefined;
  }
  const args = ['--conditions=@cellular/source', ...(tsx ? ['--import', tsx] : []), self, ...process.argv.slice(2)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, GENOPS_BOOTSTRAPPED: '1' } });
  process.exit(r.status ?? 1);
}
const dist = new URL('../dist/cli.js', import.meta.url);
const entry = existsSync(fileURLToPath(dist)) ? dist : new URL('../src/cli.ts', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
