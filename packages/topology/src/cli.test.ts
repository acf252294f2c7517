import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { TopologySchema } from './topology-schema.js';

const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const library = join(fixtures, 'library.ts');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: fixtures });
  return { code, out, err };
}

describe('cellular graph (in process)', () => {
  let dir: string;
  let readme: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellular-graph-'));
    readme = join(dir, 'README.md');
    await writeFile(readme, await readFile(join(fixtures, 'README.fixture.md'), 'utf8'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints Mermaid by default, resolving the module against cwd', async () => {
    const r = await run('graph', 'library.ts');
    expect(r.code).toBe(0);
    expect(r.out.startsWith('flowchart LR\n')).toBe(true);
    expect(r.out).toContain('cell_loans -->|requests| contract_books_get');
  });

  it('prints JSON that the schema accepts', async () => {
    const r = await run('graph', library, '--format', 'json');
    expect(r.code).toBe(0);
    const parsed = TopologySchema.parse(JSON.parse(r.out));
    expect(parsed.name).toBe('library');
    // paths in grants are relative to the cwd, so the output is the same on every checkout
    expect(parsed.cells.find((c) => c.name === 'notifier')?.grants).toMatchObject({ fs: { read: ['templates'] } });
  });

  it('--write fills the markers and leaves the prose; --check then passes', async () => {
    const w = await run('graph', library, '--write', readme, '--marker', 'topology');
    expect(w.code).toBe(0);
    expect(w.out).toContain('updated');
    const text = await readFile(readme, 'utf8');
    expect(text.startsWith('# Library\n\nSome prose the generator must never touch.\n')).toBe(true);
    expect(text).toContain('```mermaid\nflowchart LR\n');
    expect(text.endsWith('<!-- cellular-graph:topology:end -->\n\nMore prose.\n')).toBe(true);

    const again = await run('graph', library, '--write', readme, '--marker', 'topology');
    expect(again.out).toContain('already up to date');
    expect(await readFile(readme, 'utf8')).toBe(text);

    const c = await run('graph', library, '--check', readme, '--marker', 'topology');
    expect(c.code).toBe(0);
    expect(c.out).toContain('is up to date');
  });

  it('writes the same block whichever directory it runs from', async () => {
    await run('graph', library, '--write', readme, '--marker', 'topology');
    const fromFixtures = await readFile(readme, 'utf8');
    let out = '';
    const code = await runCli(['graph', library, '--check', 'README.md', '--marker', 'topology'], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
      cwd: dir,
    });
    expect(out).toContain('is up to date');
    expect(code).toBe(0);
    expect(fromFixtures).not.toContain(dir);
  });

  it('--check fails with a diff and the fix command when the diagram is stale', async () => {
    await run('graph', library, '--write', readme, '--marker', 'topology');
    const text = await readFile(readme, 'utf8');
    await writeFile(readme, text.replace('cell_loans -->|requests| contract_books_get\n', ''));
    const c = await run('graph', library, '--check', readme, '--marker', 'topology');
    expect(c.code).toBe(1);
    expect(c.err).toContain('diagram "topology" is out of date');
    expect(c.err).toContain(`Run: cellular graph ${library} --write ${readme} --marker topology`);
    expect(c.err).toContain('+   cell_loans -->|requests| contract_books_get');
  });

  it('--check accepts a committed block with CRLF line endings', async () => {
    await run('graph', library, '--write', readme, '--marker', 'topology');
    await writeFile(readme, (await readFile(readme, 'utf8')).replace(/\n/gu, '\r\n'));
    expect((await run('graph', library, '--check', readme, '--marker', 'topology')).code).toBe(0);
  });

  it('--check fails on a freshly added, empty marker pair', async () => {
    const c = await run('graph', library, '--check', readme, '--marker', 'topology');
    expect(c.code).toBe(1);
  });

  it('--check and --write keep JSON blocks too', async () => {
    await run('graph', library, '--write', readme, '--marker', 'topology', '--format', 'json');
    expect(await readFile(readme, 'utf8')).toContain('```json\n{\n  "schemaVersion": 1,');
    expect((await run('graph', library, '--check', readme, '--marker', 'topology', '--format', 'json')).code).toBe(0);
    expect((await run('graph', library, '--check', readme, '--marker', 'topology')).code).toBe(1);
  });

  it('picks the export with --export and explains ambiguity', async () => {
    const ambiguous = await run('graph', 'two.ts');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toContain('exports several compositions (first, second); pick one with --export');
    const picked = await run('graph', 'two.ts', '--export', 'second', '--format', 'json');
    expect(picked.code).toBe(0);
    expect(JSON.parse(picked.out)).toMatchObject({ name: 'second' });
    const factory = await run('graph', 'two.ts', '--export', 'makeThird', '--format', 'json');
    expect(factory.code).toBe(0);
    expect(JSON.parse(factory.out)).toMatchObject({ name: 'third' });
    const wrong = await run('graph', 'library.ts', '--export', 'notAComposition');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('has no composition exported as "notAComposition"');
  });

  it('reports usage errors with exit code 2', async () => {
    expect((await run('draw', 'x.ts')).code).toBe(2);
    expect((await run('graph')).err).toContain('needs exactly one module');
    expect((await run('graph', library, '--format', 'svg')).err).toContain('--format must be one of mermaid, json');
    expect((await run('graph', library, '--write', readme)).err).toContain('--write needs --marker');
    expect((await run('graph', library, '--check', join(dir, 'missing.md'), '--marker', 'x')).err).toContain('Cannot read');
    expect((await run('graph', 'nope.ts')).err).toContain('Cannot import nope.ts');
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: cellular graph <module>');
  });
});
