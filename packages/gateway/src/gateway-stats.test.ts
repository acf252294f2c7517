import { describe, expect, it } from 'vitest';
import { GatewayStats } from './gateway-stats.js';

describe('GatewayStats', () => {
  it('counts distinct principals in a sliding window', () => {
    let now = 0;
    const s = new GatewayStats({ windowMs: 1000, clock: { now: () => now } });
    s.seen('a');
    s.seen('b');
    now = 600;
    s.seen('a');
    expect(s.snapshot().concurrentUsers).toBe(2);
    now = 1500;
    expect(s.snapshot().concurrentUsers).toBe(1);
    now = 3000;
    expect(s.snapshot().concurrentUsers).toBe(0);
    for (let i = 1; i <= 100; i++) s.request(i, i === 100 ? 500 : 200);
    expect(s.snapshot().latencyMs).toMatchObject({ samples: 100, p50: 51, p99: 100, max: 100 });
    expect(s.snapshot().serverErrors).toBe(1);
  });
});
