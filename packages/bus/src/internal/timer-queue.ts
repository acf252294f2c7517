/**
 * One timer for many deadlines. Durable consumers need a deadline per in-flight message (ack wait)
 * and per nacked message (redelivery delay); a `setTimeout` each would mean tens of thousands of
 * timers under load. Deadlines live in a binary min-heap instead, and a single timer is armed for the
 * earliest one. Cancelling is lazy: a task checks whether it is still current when it fires.
 */
import type { Clock } from '@cellular/core';

interface Entry {
  readonly at: number;
  readonly order: number;
  readonly task: () => void;
}

/** A min-heap of deadlines served by one (unref'd) timer. */
export class TimerQueue {
  private readonly heap: Entry[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;
  private order = 0;
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  /** Number of scheduled tasks (stale ones included until they fire). */
  get size(): number {
    return this.heap.length;
  }

  /** Run `task` once `clock.now() >= at`. */
  schedule(at: number, task: () => void): void {
    if (this.stopped) return;
    this.push({ at, order: this.order++, task });
    if (at < this.armedAt) this.arm(at);
  }

  /** Drop every task and the timer. */
  stop(): void {
    this.stopped = true;
    this.heap.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(1, at - this.clock.now()));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    while (!this.stopped && this.heap.length > 0 && this.heap[0]!.at <= now) {
      const entry = this.pop();
      entry.task();
    }
    const next = this.heap[0];
    if (!this.stopped && next !== undefined) this.arm(next.at);
  };

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(entry: Entry): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
