/**
 * Turns zod failures into VALIDATION errors that name the field path and what was expected, so a bad
 * message is reported precisely and never reaches a handler.
 */
import type { z } from 'zod';
import { CellularError } from './errors.js';

/** One failed check: where, what was expected, and zod's message. */
export interface ValidationIssue {
  /** Dotted path to the field (`items.0.price`), or `(root)` for the value itself. */
  readonly path: string;
  /** zod's issue code (`invalid_type`, `too_small`, …). */
  readonly code: string;
  /** What was expected, when zod says (`string`, `number`, …). */
  readonly expected?: string;
  /** Human-readable message. */
  readonly message: string;
}

/** Format a zod path as `a.b.0.c`; `(root)` for the empty path. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.');
}

/** Convert zod issues into {@link ValidationIssue}s. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const out: { path: string; code: string; message: string; expected?: string } = {
      path: formatPath(issue.path),
      code: issue.code,
      message: issue.message,
    };
    const expected = (issue as { expected?: unknown }).expected;
    if (typeof expected === 'string') out.expected = expected;
    return out;
  });
}

/**
 * Parse `value` with `schema`, or throw a VALIDATION {@link CellularError} whose message names the
 * first failing path and whose `data.issues` lists all of them.
 * @param what what is being validated, for the message (`payload of orders.placed v1`)
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toValidationIssues(result.error);
  const first = issues[0];
  const where = first ? ` at "${first.path}": ${first.message}${first.expected ? ` (expected ${first.expected})` : ''}` : '';
  const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
  throw new CellularError('VALIDATION', `Invalid ${what}${where}${more}`, { data: { issues } });
}
