import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsGuard } from './fs-guard.js';
import type { FsGuard } from './fs-guard.js';

describe('fs guard', () => {
  let root: string;
  let guard: FsGuard;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'cellular-fsguard-'));
    mkdirSync(join(root, 'in', 'sub'), { recursive: true });
    mkdirSync(join(root, 'out'));
    writeFileSync(join(root, 'secret'), 's');
    writeFileSync(join(root, 'in', 'a.txt'), 'A');
    symlinkSync(join(root, 'in', 'a.txt'), join(root, 'in', 'sub', 'inner-link'));
    symlinkSync(join(root, 'secret'), join(root, 'in', 'outer-link'));
    guard = createFsGuard({ read: [join(root, 'in')], write: [join(root, 'out')], maxFileBytes: 8 }, root);
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('reads inside the grant, relative or absolute, and follows symlinks that stay inside', async () => {
    expect(await guard.readFile('in/a.txt', 'utf8')).toBe('A');
    expect(await guard.readFile(join(root, 'in', 'sub', 'inner-link'), 'utf8')).toBe('A');
    expect(await guard.readdir('in')).toEqual(expect.arrayContaining(['a.txt', 'sub']));
  });

  it('refuses traversal before touching the disk', async () => {
    await expect(guard.readFile('in/../secret')).rejects.toMatchObject({ code: 'SANDBOX_VIOLATION', data: { reason: 'fs-outside-grant' } });
    await expect(guard.readFile('in-other/x')).rejects.toMatchObject({ data: { reason: 'fs-outside-grant' } });
  });

  it('refuses a symlink out of the grant', async () => {
    await expect(guard.readFile('in/outer-link')).rejects.toMatchObject({ data: { reason: 'fs-symlink' } });
  });

  it('writes inside the write grant only, within the size cap', async () => {
    await guard.writeFile('out/b.txt', 'hello');
    expect(readFileSync(join(root, 'out', 'b.txt'), 'utf8')).toBe('hello');
    await expect(guard.writeFile('in/c.txt', 'x')).rejects.toMatchObject({ data: { reason: 'fs-outside-grant' } });
    await expect(guard.writeFile('out/big.txt', '123456789')).rejects.toMatchObject({ data: { reason: 'fs-too-large' } });
  });

  it('reports a missing file as NOT_FOUND', async () => {
    await expect(guard.readFile('in/missing.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
