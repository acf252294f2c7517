// Default triggers firing and resolving from real signals: a CPU burner in worker threads drives this
// process's CPU demand past the seeds' 75% threshold; when it stops, the rule resolves. Demand (CPU used
// plus time waiting for a core) is this process's own load, so the test holds on a machine saturated by
// other processes too — it never needs to skip.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createTriggerMonitor, DEFAULT_RULES, processSignals, SIGNALS } from '../src/index.js';

const BURN = `
const { parentPort } = require('node:worker_threads');
let stop = false;
parentPort.on('message', () => { stop = true; });
const spin = () => { const end = Date.now() + 50; while (Date.now() < end) {} if (!stop) setImmediate(spin); else process.exit(0); };
spin();
`;

describe('process signals from a real CPU burner', () => {
  it('fires cpu-sustained while burning and resolves after', async () => {
    const cpuRule = DEFAULT_RULES.find((r) => r.name === 'cpu-sustained')!;
    expect(cpuRule.signal).toBe(SIGNALS.cpuDemand);
    // The seeds' rule, with durations shortened so the test runs in seconds.
    const source = processSignals();
    const monitor = createTriggerMonitor({ rules: [{ ...cpuRule, for: 600, keepFiringFor: 0 }], sources: [source] });
    const demand = (): number => monitor.snapshot().signals.find((s) => s.name === SIGNALS.cpuDemand)!.value;
    try {
      // Baseline (it may already be pending: loading the test itself is busy).
      const seen: string[] = (await monitor.evaluate()).map((t) => t.to);
      const workers = [new Worker(BURN, { eval: true }), new Worker(BURN, { eval: true })];
      const burning: number[] = [];
      const start = Date.now();
      while (!seen.includes('firing') && Date.now() - start < 30_000) {
        await new Promise((r) => setTimeout(r, 300));
        seen.push(...(await monitor.evaluate()).map((t) => t.to));
        burning.push(demand());
      }
      for (const w of workers) w.postMessage('stop');
      await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
      const host = monitor.snapshot().signals.find((s) => s.name === SIGNALS.hostCpu)!.value;
      console.log(`CPU demand while burning: ${burning.join(', ')} % (host busy ${String(host)}%)`);
      expect(seen).toEqual(['pending', 'firing']);
      expect(Math.max(...burning)).toBeGreaterThan(75);

      const after: string[] = [];
      const idle: number[] = [];
      const stopAt = Date.now();
      while (!after.includes('resolved') && Date.now() - stopAt < 30_000) {
        await new Promise((r) => setTimeout(r, 300));
        after.push(...(await monitor.evaluate()).map((t) => t.to));
        idle.push(demand());
      }
      console.log(`CPU demand after the burner stopped: ${idle.join(', ')} %`);
      expect(after).toEqual(['resolved']);
      expect(idle.at(-1)).toBeLessThan(75);
    } finally {
      source.stop();
    }
  }, 90_000);
});
