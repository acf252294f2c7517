/**
 * The offline summary: classic frequency-based extractive summarisation. Sentences are scored by the
 * document frequency of their content words (stop words removed), normalised by length, and the best
 * few are returned in their original order. Deterministic, dependency-free, instant — the fallback that
 * makes the app work without any model configured.
 */
const STOP = new Set(
  'a an and are as at be been but by for from has have he her his i if in into is it its of on or our she so than that the their them then there these they this to was we were what when which who will with you your not no can do does did just also more most other some such only own same very about after before over under again further once here all any both each few out up down off than too s t'.split(
    ' ',
  ),
);

/** Split text into sentences (keeps reasonable lengths only). */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+/u)
    .flatMap((line) => line.replace(/\s+/gu, ' ').split(/(?<=[.!?])\s+(?=[A-Z0-9"“'(])/u))
    .map((s) => s.trim())
    // Headings and navigation have no sentence punctuation: keep a line only if it ends like a sentence
    // or is long enough to be prose.
    .filter((s) => s.length >= 20 && s.length <= 600 && (/[.!?…"”')]$/u.test(s) || s.length > 80));
}

const words = (s: string): string[] => (s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).filter((w) => w.length > 2 && !STOP.has(w));

/** Summarise `text` in at most `maxSentences` sentences (default 3) and `maxChars` characters (default 600). */
export function extractiveSummary(text: string, maxSentences = 3, maxChars = 600): string {
  const sentences = splitSentences(text);
  if (sentences.length === 0) return text.trim().slice(0, maxChars);
  const freq = new Map<string, number>();
  for (const s of sentences) for (const w of new Set(words(s))) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = sentences.map((s, i) => {
    const ws = words(s);
    const score = ws.length === 0 ? 0 : ws.reduce((acc, w) => acc + (freq.get(w) ?? 0), 0) / Math.sqrt(ws.length);
    return { s, i, score: score + (i === 0 ? 0.5 : 0) };
  });
  const best = [...scored].sort((a, b) => b.score - a.score || a.i - b.i).slice(0, maxSentences).sort((a, b) => a.i - b.i);
  let out = '';
  for (const { s } of best) {
    if (out.length + s.length + 1 > maxChars) break;
    out += (out ? ' ' : '') + s;
  }
  return out || best[0]!.s.slice(0, maxChars);
}
