/** One autocannon run in a child process (so the load generator does not share the servers' event loop), and medians. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { body } from './servers.js';

export const DURATION = Number(process.env.BENCH_DURATION ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

/**
 * One run's figures: average requests/s; latency percentiles in ms from every response's own time
 * (autocannon's percentiles are whole milliseconds, too coarse at 1-3 ms); the non-2xx count; and where
 * the CPU went per request. The load generator shares the machine's cores, so the rate depends on it
 * too: `serverCpuUs` is the bench process's CPU time (user + system, all its threads) per request during
 * the run (only the server under load is busy then), `clientCpuUs` the load generator's, and
 * `clientSleeps` how often per request the load generator slept waiting for a response (each sleep is a
 * wake-up that the server's socket write pays for).
 */
export interface Result {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  serverCpuUs: number;
  clientCpuUs: number;
  clientSleeps: number;
}

const run = promisify(execFile);
const child = fileURLToPath(new URL('./autocannon-child.mjs', import.meta.url));

/** POST the bench body to `url` with `headers` for {@link DURATION} seconds over {@link CONNECTIONS} connections. */
export async function load(url: string, headers: Record<string, string>): Promise<Result> {
  const opts = { url, connections: CONNECTIONS, duration: DURATION, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } };
  const cpu0 = process.cpuUsage();
  const { stdout } = await run(process.execPath, [child, JSON.stringify(opts)], { maxBuffer: 1 << 24 });
  const cpu = process.cpuUsage(cpu0);
  const r = JSON.parse(stdout) as {
    result: { requests: { average: number; total: number }; non2xx: number };
    latencyMs: { p50: number; p99: number };
    rusage: { cpuUs: number; sleeps: number };
  };
  const n = Math.max(r.result.requests.total, 1);
  return {
    rps: r.result.requests.average,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    non2xx: r.result.non2xx,
    serverCpuUs: (cpu.user + cpu.system) / n,
    clientCpuUs: r.rusage.cpuUs / n,
    clientSleeps: r.rusage.sleeps / n,
  };
}

/** The median (the upper one for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
