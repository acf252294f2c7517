import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyReproducible } from '../src/verify.js';

// Two tiny packages at the usual depth (<root>/packages/<name>): one builds deterministically from
// SOURCE_DATE_EPOCH, one stamps a random value into one file.
const root = mkdtempSync(join(import.meta.dirname, '.tmp-verify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pkg(name: string, build: string): string {
  const dir = join(root, 'packages', name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', files: ['dist'], scripts: { build: 'node build.mjs' } }));
  writeFileSync(join(dir, 'src', 'index.js'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'build.mjs'), `import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\n${build}\n`);
  return dir;
}

describe('genops verify', () => {
  it('reports a deterministic build as reproducible', { timeout: 120_000 }, async () => {
    const dir = pkg('det', "writeFileSync('dist/index.js', readFileSync('src/index.js', 'utf8') + '// built at ' + process.env.SOURCE_DATE_EPOCH + '\\n');");
    const r = await verifyReproducible(dir);
    expect(r.reproducible).toBe(true);
    expect(r.tarballs[0]).toBe(r.tarballs[1]);
    expect(r.differences).toEqual([]);
  });

  it('names the file that differs between two builds', { timeout: 120_000 }, async () => {
    const dir = pkg('nondet', "writeFileSync('dist/index.js', 'export const x = 1;\\n');\nwriteFileSync('dist/stamp.js', 'export const s = ' + Math.random() + ';\\n');");
    const r = await verifyReproducible(dir);
    expect(r.reproducible).toBe(false);
    expect(r.differences.map((d) => d.file)).toEqual(['package/dist/stamp.js']);
  });
});
