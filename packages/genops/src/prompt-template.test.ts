import { describe, expect, it } from 'vitest';
import { parseFiles, PROMPT_TEMPLATE_HASH, renderPrompt } from './prompt-template.js';

const input = { spec: '# spec', contracts: { 'index.d.ts': 'export declare const x: 1;' }, tests: { 'test/a.test.ts': 'test()' }, sources: { 'src/index.ts': 'export const x = 1;' } };

describe('prompt template', () => {
  it('sends sources only in patch mode', () => {
    const regen = renderPrompt({ ...input, mode: 'regenerate' })[1]!.content;
    const patch = renderPrompt({ ...input, mode: 'patch' })[1]!.content;
    expect(regen).toContain('=== FILE: index.d.ts ===');
    expect(regen).toContain('=== FILE: test/a.test.ts ===');
    expect(regen).not.toContain('export const x = 1;');
    expect(patch).toContain('=== FILE: src/index.ts ===\nexport const x = 1;');
    expect(patch).toContain('patch: change as little as possible');
  });

  it('is deterministic and hashed', () => {
    expect(renderPrompt({ ...input, mode: 'regenerate' })).toEqual(renderPrompt({ ...input, mode: 'regenerate' }));
    expect(PROMPT_TEMPLATE_HASH).toMatch(/^sha256:[0-9a-f]{64}$/u);
  });

  it('parses answer files and drops paths that escape the package', () => {
    const answer = '=== FILE: src/a.ts ===\nexport const a = 1;\n=== END FILE ===\n=== FILE: ../evil.ts ===\nx\n=== END FILE ===\n=== FILE: /etc/passwd ===\nx\n=== END FILE ===';
    expect(parseFiles(answer)).toEqual({ 'src/a.ts': 'export const a = 1;\n' });
  });
});
