// The load generator's process (see autocannon.ts): one autocannon run from the JSON options in argv[2].
// It prints one JSON line: autocannon's result, the latency percentiles of its responses at full
// resolution (autocannon's own are whole milliseconds: at 1-3 ms latencies that is a 50-100% step),
// and this process's CPU time and voluntary context switches (how often it slept waiting for a response).
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2]);
const latencies = [];
const instance = autocannon(opts, (err, result) => {
  if (err) throw err;
  const sorted = Float64Array.from(latencies).sort();
  const at = (q) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  const u = process.resourceUsage();
  const out = {
    result,
    latencyMs: { p50: at(0.5), p99: at(0.99) },
    rusage: { cpuUs: u.userCPUTime + u.systemCPUTime, sleeps: u.voluntaryContextSwitches },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
// Every response's time in ms (a float from process.hrtime), as autocannon measures it.
instance.on('response', (_client, _status, _bytes, responseTime) => {
  latencies.push(responseTime);
});
