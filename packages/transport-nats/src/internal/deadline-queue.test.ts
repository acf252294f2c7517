import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue, type DeadlineEntry } from './deadline-queue.js';

function entry(deadline: number, expired: string[], name: string): DeadlineEntry {
  return { deadline, done: false, expire: () => expired.push(name) };
}

describe('DeadlineQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires entries at their deadline, in deadline order across lanes', () => {
    const q = new DeadlineQueue();
    const expired: string[] = [];
    q.add(100, entry(100, expired, 'a100'));
    q.add(50, entry(50, expired, 'b50'));
    q.add(100, entry(110, expired, 'c110'));
    vi.advanceTimersByTime(49);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['b50']);
    vi.advanceTimersByTime(50);
    expect(expired).toEqual(['b50', 'a100']);
    vi.advanceTimersByTime(10);
    expect(expired).toEqual(['b50', 'a100', 'c110']);
  });

  it('skips entries that settled another way and marks expired ones done', () => {
    const q = new DeadlineQueue();
    const expired: string[] = [];
    const settled = entry(10, expired, 'settled');
    const open = entry(20, expired, 'open');
    q.add(10, settled);
    q.add(10, open);
    settled.done = true;
    vi.advanceTimersByTime(30);
    expect(expired).toEqual(['open']);
    expect(open.done).toBe(true);
  });

  it('clear() forgets everything without expiring', () => {
    const q = new DeadlineQueue();
    const expired: string[] = [];
    q.add(10, entry(10, expired, 'x'));
    q.clear();
    vi.advanceTimersByTime(100);
    expect(expired).toEqual([]);
  });

  it('keeps working across many entries (compaction)', () => {
    const q = new DeadlineQueue();
    const expired: string[] = [];
    const entries = Array.from({ length: 5000 }, (_, i) => entry(1000 + i, expired, String(i)));
    for (const e of entries) q.add(1000, e);
    for (const e of entries.slice(0, 3000)) e.done = true;
    vi.advanceTimersByTime(1000 + 3500);
    expect(expired).toHaveLength(501);
    expect(expired[0]).toBe('3000');
    vi.advanceTimersByTime(10_000);
    expect(expired).toHaveLength(2000);
  });
});
