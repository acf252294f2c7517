/**
 * Tiny measuring helpers for the bus benchmarks: hand-rolled loops (not tinybench) because every case
 * needs an "until delivered" await that a per-iteration harness would distort. Each case runs in
 * several interleaved rounds and reports the median.
 */
import { cpus } from 'node:os';

/** One case: run `n` operations and resolve when they are all complete. */
export type Case = ((n: number) => Promise<void> | void) & { scale?: number };

/** Give a slow case fewer operations per round (ops/s stays comparable). */
export function scaled(scale: number, run: (n: number) => Promise<void> | void): Case {
  return Object.assign(run, { scale });
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Ops per second of one round. With `collect` (and --expose-gc) it collects garbage first, so that no
 * case pays for another's.
 */
export async function opsPerSecond(run: Case, n: number, collect = true): Promise<number> {
  const ops = Math.max(1, Math.floor(n * (run.scale ?? 1)));
  if (collect && gc !== undefined) {
    gc();
    // Let the collector finish sweeping so the measured case does not pay for it.
    await new Promise((r) => setTimeout(r, 150));
  }
  const start = performance.now();
  await run(ops);
  const ms = performance.now() - start;
  return (ops / ms) * 1000;
}

/** The median of numbers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A percentile (0..100) of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * Run named cases for `rounds` interleaved rounds, after `warmup` untimed rounds of the same size,
 * and return the median ops/s of each. The warm-up is there because the table reports a steady
 * state: with one round of n/4 the JIT had not finished with the bus or mitt (their first timed
 * rounds ran at half their later rate), while EventEmitter's emit arrives optimised from Node's own
 * start-up. Every case gets the same warm-up. `collect: false` skips the forced collection before
 * each round, for a process that runs one case only: there is no other case's garbage to clear, and
 * a full collection five times a second is no steady state (it shrinks the young generation and
 * starts the memory reducer's incremental marking, whose write barrier then taxes every store).
 */
export async function compare(
  cases: Record<string, Case>,
  n: number,
  rounds = 3,
  warmup = 5,
  collect = true,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(cases)) samples[name] = [];
  const entries = Object.entries(cases);
  for (let round = -warmup; round < rounds; round++) {
    // Rotate the order each round so that no case always runs right after the same neighbour.
    const shift = round < 0 ? 0 : round % entries.length;
    for (const [name, run] of [...entries.slice(shift), ...entries.slice(0, shift)]) {
      const ops = await opsPerSecond(run, n, collect);
      if (round >= 0) samples[name]!.push(ops);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(samples)) out[name] = median(s);
  return out;
}

/** Format ops/s with thousands separators. */
export function fmt(ops: number): string {
  return Math.round(ops).toLocaleString('en-US');
}

/** A markdown table of ops/s with a ratio to `anchor`. */
export function table(title: string, results: Record<string, number>, anchor: string): string {
  const base = results[anchor]!;
  const lines = [`### ${title}`, '', '| case | ops/s (median) | ratio vs ' + anchor + ' |', '| --- | ---: | ---: |'];
  for (const [name, ops] of Object.entries(results)) lines.push(`| ${name} | ${fmt(ops)} | ${(ops / base).toFixed(2)}x |`);
  return lines.join('\n');
}

/** Machine line for the report. */
export function machine(): string {
  return `Node ${process.version}, ${String(cpus().length)} cores (${cpus()[0]?.model ?? 'unknown'}), shared machine`;
}

/** Wait until `cond()` holds: first through microtasks (where the bus delivers), then the event loop. */
export async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 8 && !cond(); i++) await Promise.resolve();
  while (!cond()) await new Promise((r) => setImmediate(r));
}

/** The case a child process should run (set by {@link isolatedRounds}), if this process is one. */
export const childCase: string | undefined = process.env.CELLULAR_BENCH_CASE;

/** In a child: print the result for the parent. */
export function reportToParent(result: unknown): void {
  console.log(`RESULT ${JSON.stringify(result)}`);
}

/**
 * Run every case in its own fresh Node process, `rounds` times, interleaved (case order rotates each
 * round), and collect what each child reported. Fresh processes keep one library's leftovers (JIT
 * state, heap, timers) from slowing the next case: Moleculer measurably slows whatever runs after it
 * in the same process.
 */
export async function isolatedRounds<T>(script: string, cases: readonly string[], rounds: number, env: Record<string, string> = {}): Promise<Record<string, T[]>> {
  const { spawn } = await import('node:child_process');
  const out: Record<string, T[]> = {};
  for (const c of cases) out[c] = [];
  for (let r = 0; r < rounds; r++) {
    const shift = r % cases.length;
    for (const name of [...cases.slice(shift), ...cases.slice(0, shift)]) {
      const text = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [...process.execArgv, script], {
          env: { ...process.env, ...env, CELLULAR_BENCH_CASE: name },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let s = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d: string) => (s += d));
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code === 0) resolve(s);
          else reject(new Error(`bench child for "${name}" exited ${String(code)}`));
        });
      });
      const line = text.split('\n').find((l) => l.startsWith('RESULT '));
      if (line === undefined) throw new Error(`bench child for "${name}" reported nothing`);
      out[name]!.push(JSON.parse(line.slice('RESULT '.length)) as T);
    }
  }
  return out;
}
