import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLock, pinPackage, readLock } from './lockfile.js';
import { movingAliasReason } from './model-id.js';
import { PROMPT_TEMPLATE_HASH } from './prompt-template.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo() {
  const root = mkdtempSync(join(tmpdir(), 'genops-lock-'));
  dirs.push(root);
  const pkgDir = join(root, 'packages', 'p');
  mkdirSync(join(pkgDir, 'src'), { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@t/p', version: '1.0.0' }));
  writeFileSync(join(pkgDir, 'src', 'index.ts'), 'export const x = 1;\n');
  writeFileSync(join(root, 'spec.md'), '# spec\n');
  const lockFile = join(root, 'genops.lock');
  const pin = (model = 'gpt-4o-2024-08-06') =>
    pinPackage({ root, lockFile, pkgDir, specFile: join(root, 'spec.md'), provider: 'openai', model, temperature: 0, seed: 1 });
  const check = () => checkLock(root, lockFile, new Map([['@t/p', pkgDir]]));
  return { root, pkgDir, lockFile, pin, check };
}

describe('model ids', () => {
  it.each([
    ['gpt-4o-2024-08-06', true],
    ['claude-sonnet-4-20250514', true],
    ['claude-3-5-sonnet-20241022', true],
    ['gpt-4-0613', true],
    ['qwen2.5-coder@sha256:0123456789abcdef0123', true],
    ['gpt-4o', false],
    ['claude-sonnet-4-latest', false],
    ['llama3:latest', false],
    ['gemini-2.0-flash-exp', false],
  ])('%s pinned=%s', (id, pinned) => {
    expect(movingAliasReason(id) === undefined).toBe(pinned);
  });
  it('honours the configured alias and allow lists', () => {
    expect(movingAliasReason('gpt-4o-2024-08-06', { movingAliases: ['gpt-4o-*'] })).toContain('listed as a moving alias');
    expect(movingAliasReason('local-coder', { allowModels: ['local-*'] })).toBeUndefined();
  });
});

describe('genops.lock', () => {
  it('pins provider, dated model, sampling, tokenizer, template, spec and sources', () => {
    const r = repo();
    r.pin();
    const entry = readLock(r.lockFile).packages['@t/p'];
    expect(entry).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      sampling: { temperature: 0, seed: 1, maxTokens: 16000 },
      tokenizer: { name: 'gpt-tokenizer', encoding: 'o200k_base', version: expect.stringMatching(/^\d+\.\d+\.\d+/u) },
      promptTemplate: { hash: PROMPT_TEMPLATE_HASH },
      spec: { path: 'spec.md', hash: expect.stringMatching(/^sha256:/u) },
      sources: { files: 2 },
    });
    expect(r.check()).toEqual([{ package: '@t/p', ok: true, problems: [] }]);
  });

  it('refuses moving aliases', () => {
    expect(() => repo().pin('gpt-4o')).toThrow(/no date or digest/u);
  });

  it('fails when the code or the spec moved after generation', () => {
    const r = repo();
    r.pin();
    writeFileSync(join(r.pkgDir, 'src', 'index.ts'), 'export const x = 2;\n');
    writeFileSync(join(r.root, 'spec.md'), '# spec v2\n');
    const [res] = r.check();
    expect(res?.ok).toBe(false);
    expect(res?.problems.join('\n')).toMatch(/sources changed since generation[\s\S]*spec spec.md changed/u);
  });

  it('fails when the lock names another spec or model than the configuration', () => {
    const r = repo();
    r.pin();
    const [res] = checkLock(r.root, r.lockFile, new Map([['@t/p', r.pkgDir]]), {}, { '@t/p': { spec: 'specs/p.md', model: 'claude-sonnet-4-20250514' } });
    expect(res?.problems).toEqual([
      'lock was generated from spec spec.md, config says specs/p.md: regenerate',
      'lock pins model gpt-4o-2024-08-06, config says claude-sonnet-4-20250514: regenerate and re-pin',
    ]);
  });

  it('rejects an invalid lock file with INVALID_CONFIG', () => {
    const r = repo();
    writeFileSync(r.lockFile, JSON.stringify({ lockfileVersion: 1, packages: { '@t/p': { provider: 'openai' } } }));
    expect(() => readLock(r.lockFile)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
