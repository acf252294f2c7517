/**
 * One timer structure for every pending request of a transport instance, instead of a `setTimeout`
 * per request. Deadlines are rounded up to a slot (`resolutionMs`) and kept in buckets; a min-heap of
 * bucket times drives a single Node timer armed for the earliest bucket. Adding and cancelling are
 * O(1) for the common case of equal timeouts (bucket already exists), firing is O(expired).
 */

/** An entry that can expire. */
export interface DeadlineEntry {
  /** Called once when the deadline passes (never after {@link DeadlineQueue.unschedule}). */
  readonly onExpire: () => void;
}

/** Deadline buckets with one armed timer. */
export class DeadlineQueue {
  private readonly buckets = new Map<number, Set<DeadlineEntry>>();
  private readonly heap: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  /** @param resolutionMs slot width: deadlines fire up to this much late. Defaults to 5 ms. */
  constructor(
    private readonly resolutionMs = 5,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of live entries. */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }

  /** Schedule `entry` to expire in `delayMs`; returns the slot to pass to {@link unschedule}. */
  schedule(delayMs: number, entry: DeadlineEntry): number {
    const r = this.resolutionMs;
    const slot = Math.ceil((this.now() + Math.max(0, delayMs)) / r) * r;
    let bucket = this.buckets.get(slot);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(slot, bucket);
      this.push(slot);
    }
    bucket.add(entry);
    if (slot < this.armedFor) this.arm(slot);
    return slot;
  }

  /** Cancel an entry scheduled with {@link schedule}. */
  unschedule(slot: number, entry: DeadlineEntry): void {
    const b = this.buckets.get(slot);
    if (b?.delete(entry) && b.size === 0) this.buckets.delete(slot);
  }

  /** Drop every entry without firing and stop the timer. */
  clear(): void {
    this.buckets.clear();
    this.heap.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(slot: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = slot;
    this.timer = setTimeout(() => {
      this.fire();
    }, Math.max(0, slot - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]! <= now) {
      const slot = this.pop()!;
      const bucket = this.buckets.get(slot);
      if (!bucket) continue;
      this.buckets.delete(slot);
      for (const entry of bucket) entry.onExpire();
    }
    // Skip slots whose buckets were emptied by cancel.
    while (this.heap.length > 0 && !this.buckets.has(this.heap[0]!)) this.pop();
    const next = this.heap[0];
    if (next !== undefined) this.arm(next);
  }

  private push(v: number): void {
    const h = this.heap;
    h.push(v);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= v) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = v;
  }

  private pop(): number | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]! < h[l]! ? r : l;
        if (h[c]! >= last) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
