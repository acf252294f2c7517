/**
 * Polling with a deadline instead of fixed sleeps: a conformance check against a real broker waits
 * exactly as long as the broker needs and fails with a clear message when the deadline passes.
 */

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms. Defaults to 5000 ms. */
  readonly timeout?: number;
  /** Poll interval in ms. Defaults to 10 ms. */
  readonly interval?: number;
  /** Text of the error thrown when the deadline passes. Defaults to a generic message. */
  readonly message?: string | (() => string);
}

/** Resolves after `ms` milliseconds. Use only for quiet periods (proving something did NOT happen). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `predicate` until it returns a truthy value (or a promise of one) and return that value.
 * A throwing predicate counts as "not yet"; its last error is reported if the deadline passes.
 * @throws Error when the deadline passes
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 5000;
  const interval = options.interval ?? 10;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false && value !== 0 && value !== '') return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const msg = typeof options.message === 'function' ? options.message() : (options.message ?? 'condition not met');
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor timed out after ${timeout} ms: ${msg}${suffix}`, { cause: lastError });
    }
    await sleep(interval);
  }
}
