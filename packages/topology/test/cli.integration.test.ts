// Runs the real `cellular` executable in a child process, as CI does: a TypeScript composition module,
// no build needed (the launcher re-executes itself under tsx with the @cellular/source condition).
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/cellular.js', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/library.ts', import.meta.url));

function cellular(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.CELLULAR_GRAPH_TSX;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cellular executable', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellular-bin-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the Mermaid diagram of a TypeScript composition', () => {
    const r = cellular('graph', fixture);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('flowchart LR\n')).toBe(true);
  });

  it('writes, checks and fails a stale check with exit code 1', async () => {
    const readme = join(dir, 'README.md');
    await writeFile(readme, '# x\n<!-- cellular-graph:t:start -->\n<!-- cellular-graph:t:end -->\n');
    expect(cellular('graph', fixture, '--check', readme, '--marker', 't').status).toBe(1);
    expect(cellular('graph', fixture, '--write', readme, '--marker', 't').status).toBe(0);
    expect(cellular('graph', fixture, '--check', readme, '--marker', 't').status).toBe(0);
    await writeFile(readme, (await readFile(readme, 'utf8')).replace('catalog', 'katalog'));
    const stale = cellular('graph', fixture, '--check', readme, '--marker', 't');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('is out of date');
  });
});
