// Crash containment on both tiers: a task that exhausts the heap, bombs memory with ArrayBuffers,
// loops forever, calls process.exit or throws from a timer fails with a clear CellularError, its
// worker (or child process) is replaced, incidents reach the bus, and the core keeps answering —
// also while the bomb is going off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellularError } from '@cellular/core';
import type { Periphery, SandboxTier } from '../src/index.js';
import { definePeriphery } from '../src/index.js';
import type { Harness } from './helpers.js';
import { Attack, Echo, FIXTURE, Ping, startHarness } from './helpers.js';

async function failure(h: Harness, payload: { kind: string } & Record<string, unknown>): Promise<CellularError> {
  const error = await h.bus.request(Attack, payload, { timeout: 30_000 }).then(
    (value) => {
      throw new Error(`${payload.kind} did not fail: ${JSON.stringify(value).slice(0, 200)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CellularError);
  return error as CellularError;
}

describe.each<SandboxTier>(['worker', 'process'])('crash containment, %s tier', (tier) => {
  let crashy: Periphery;
  let loopy: Periphery;
  let h: Harness;
  let hl: Harness;

  beforeAll(async () => {
    const rssMb = Math.round(process.memoryUsage.rss() / 1048576);
    crashy = definePeriphery({
      name: 'crashy',
      module: FIXTURE,
      handles: { attack: Attack, echo: Echo },
      // worker tier: a ceiling over the host's RSS (1 GB of headroom: other work in this process grows it;
      // the bomb goes to 3 GB); process tier: over the child's own RSS
      limits: { tier, threads: 2, timeoutMs: 20_000, maxHeapMb: 32, maxRssMb: tier === 'worker' ? rssMb + 1000 : 300 },
    });
    loopy = definePeriphery({ name: 'loopy', module: FIXTURE, handles: { attack: Attack, echo: Echo }, limits: { tier, threads: 1, timeoutMs: 1_000 } });
    h = await startHarness(crashy);
    hl = await startHarness(loopy);
  });

  afterAll(async () => {
    await h.close();
    await hl.close();
  });

  it('fails a heap bomb with SANDBOX_CRASH and keeps serving during and after it', async () => {
    const bomb = failure(h, { kind: 'heapBomb' });
    const pongs = await Promise.all(Array.from({ length: 10 }, () => h.bus.request(Ping, {})));
    expect(pongs.every((p) => p.pong)).toBe(true);
    if (tier === 'worker') {
      // the pool's other worker keeps answering; the process tier shares one child, so its queued
      // tasks die with the bomb (that is the point of the per-task tier choice, see the README)
      const during = await Promise.all(Array.from({ length: 10 }, (_, i) => h.bus.request(Echo, { n: i })));
      expect(during.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    const err = await bomb;
    expect(err.code).toBe('SANDBOX_CRASH');
    expect(await h.coreAlive()).toBe(true);
  });

  it('fails an ArrayBuffer bomb (off-heap) with SANDBOX_CRASH via the memory ceiling', async () => {
    const err = await failure(h, { kind: 'arrayBufferBomb', chunkMb: 32, maxMb: 3072 });
    expect(err.code).toBe('SANDBOX_CRASH');
    expect(err.data?.reason).toBe('memory');
    expect(await h.coreAlive()).toBe(true);
  });

  it('fails process.exit with SANDBOX_CRASH', async () => {
    const err = await failure(h, { kind: 'exit' });
    expect(err.code).toBe('SANDBOX_CRASH');
    expect(err.data?.reason).toBe('exit');
    expect(await h.coreAlive()).toBe(true);
  });

  it('fails an uncaught throw from a timer with SANDBOX_CRASH', async () => {
    const err = await failure(h, { kind: 'throwUncaught' });
    expect(err.code).toBe('SANDBOX_CRASH');
    expect(await h.coreAlive()).toBe(true);
  });

  it('fails an infinite loop with TIMEOUT and replaces the worker', async () => {
    const err = await failure(hl, { kind: 'infiniteLoop' });
    expect(err.code).toBe('TIMEOUT');
    expect(err.data?.timeoutMs).toBe(1_000);
    expect(await hl.coreAlive()).toBe(true);
    expect(loopy.stats().alive).toBe(1);
  });

  it('fails a task queued behind an endless one with TIMEOUT too, then serves again', async () => {
    const [first, second] = await Promise.all([
      loopy.run('infiniteLoop' as 'echo', { n: 0 }).catch((e: unknown) => e as CellularError),
      loopy.run('echo', { n: 1 }).catch((e: unknown) => e as CellularError),
    ]);
    expect(first).toMatchObject({ code: 'TIMEOUT' });
    expect(second).toMatchObject({ code: tier === 'worker' ? 'TIMEOUT' : 'SANDBOX_CRASH' });
    expect(await loopy.run('echo', { n: 2 })).toEqual({ n: 2 });
  });

  it('keeps an ordinary task error as HANDLER_ERROR without a crash', async () => {
    const before = crashy.stats().crashes;
    const err = await crashy.run('fail' as 'echo', { n: 1 }).then(
      () => undefined,
      (e: unknown) => e as CellularError,
    );
    expect(err?.code).toBe('HANDLER_ERROR');
    expect(err?.message).toBe('task failed on purpose');
    expect(crashy.stats().crashes).toBe(before);
  });

  it('passes a task error code through (NOT_FOUND)', async () => {
    const err = await crashy.run('failCoded' as 'echo', { n: 1 }).catch((e: unknown) => e as CellularError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', data: { page: 'x', periphery: 'crashy' } });
  });

  it('refuses a task the module does not export', async () => {
    const err = await crashy.run('nope' as 'echo', { n: 1 }).catch((e: unknown) => e as CellularError);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('cancels a running task through its signal', async () => {
    const controller = new AbortController();
    const running = crashy.run('slow' as 'echo', { ms: 5_000 }, { signal: controller.signal }).catch((e: unknown) => e as CellularError);
    setTimeout(() => {
      controller.abort();
    }, 50);
    expect(await running).toMatchObject({ code: 'CANCELLED' });
    expect(await h.coreAlive()).toBe(true);
  });

  it('published each crash and timeout on the bus', () => {
    const codes = [...h.incidents, ...hl.incidents].map((i) => `${i.code}:${i.reason}`);
    expect(codes).toEqual(expect.arrayContaining(['SANDBOX_CRASH:memory', 'SANDBOX_CRASH:exit', 'TIMEOUT:timeout']));
    expect(crashy.stats().crashes).toBeGreaterThanOrEqual(4);
  });
});

describe('backpressure and recycling', () => {
  it('fails tasks beyond maxQueue with BACKPRESSURE', async () => {
    const p = definePeriphery({ name: 'busy', module: FIXTURE, handles: { echo: Echo }, limits: { threads: 1, maxQueue: 2 } });
    try {
      const runs = Array.from({ length: 8 }, () => p.run('slow' as 'echo', { ms: 300 } as never).then(() => 'ok', (e: unknown) => (e as CellularError).code));
      const results = await Promise.all(runs);
      expect(results).toContain('BACKPRESSURE');
      expect(results).toContain('ok');
    } finally {
      await p.close();
    }
  });

  it.each<SandboxTier>(['worker', 'process'])('recycles the %s tier after recycleAfterTasks and keeps answering', async (tier) => {
    const p = definePeriphery({ name: 'recycled', module: FIXTURE, handles: { echo: Echo }, limits: { tier, threads: 1, recycleAfterTasks: 3 } });
    try {
      const out: unknown[] = [];
      for (let i = 0; i < 10; i++) out.push(await p.run('echo', { n: i }));
      expect(out).toEqual(Array.from({ length: 10 }, (_, i) => ({ n: i })));
    } finally {
      await p.close();
    }
  });

  it('fails with TRANSPORT_CLOSED after close', async () => {
    const p = definePeriphery({ name: 'closed', module: FIXTURE, handles: { echo: Echo } });
    await p.run('echo', { n: 1 });
    await p.close();
    await expect(p.run('echo', { n: 2 })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });
});
