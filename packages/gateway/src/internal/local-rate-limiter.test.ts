import { describe, expect, it } from 'vitest';
import { LocalRateLimiter } from './local-rate-limiter.js';

describe('LocalRateLimiter', () => {
  it('allows max per window per key, reports retry-after, and resets', () => {
    let now = 0;
    const l = new LocalRateLimiter(2, 10_000, { now: () => now });
    expect(l.hit('a').exceeded).toBe(false);
    expect(l.hit('a').exceeded).toBe(false);
    expect(l.hit('a')).toEqual({ exceeded: true, retryAfterSec: 10 });
    expect(l.hit('b').exceeded).toBe(false);
    now = 9_500;
    expect(l.hit('a')).toEqual({ exceeded: true, retryAfterSec: 1 });
    now = 10_000;
    expect(l.hit('a').exceeded).toBe(false);
  });

  it('keeps memory bounded under many keys', () => {
    const l = new LocalRateLimiter(1, 60_000, { maxKeys: 100, now: () => 0 });
    for (let i = 0; i < 10_000; i++) l.hit(`k${i}`);
    // The most recent key still has its window; the oldest were evicted.
    expect(l.hit('k9999').exceeded).toBe(true);
    expect(l.hit('k0').exceeded).toBe(false);
  });
});
