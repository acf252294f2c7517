import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { createGreeterRepo } from './helpers/greeter-repo.js';

const repo = createGreeterRepo();
afterAll(() => rmSync(repo.root, { recursive: true, force: true }));

describe('genops diff between git refs', () => {
  it('classifies the change between a commit and the working tree, and between two commits', { timeout: 120_000 }, async () => {
    writeFileSync(join(repo.pkgDir, 'src/index.ts'), 'export interface GreetOptions { readonly punctuation?: string }\nexport function greet(name: string, options: GreetOptions = {}, times = 1): string { return name + String(options.punctuation) + String(times); }\n');
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s), cwd: repo.root };
    expect(await main(['diff', 'packages/greeter', '--from', 'HEAD', '--json'], io)).toBe(0);
    const report = JSON.parse(out.join('')) as { bump: string; api: { export: string; rule: string }[] };
    expect(report.bump).toBe('minor');
    expect(report.api).toEqual([expect.objectContaining({ export: 'greet', rule: 'param-optional-added' })]);
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', 'v2'], { cwd: repo.root });
    out.length = 0;
    expect(await main(['diff', 'packages/greeter', '--from', 'HEAD', '--to', 'HEAD~1'], io)).toBe(0);
    expect(out.join('')).toContain('| `greet` | changed | major | param-removed |');
  });
});
