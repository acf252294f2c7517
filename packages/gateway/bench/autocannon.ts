/** One autocannon run in a child process (so the load generator does not share the servers' event loop), and medians. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { body } from './servers.js';

export const DURATION = Number(process.env.BENCH_DURATION ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

/** One run's figures: average requests/s, latency percentiles in whole ms (autocannon's resolution), non-2xx count. */
export interface Result {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const run = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** POST the bench body to `url` with `headers` for {@link DURATION} seconds over {@link CONNECTIONS} connections. */
export async function load(url: string, headers: Record<string, string>): Promise<Result> {
  const args = [autocannonBin, '-j', '-c', String(CONNECTIONS), '-d', String(DURATION), '-m', 'POST', '-b', body, '-H', 'content-type=application/json'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 24 });
  const r = JSON.parse(stdout) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number };
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

/** The median (the upper one for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
