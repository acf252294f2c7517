import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diffApi } from '../src/semantic-diff.js';
import { diffContracts, snapshotContracts } from '../src/contract-compat.js';
import { buildDiffReport, exportBumps } from '../src/diff-report.js';

interface Expected {
  heldOut?: boolean;
  rule: string;
  bump: string;
  changes: { export: string; bump: string }[];
}

const corpusDir = join(import.meta.dirname, 'corpus');
const cases = readdirSync(corpusDir).sort();

function tree(dir: string, side: 'before' | 'after') {
  const files: Record<string, string> = { 'index.ts': readFileSync(join(dir, `${side}.ts`), 'utf8') };
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.ts') && f !== 'before.ts' && f !== 'after.ts') files[f] = readFileSync(join(dir, f), 'utf8');
  }
  return { files, entry: 'index.ts' };
}

async function classify(name: string) {
  const dir = join(corpusDir, name);
  const before = tree(dir, 'before');
  const after = tree(dir, 'after');
  const usesZod = before.files['index.ts']!.includes("from 'zod'");
  let contracts: ReturnType<typeof diffContracts> = [];
  const skip: string[] = [];
  if (usesZod) {
    const b = (await import(pathToFileURL(join(dir, 'before.ts')).href)) as Record<string, unknown>;
    const a = (await import(pathToFileURL(join(dir, 'after.ts')).href)) as Record<string, unknown>;
    const sb = snapshotContracts(b);
    const sa = snapshotContracts(a);
    contracts = diffContracts(sb, sa);
    skip.push(...sb.map((c) => c.exportName), ...sa.map((c) => c.exportName));
  }
  const api = diffApi(before, after, { baseDir: dir, skipExports: skip });
  return buildDiffReport(api, contracts, skip);
}

describe('semantic diff corpus', () => {
  it('has at least 60 cases, each with an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const c of cases) expect(existsSync(join(corpusDir, c, 'expected.json'))).toBe(true);
  });

  it('classifies the corpus with >= 99% precision and >= 95% recall', { timeout: 120_000 }, async () => {
    let tp = 0;
    let predicted = 0;
    let expectedCount = 0;
    const held = { tp: 0, predicted: 0, expected: 0, cases: 0 };
    let bumpMatches = 0;
    const misses: string[] = [];
    for (const name of cases) {
      const expected = JSON.parse(readFileSync(join(corpusDir, name, 'expected.json'), 'utf8')) as Expected;
      const report = await classify(name);
      const got = exportBumps(report);
      const want = new Map(expected.changes.map((c) => [c.export, c.bump]));
      predicted += got.size;
      expectedCount += want.size;
      if (expected.heldOut === true) {
        held.cases++;
        held.predicted += got.size;
        held.expected += want.size;
        for (const [exp, bump] of got) if (want.get(exp) === bump) held.tp++;
      }
      for (const [exp, bump] of got) {
        if (want.get(exp) === bump) tp++;
        else misses.push(`${name}: predicted ${exp}=${bump}, expected ${want.get(exp) ?? 'no change'} :: ${JSON.stringify([...report.api, ...report.contracts].filter((c) => ('export' in c ? c.export : c.exportName) === exp).map((c) => c.reason).slice(0, 3))}`);
      }
      for (const [exp, bump] of want) if (got.get(exp) !== bump && !got.has(exp)) misses.push(`${name}: missed ${exp}=${bump}`);
      if (report.bump === expected.bump) bumpMatches++;
      else misses.push(`${name}: overall bump ${report.bump}, expected ${expected.bump}`);
    }
    const precision = predicted === 0 ? 1 : tp / predicted;
    const recall = expectedCount === 0 ? 1 : tp / expectedCount;
    console.log(
      `semantic diff corpus: ${cases.length} cases, ${expectedCount} expected classifications, ${predicted} predicted, ` +
        `precision ${(precision * 100).toFixed(1)}%, recall ${(recall * 100).toFixed(1)}%, overall bump exact ${bumpMatches}/${cases.length}`,
    );
    const pct = (n: number, d: number): string => (d === 0 ? '100.0' : ((n / d) * 100).toFixed(1));
    console.log(`held-out subset: ${held.cases} cases, precision ${pct(held.tp, held.predicted)}%, recall ${pct(held.tp, held.expected)}%`);
    if (misses.length > 0) console.log(misses.join('\n'));
    expect(precision).toBeGreaterThanOrEqual(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});
