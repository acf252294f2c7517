import { describe, expect, it, vi } from 'vitest';
import { takesContext } from './handler-arity.js';

/* eslint-disable prefer-rest-params, @typescript-eslint/no-implied-eval -- functions built from source text are the point: their parameter lists are what is read */
describe('takesContext', () => {
  it('is false for handlers that declare one parameter or none', () => {
    expect(takesContext(() => undefined)).toBe(false);
    expect(takesContext((p: unknown) => p)).toBe(false);
    expect(takesContext(async (p: unknown) => p)).toBe(false);
    expect(takesContext(({ id }: { id: string }) => id)).toBe(false);
    expect(takesContext(function named(p: unknown) {
      return p;
    })).toBe(false);
    expect(takesContext(new Function('p', 'return p') as (p: unknown) => unknown)).toBe(false);
    // One parameter whose default holds a comma in a string: still one parameter.
    expect(takesContext((p = ',') => p)).toBe(false);
    const obj = {
      handle(p: unknown): unknown {
        return p;
      },
    };
    expect(takesContext(obj.handle)).toBe(false);
  });

  it('is true whenever the second argument may be read', () => {
    expect(takesContext((_p: unknown, ctx: unknown) => ctx)).toBe(true);
    expect(takesContext((_p: unknown, ...rest: unknown[]) => rest)).toBe(true);
    expect(takesContext((_p: unknown, ctx: unknown = {}) => ctx)).toBe(true);
    expect(takesContext(({ id }: { id: string }, ...rest: unknown[]) => [id, rest])).toBe(true);
    expect(takesContext((...args: unknown[]) => args)).toBe(true);
    expect(takesContext(function (this: unknown, _p: unknown) {
      return arguments[1];
    })).toBe(true);
    // Source hidden: bound and native functions are given the context.
    expect(takesContext(((p: unknown) => p).bind(null))).toBe(true);
    expect(takesContext(console.log)).toBe(true);
    // Test doubles forward every argument: vi.fn() is `function(...args)`.
    expect(takesContext(vi.fn())).toBe(true);
    expect(takesContext(vi.fn((p: unknown) => p))).toBe(true);
    // Unreadable with certainty (escaped quote, comment, template): given the context.
    expect(takesContext(new Function('p = "\\",", q', 'return q') as () => unknown)).toBe(true);
    expect(takesContext(new Function('p /* , q */', 'return p') as () => unknown)).toBe(true);
  });
});
