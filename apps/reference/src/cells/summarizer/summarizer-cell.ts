/**
 * The summarizer cell: answers Summarise. With a model provider configured (genops' provider interface,
 * pinned model) it asks the model; otherwise, or when the model fails, it falls back to the offline
 * extractive summary, so the app always works without network access or keys.
 */
import { CellularError, defineCell } from '@cellular/core';
import { Summarise } from '../../contracts.js';
import { extractiveSummary } from './extractive.js';

export { genopsSummaryFromEnv } from './genops-summary.js';
export type { GenopsSummary } from './genops-summary.js';

/** A model call the summarizer may use: returns the summary text. */
export type SummaryModel = (input: { title: string; text: string }) => Promise<string>;

/** Options for {@link summarizerCell}. */
export interface SummarizerOptions {
  /** Model-backed summary; when absent or failing, the extractive summary is used. */
  readonly model?: SummaryModel;
  /**
   * Name of the model for the `method` field: a summary's method is `model:<name>`, `extractive` (no
   * model configured) or `extractive:fallback:<error code>` (the model failed, e.g. BUDGET_EXCEEDED).
   */
  readonly modelName?: string;
}

/** The summarizer cell. */
export function summarizerCell(options: SummarizerOptions = {}) {
  return defineCell({
    name: 'summarizer',
    description: 'Summaries: pinned model when configured, offline extractive otherwise',
    handles: [Summarise],
    start: ({ bus, logger }) => {
      bus.handle(Summarise, async ({ title, text }) => {
        if (options.model) {
          let reason = 'EMPTY_ANSWER';
          try {
            const summary = (await options.model({ title, text: text.slice(0, 20_000) })).trim();
            if (summary) return { summary, method: `model:${options.modelName ?? 'configured'}` };
          } catch (e) {
            reason = e instanceof CellularError ? e.code : 'ERROR';
            logger.warn('model summary failed; using the extractive fallback', { error: (e as Error).message, reason });
          }
          // The document records where its summary came from, including why the model was not used.
          return { summary: extractiveSummary(text), method: `extractive:fallback:${reason}` };
        }
        return { summary: extractiveSummary(text), method: 'extractive' };
      });
    },
  });
}
