/**
 * One timer for every pending request instead of one `setTimeout` per request. Requests with the same
 * timeout expire in the order they were made, so each distinct timeout value gets a FIFO lane and the
 * single timer is armed for the earliest head among the lanes. Adding an entry is O(1) and usually does
 * not touch the timer at all; settled entries are skipped lazily when their lane is swept.
 */

/** An entry the queue can expire. `done` is set by the owner once the entry settles another way. */
export interface DeadlineEntry {
  readonly deadline: number;
  done: boolean;
  expire(): void;
}

interface Lane {
  items: DeadlineEntry[];
  head: number;
}

/** Expires entries at their deadline with a single timer. */
export class DeadlineQueue {
  readonly #lanes = new Map<number, Lane>();
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;

  /** Track `entry`, which was made with `timeoutMs` (the lane key). */
  add(timeoutMs: number, entry: DeadlineEntry): void {
    let lane = this.#lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = { items: [], head: 0 };
      this.#lanes.set(timeoutMs, lane);
    }
    lane.items.push(entry);
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline);
  }

  /** Stop the timer and forget every entry (without expiring them). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#lanes.clear();
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#sweep, Math.max(0, deadline - Date.now()));
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [key, lane] of this.#lanes) {
      const { items } = lane;
      while (lane.head < items.length) {
        const e = items[lane.head]!;
        if (!e.done && e.deadline > now) break;
        lane.head++;
        if (!e.done) {
          e.done = true;
          e.expire();
        }
      }
      if (lane.head >= items.length) {
        this.#lanes.delete(key);
        continue;
      }
      // Compact now and then so a long-lived lane does not keep settled entries forever.
      if (lane.head > 1024 && lane.head * 2 > items.length) {
        lane.items = items.slice(lane.head);
        lane.head = 0;
      }
      const head = lane.items[lane.head]!;
      if (head.deadline < next) next = head.deadline;
    }
    if (next !== Infinity) this.#arm(next);
  };
}
