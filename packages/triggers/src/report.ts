/**
 * Plain-text tables for the CLI and for recommendations: what a human reads in CI logs.
 */
import type { Rule } from './rule.js';
import type { Transition } from './rule-engine.js';

/** One row of a check report. */
export interface CheckRow {
  readonly rule: string;
  readonly scope: string;
  readonly signal: string;
  readonly value: number | undefined;
  readonly condition: string;
  readonly severity: Rule['severity'];
  readonly state: 'firing' | 'ok';
}

const fmtValue = (signal: string, v: number | undefined): string => {
  if (v === undefined) return 'n/a';
  if (signal.endsWith('bytes')) return v >= 1e6 ? `${(v / 1e6).toFixed(2)} MB` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} KB` : `${v} B`;
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
};

/** Render rows as an aligned text table. */
export function formatTable(rows: readonly CheckRow[]): string {
  const header = ['STATE', 'SEVERITY', 'RULE', 'SCOPE', 'SIGNAL', 'VALUE', 'CONDITION'];
  const body = rows.map((r) => [
    r.state === 'firing' ? 'FIRING' : 'ok',
    r.severity,
    r.rule,
    r.scope || '-',
    r.signal,
    fmtValue(r.signal, r.value),
    r.condition,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Build check rows from the rules, the signals' values and the firing transitions. */
export function checkRows(rules: readonly Rule[], values: ReadonlyMap<string, number>, firing: readonly Transition[]): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const r of rules) {
    const scopes = [...values.keys()].filter((k) => k.startsWith(`${r.signal}\u0000`)).map((k) => k.split('\u0000')[1]!);
    for (const scope of scopes) {
      if (r.scope !== undefined && r.scope !== scope) continue;
      const isFiring = firing.some((t) => t.rule === r.name && t.scope === scope && t.to === 'firing');
      rows.push({
        rule: r.name,
        scope,
        signal: r.signal,
        value: values.get(`${r.signal}\u0000${scope}`),
        condition: `${r.op} ${fmtValue(r.signal, r.threshold)}`,
        severity: r.severity,
        state: isFiring ? 'firing' : 'ok',
      });
    }
  }
  return rows.sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1));
}
