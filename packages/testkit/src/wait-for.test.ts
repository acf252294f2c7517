import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : false), { interval: 1 })).resolves.toBe(3);
  });
  it('treats a throwing predicate as not yet and reports its last error at the deadline', async () => {
    await expect(waitFor(() => { throw new Error('boom'); }, { timeout: 30, interval: 5, message: 'never' })).rejects.toThrow(/never.*boom/u);
  });
  it('accepts async predicates', async () => {
    await expect(waitFor(async () => 'yes')).resolves.toBe('yes');
  });
});
