#!/usr/bin/env node
// `cellular` executable. Why a plain-JS launcher: it must run on a fresh clone (no dist yet) and load
// TypeScript composition modules. When either needs TypeScript, it re-executes itself once under tsx
// (`node --import tsx`) with the `@cellular/source` import condition (so workspace packages resolve to
// their source), then runs the CLI from src (dist only when tsx is not needed).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const dist = join(root, 'dist', 'cli.js');
const src = join(root, 'src', 'cli.ts');
const args = process.argv.slice(2);
const TS_FILE = /\.(?:ts|mts|cts|tsx)$/u;
const MARK = 'CELLULAR_GRAPH_TSX';

function resolveTsx() {
  for (const base of [join(process.cwd(), 'noop.js'), self]) {
    try {
      return pathToFileURL(createRequire(base).resolve('tsx')).href;
    } catch {
      // try the next base
    }
  }
  return undefined;
}

function conditions() {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--condition' && args[i + 1] !== undefined) out.push(args[++i]);
    else if (a.startsWith('--condition=')) out.push(a.slice('--condition='.length));
  }
  if (!args.includes('--no-source-condition')) out.push('@cellular/source');
  return [...new Set(out)].map((c) => `--conditions=${c}`);
}

const needsTs = !existsSync(dist) || args.some((a) => TS_FILE.test(a));
if (needsTs && process.env[MARK] !== '1') {
  const tsx = resolveTsx();
  if (tsx === undefined) {
    process.stderr.write('cellular: loading TypeScript needs tsx. Install it next to your project: npm install --save-dev tsx\n');
    process.exit(2);
  }
  const child = spawnSync(process.execPath, [...process.execArgv, ...conditions(), '--import', tsx, self, ...args], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  });
  if (child.error) {
    process.stderr.write(`cellular: ${child.error.message}\n`);
    process.exit(2);
  }
  process.exit(child.status ?? 1);
}

// Under tsx, run the sources when they are here (a workspace checkout), so a stale dist never draws
// an old diagram; otherwise the build.
const underTsx = process.env[MARK] === '1';
const entry = (underTsx && existsSync(src)) || !existsSync(dist) ? src : dist;
const { runCli } = await import(pathToFileURL(entry).href);
process.exitCode = await runCli(args);
