import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCell } from '@cellular/core';
import { countTokens, measureCodebase } from './codebase.js';
import { main, runCheck } from './check.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cellular-codebase-'));
  await mkdir(join(root, 'packages', 'small', 'src'), { recursive: true });
  await mkdir(join(root, 'packages', 'small', 'node_modules', 'dep'), { recursive: true });
  await writeFile(join(root, 'packages', 'small', 'src', 'index.ts'), 'export const answer = 42;\n');
  await writeFile(join(root, 'packages', 'small', 'node_modules', 'dep', 'huge.js'), 'x'.repeat(3_000_000));
  await mkdir(join(root, 'packages', 'big', 'src'), { recursive: true });
  // A generated package just over 2 MB of real-looking code.
  const line = 'export function handler(input: { id: string; count: number }): number { return input.count * 2; }\n';
  await writeFile(join(root, 'packages', 'big', 'src', 'gen.ts'), line.repeat(Math.ceil(2_100_000 / line.length)));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('codebase measurement', () => {
  it('counts tokens with a real tokenizer', async () => {
    expect(await countTokens('hello world')).toBe(2);
    expect(await countTokens('hello world', 'cl100k_base')).toBe(2);
  });

  it('measures bytes and tokens per unit and skips node_modules', async () => {
    const report = await measureCodebase({ root });
    const small = report.units.find((u) => u.name === 'packages/small')!;
    expect(small).toMatchObject({ files: 1, bytes: 26 });
    expect(small.tokens).toBeGreaterThan(5);
    const big = report.units.find((u) => u.name === 'packages/big')!;
    expect(big.bytes).toBeGreaterThan(2_000_000);
    expect(report.totalBytes).toBe(small.bytes + big.bytes);
  });

  it('fires the 2 MB and 500 KB triggers from a generated large package, and the fact triggers', async () => {
    const cells = [defineCell({ name: 'runner', facts: { untrusted: true } }), defineCell({ name: 'library' })];
    const result = await runCheck({ root, cells, contextWindowTokens: 200_000 });
    const firing = result.rows.filter((r) => r.state === 'firing').map((r) => `${r.rule}/${r.scope}`);
    expect(firing).toEqual(expect.arrayContaining(['codebase-large/', 'codebase-large/packages/big', 'codebase-warning/packages/big', 'untrusted-code/runner']));
    expect(firing).not.toContain('codebase-large/packages/small');
    expect(firing).not.toContain('untrusted-code/library');
    expect(result.exitCode).toBe(1);
    expect(result.table).toMatch(/FIRING\s+critical\s+codebase-large\s+packages\/big/u);
  });

  it('passes (exit 0) on a small codebase and prints the table', async () => {
    let out = '';
    const code = await main(['check', '--root', join(root, 'packages', 'small')], (s) => (out += s));
    expect(code).toBe(0);
    expect(out).toContain('No trigger fires');
    expect(out).toContain('codebase-warning');
  });

  it('exits 2 with usage on bad arguments', async () => {
    let out = '';
    expect(await main(['check', '--fail-on', 'sometimes'], (s) => (out += s))).toBe(2);
    expect(out).toContain('--fail-on takes');
    expect(await main(['nope'], () => undefined)).toBe(2);
  });
});
