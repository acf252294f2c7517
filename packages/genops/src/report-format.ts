/**
 * Human-readable renderings of diff reports (markdown for PR comments and READMEs), kept apart from
 * the data so the JSON stays the source of truth.
 */
import type { DiffReport } from './diff-report.js';

/** Render a diff report as a markdown section. */
export function formatDiffMarkdown(title: string, report: DiffReport): string {
  const lines = [`### ${title}`, '', `Required bump: **${report.bump}**`, ''];
  if (report.api.length === 0 && report.contracts.length === 0) {
    lines.push('No public API or contract change.');
    return lines.join('\n');
  }
  if (report.api.length > 0) {
    lines.push('| export | change | bump | rule | reason |', '|---|---|---|---|---|');
    for (const c of report.api) lines.push(`| \`${c.export}\` | ${c.kind} | ${c.bump} | ${c.rule} | ${c.reason.replaceAll('|', '\\|')} |`);
    lines.push('');
  }
  if (report.contracts.length > 0) {
    lines.push('| contract | change | payload | response | bump | reason |', '|---|---|---|---|---|---|');
    for (const c of report.contracts) {
      lines.push(`| \`${c.contract}\` | ${c.kind} | ${c.payload ?? '-'} | ${c.response ?? '-'} | ${c.bump} | ${c.reason.replaceAll('|', '\\|')} |`);
    }
    lines.push('');
  }
  for (const v of report.violations) lines.push(`- **violation**: ${v}`);
  return lines.join('\n');
}
