import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue } from './deadline-queue.js';

describe('DeadlineQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires entries in deadline order with one timer, and never fires cancelled ones', () => {
    vi.useFakeTimers();
    const q = new DeadlineQueue(5, () => Date.now());
    const fired: string[] = [];
    q.schedule(300, { onExpire: () => fired.push('c') });
    q.schedule(100, { onExpire: () => fired.push('a') });
    const b = { onExpire: () => fired.push('b') };
    const bSlot = q.schedule(200, b);
    q.schedule(200, { onExpire: () => fired.push('b2') });
    expect(vi.getTimerCount()).toBe(1);
    q.unschedule(bSlot, b);
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(300);
    expect(fired).toEqual(['a', 'b2', 'c']);
    expect(q.size).toBe(0);
  });

  it('clear() drops everything', () => {
    vi.useFakeTimers();
    const q = new DeadlineQueue();
    const fn = vi.fn();
    q.schedule(10, { onExpire: fn });
    q.clear();
    vi.advanceTimersByTime(100);
    expect(fn).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
