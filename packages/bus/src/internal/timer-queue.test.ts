import { describe, expect, it } from 'vitest';
import { waitFor } from '@cellular/testkit';
import { Fifo } from './fifo.js';
import { TimerQueue } from './timer-queue.js';

describe('TimerQueue', () => {
  it('runs tasks in deadline order (ties in scheduling order) from one timer', async () => {
    const q = new TimerQueue({ now: () => Date.now() });
    const ran: string[] = [];
    const t0 = Date.now();
    q.schedule(t0 + 30, () => ran.push('c'));
    q.schedule(t0 + 10, () => ran.push('a'));
    q.schedule(t0 + 20, () => ran.push('b1'));
    q.schedule(t0 + 20, () => ran.push('b2'));
    q.schedule(t0 - 5, () => ran.push('past'));
    expect(q.size).toBe(5);
    await waitFor(() => ran.length === 5);
    expect(ran).toEqual(['past', 'a', 'b1', 'b2', 'c']);
    q.stop();
  });

  it('stop drops pending tasks', async () => {
    const q = new TimerQueue({ now: () => Date.now() });
    let ran = false;
    q.schedule(Date.now() + 5, () => { ran = true; });
    q.stop();
    q.schedule(Date.now(), () => { ran = true; });
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toBe(false);
    expect(q.size).toBe(0);
  });
});

describe('Fifo', () => {
  it('is first in, first out across compactions, and supports retain', () => {
    const f = new Fifo<number>();
    for (let i = 0; i < 5000; i++) f.push(i);
    for (let i = 0; i < 3000; i++) expect(f.shift()).toBe(i);
    expect(f.length).toBe(2000);
    expect(f.peek()).toBe(3000);
    f.retain((n) => n % 2 === 0);
    expect(f.length).toBe(1000);
    expect([...f].slice(0, 3)).toEqual([3000, 3002, 3004]);
    while (f.length > 0) f.shift();
    expect(f.shift()).toBeUndefined();
  });
});
