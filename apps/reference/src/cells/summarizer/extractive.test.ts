import { describe, expect, it } from 'vitest';
import { extractiveSummary, splitSentences } from './extractive.js';

const TEXT = `The cellular monolith
A cellular monolith is one modular process whose cells talk only over a typed in-memory bus.
Risky work runs in sandboxed peripheries, outside the trusted core. The weather was nice that day and nobody cared.
A single hardened gateway is the only way in. Cells of the monolith move to NATS only when a trigger fires for the monolith.`;

describe('extractive summary', () => {
  it('splits sentences on punctuation and line breaks, never joining a heading to a sentence', () => {
    const s = splitSentences(TEXT);
    expect(s[0]).toBe('A cellular monolith is one modular process whose cells talk only over a typed in-memory bus.');
    expect(s).toContain('A single hardened gateway is the only way in.');
  });

  it('keeps the most representative sentences in their original order, within the limits', () => {
    const summary = extractiveSummary(TEXT, 2, 400);
    expect(summary.length).toBeLessThanOrEqual(400);
    expect(summary).toContain('monolith');
    expect(summary).not.toContain('weather');
    const a = summary.indexOf('A cellular monolith');
    const b = summary.indexOf('Cells of the monolith');
    if (a >= 0 && b >= 0) expect(a).toBeLessThan(b);
  });

  it('is deterministic and handles text without sentences', () => {
    expect(extractiveSummary(TEXT)).toBe(extractiveSummary(TEXT));
    expect(extractiveSummary('just a few words')).toBe('just a few words');
    expect(extractiveSummary('')).toBe('');
  });
});
