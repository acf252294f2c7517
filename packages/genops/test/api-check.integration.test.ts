import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkApi, snapshotApi } from '../src/api-baseline.js';
import { main } from '../src/cli.js';

// The package lives under packages/genops so that zod and @cellular/core resolve from its node_modules.
const work = mkdtempSync(join(import.meta.dirname, '.tmp-api-'));
const pkgDir = join(work, 'pkg');
const changesets = join(work, '.changeset');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const source = (extra: string, schema = 'z.object({ id: z.string() })', version = 1) => `import { z } from 'zod';
import { defineContract } from '@cellular/core';
export interface Options { readonly timeout?: number }
export function connect(url: string, options?: Options): string { return url + String(options?.timeout ?? 0); }
export const Placed = defineContract({ name: 'orders.placed', subject: 'orders.placed', version: ${version}, kind: 'event', schema: ${schema} });
${extra}
`;
const write = (text: string) => writeFileSync(join(pkgDir, 'src', 'index.ts'), text);
const changeset = (bump: string) => writeFileSync(join(changesets, `c-${bump}.md`), `---\n"@t/api": ${bump}\n---\n\nchange\n`);
const io = () => {
  const out: string[] = [];
  return { out, io: { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s), cwd: work } };
};

mkdirSync(join(pkgDir, 'src'), { recursive: true });
mkdirSync(changesets);
writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@t/api', version: '1.0.0', type: 'module', exports: { '.': { '@cellular/source': './src/index.ts' } } }));
write(source(''));

describe('API baseline and changeset check', () => {
  it('snapshots declarations and contract schemas, and a clean tree passes', { timeout: 120_000 }, async () => {
    const files = await snapshotApi(pkgDir);
    expect(files.map((f) => f.slice(pkgDir.length))).toEqual(['/api/public-api.json', '/api/contracts.json']);
    const api = JSON.parse(readFileSync(files[0]!, 'utf8')) as { exports: string[]; files: Record<string, string> };
    expect(api.exports).toEqual(['Options', 'Placed', 'connect']);
    expect(api.files['index.d.ts']).toContain('export declare function connect(url: string, options?: Options): string;');
    const contracts = JSON.parse(readFileSync(files[1]!, 'utf8')) as { contracts: { name: string; payload: { input: unknown } }[] };
    expect(contracts.contracts[0]).toMatchObject({ name: 'orders.placed', payload: { input: { required: ['id'] } } });
    const r = await checkApi(pkgDir, { changesetDir: changesets });
    expect(r).toMatchObject({ ok: true, required: 'none', declared: 'none' });
  });

  it('fails when the diff needs more than the changesets declare, passes once they do', { timeout: 120_000 }, async () => {
    write(source('export function close(): void {}'));
    const r = await checkApi(pkgDir, { changesetDir: changesets });
    expect(r.ok).toBe(false);
    expect(r.required).toBe('minor');
    expect(r.problems[0]).toContain('requires a minor bump but pending changesets declare nothing');
    changeset('patch');
    expect((await checkApi(pkgDir, { changesetDir: changesets })).ok).toBe(false);
    changeset('minor');
    expect(await checkApi(pkgDir, { changesetDir: changesets })).toMatchObject({ ok: true, declared: 'minor' });
  });

  it('fails a breaking contract change without a version bump even with a major changeset', { timeout: 120_000 }, async () => {
    changeset('major');
    write(source('export function close(): void {}', 'z.object({ id: z.string(), qty: z.number() })'));
    const r = await checkApi(pkgDir, { changesetDir: changesets });
    expect(r.ok).toBe(false);
    expect(r.report.contracts[0]).toMatchObject({ contract: 'orders.placed', payload: 'FORWARD', bump: 'major', breaking: true });
    expect(r.problems[0]).toContain('without a version bump');
    write(source('export function close(): void {}', 'z.object({ id: z.string(), qty: z.number() })', 2));
    expect(await checkApi(pkgDir, { changesetDir: changesets })).toMatchObject({ ok: true, required: 'major' });
  });

  it('the CLI exits 1 on a failing check and 2 on bad usage', { timeout: 120_000 }, async () => {
    rmSync(join(changesets, 'c-major.md'));
    rmSync(join(changesets, 'c-minor.md'));
    write(source('', 'z.object({ id: z.string() })', 1).replace('readonly timeout?: number', 'readonly timeout: number'));
    const a = io();
    expect(await main(['api', 'check', 'pkg'], a.io)).toBe(1);
    expect(a.out.join('')).toContain('property timeout became required in a type used as input');
    const b = io();
    expect(await main(['api', 'nope', 'pkg'], b.io)).toBe(2);
  });
});

describe('0.x versions', () => {
  it('require one level less unless strictZero', { timeout: 120_000 }, async () => {
    writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@t/api', version: '0.3.0', type: 'module', exports: { '.': { '@cellular/source': './src/index.ts' } } }));
    for (const f of ['c-patch.md', 'c-minor.md', 'c-major.md']) rmSync(join(changesets, f), { force: true });
    changeset('minor');
    // still the breaking change of the previous test (timeout became required): major under semver
    const r = await checkApi(pkgDir, { changesetDir: changesets });
    expect(r.report.bump).toBe('major');
    expect(r).toMatchObject({ required: 'minor', ok: true });
    expect(r.convention).toBe('zero-shifted');
    const strict = await checkApi(pkgDir, { changesetDir: changesets, strictZero: true });
    expect(strict).toMatchObject({ required: 'major', convention: 'semver', ok: false });
  });

  it('the CLI takes strictZero from genops.config.json or --strict-zero', { timeout: 120_000 }, async () => {
    const a = io();
    expect(await main(['api', 'check', 'pkg'], a.io)).toBe(0);
    expect(a.out.join('')).toContain('required minor under the 0.x convention, declared minor');
    const b = io();
    expect(await main(['api', 'check', 'pkg', '--strict-zero'], b.io)).toBe(1);
    expect(b.out.join('')).toContain('requires a major bump but pending changesets declare minor');
    writeFileSync(join(work, 'genops.config.json'), JSON.stringify({ strictZero: true }));
    try {
      const c = io();
      expect(await main(['api', 'check', 'pkg'], c.io)).toBe(1);
      expect(c.out.join('')).toContain('requires a major bump but pending changesets declare minor');
    } finally {
      rmSync(join(work, 'genops.config.json'));
    }
  });
});
