/**
 * The floor of an asynchronous bus with one subscriber, against node:events EventEmitter: the least
 * any bus that delivers after `publish` returns can do (append to an array, one microtask per batch,
 * a loop calling the handler inside try/catch), with and without an envelope object per message.
 * On an idle 2-core machine (2026-12-06) it runs at 0.59-0.87x of EventEmitter, so 0.5x with one
 * subscriber is reachable by an asynchronous bus (an earlier run on a loaded machine gave 0.14-0.21x
 * and was wrongly read as the opposite). Run: `node --conditions=@cellular/source --import tsx
 * bench/floor.bench.ts` (not part of `pnpm bench`; it measures no cellular code).
 */
import { EventEmitter } from 'node:events';

let count = 0;
const handler = (_payload: unknown, _ctx: unknown): void => {
  count++;
};
const ee = new EventEmitter();
ee.on('placed', handler);
const payload = { id: 'o-1', total: 42 };

class Env {
  constructor(
    readonly subject: string,
    readonly payload: unknown,
    readonly timestamp: number,
    readonly seq: number,
  ) {}
}

function minimalBus(withEnvelope: boolean): (p: unknown) => void {
  const queue: unknown[] = [];
  let scheduled = false;
  let seq = 0;
  const flush = (): void => {
    const now = Date.now();
    for (let i = 0; i < queue.length; i++) {
      const item = queue[i];
      try {
        if (withEnvelope) {
          const env = new Env('orders.placed', item, now, ++seq);
          handler(env.payload, env);
        } else handler(item, undefined);
      } catch {
        // isolated, as a bus must
      }
    }
    queue.length = 0;
    scheduled = false;
  };
  return (p) => {
    queue.push(p);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  };
}

const N = 200_000;
async function rate(publish: () => void, async: boolean): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < 15; r++) {
    count = 0;
    const t = performance.now();
    for (let i = 0; i < N; i++) publish();
    if (async) await new Promise<void>((res) => setImmediate(res));
    const ms = performance.now() - t;
    if (count !== N) throw new Error(`lost messages: ${String(count)}`);
    rates.push((N / ms) * 1000);
  }
  rates.sort((a, b) => a - b);
  return rates[7]!;
}

const withEnvelope = minimalBus(true);
const bare = minimalBus(false);
for (let k = 0; k < 3; k++) {
  const e = await rate(() => ee.emit('placed', payload), false);
  const a = await rate(() => withEnvelope(payload), true);
  const b = await rate(() => bare(payload), true);
  console.log(
    `EventEmitter ${(e / 1e6).toFixed(1)}M/s; minimal async bus with an envelope ${(a / 1e6).toFixed(1)}M/s = ${(a / e).toFixed(2)}x; without ${(b / 1e6).toFixed(1)}M/s = ${(b / e).toFixed(2)}x`,
  );
}
