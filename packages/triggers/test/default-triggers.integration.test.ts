// Every default trigger fires and resolves from a real signal: simulated users, slow requests and
// failing requests through a real gateway (concurrent users, SLO latency, SLO errors), a generated large
// package (codebase 500 KB and 2 MB), and cells whose declarations change (untrusted, multi-tenant,
// polyglot, regulatory isolation). The CPU trigger has its own test (a burner in worker threads). The
// rules are the seeds' defaults with `for` and `keepFiringFor` shortened to 0 so the test runs in seconds;
// thresholds and tolerance bands are unchanged.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCell, defineContract, type Cell } from '@cellular/core';
import { createBus, type Bus } from '@cellular/bus';
import { ApiKeyStore, createGateway, defineRoute, type Gateway } from '@cellular/gateway';
import { codebaseSignals, createTriggerMonitor, DEFAULT_RULES, factSignals, gatewaySignals, type SignalSource, type TriggerMonitor } from '../src/index.js';

const immediate = DEFAULT_RULES.map((r) => ({ ...r, for: 0, keepFiringFor: 0 }));

/** A monitor with the default rules over `sources`; `step()` evaluates once and returns `rule/scope:to` lines. */
function monitorOf(sources: SignalSource[]): { monitor: TriggerMonitor; step(): Promise<string[]> } {
  const monitor = createTriggerMonitor({ rules: immediate, sources });
  return { monitor, step: async () => (await monitor.evaluate()).map((t) => `${t.rule}/${t.scope}:${t.to}`) };
}

describe('gateway triggers from simulated users', () => {
  const Ping = defineContract({ name: 'ping', subject: 'trig.ping', version: 1, kind: 'query', schema: z.object({}), response: z.object({ ok: z.boolean() }) });
  const Slow = defineContract({ name: 'slow', subject: 'trig.slow', version: 1, kind: 'query', schema: z.object({}), response: z.object({ ok: z.boolean() }) });
  const Boom = defineContract({ name: 'boom', subject: 'trig.boom', version: 1, kind: 'query', schema: z.object({}), response: z.object({ ok: z.boolean() }) });
  const users = 200;
  let bus: Bus;
  let gateway: Gateway;
  const keys: string[] = [];
  // The gateway's clock, so the users' window can run out without waiting for it.
  let skew = 0;
  const clock = { now: () => Date.now() + skew };

  beforeAll(async () => {
    bus = createBus({ telemetry: false });
    bus.handle(Ping, () => ({ ok: true }));
    bus.handle(Slow, async () => {
      await new Promise((r) => setTimeout(r, 700));
      return { ok: true };
    });
    bus.handle(Boom, () => {
      throw new Error('the cell fails');
    });
    const store = new ApiKeyStore();
    for (let i = 0; i < users; i++) keys.push(store.issue(`user-${String(i)}`, { roles: ['reader'] }).key);
    gateway = await createGateway({
      bus,
      routes: [
        defineRoute({ method: 'GET', path: '/ping', contract: Ping, capabilities: ['read'] }),
        defineRoute({ method: 'GET', path: '/slow', contract: Slow, capabilities: ['read'] }),
        defineRoute({ method: 'GET', path: '/boom', contract: Boom, capabilities: ['read'] }),
      ],
      auth: { apiKeys: store },
      rbac: { roles: { reader: ['read'] } },
      audit: { append: () => undefined },
      trustProxy: false,
      limits: { perIp: false, perPrincipal: false },
      // A 60 s user window and the 50 most recent latencies.
      stats: { windowMs: 60_000, latencySamples: 50, clock },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await bus.close();
  });

  const get = async (url: string, user = 0): Promise<number> =>
    (await gateway.server.inject({ method: 'GET', url, headers: { 'x-api-key': keys[user]! } })).statusCode;

  it('fires concurrent-users above 150 users and resolves when they leave', async () => {
    const { monitor, step } = monitorOf([gatewaySignals(gateway)]);
    expect(await step()).toEqual([]);
    const codes = await Promise.all(keys.map((_, u) => get('/ping', u)));
    expect(codes.every((c) => c === 200)).toBe(true);
    expect(await step()).toContain('concurrent-users/:firing');
    expect(monitor.snapshot().signals.find((s) => s.name === 'gateway.concurrent_users')?.value).toBe(users);
    skew += 61_000; // a minute later: the users' window has run out
    expect(await get('/ping', 0)).toBe(200); // one user is back
    expect(await step()).toContain('concurrent-users/:resolved');
    expect(monitor.snapshot().signals.find((s) => s.name === 'gateway.concurrent_users')?.value).toBe(1);
  }, 60_000);

  it('fires slo-latency on slow requests and resolves when requests are fast again', async () => {
    const { step } = monitorOf([gatewaySignals(gateway)]);
    const seen = await step(); // (on a stalled machine an earlier request may already be slow)
    expect((await Promise.all([1, 2, 3].map(() => get('/slow')))).every((c) => c === 200)).toBe(true);
    seen.push(...(await step()));
    expect(seen).toContain('slo-latency/:firing');
    // Fast requests until the 50 most recent latencies are fast (more than 50 if the machine stalls one).
    const after: string[] = [];
    for (let round = 0; round < 20 && !after.includes('slo-latency/:resolved'); round++) {
      for (let i = 0; i < 60; i++) await get('/ping');
      after.push(...(await step()));
    }
    expect(after).toContain('slo-latency/:resolved');
  }, 60_000);

  it('fires slo-errors on 5xx responses and resolves when an interval has none', async () => {
    const { step } = monitorOf([gatewaySignals(gateway)]);
    await step();
    for (let i = 0; i < 5; i++) expect(await get('/boom')).toBe(500);
    for (let i = 0; i < 5; i++) await get('/ping');
    expect(await step()).toContain('slo-errors/:firing'); // 50% of this interval's requests failed
    for (let i = 0; i < 20; i++) await get('/ping');
    expect(await step()).toContain('slo-errors/:resolved');
  }, 60_000);
});

describe('codebase triggers from a generated package', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cellular-triggers-size-'));
    await mkdir(join(root, 'packages', 'app', 'src'), { recursive: true });
    await writeFile(join(root, 'packages', 'app', 'src', 'index.ts'), 'export const answer = 42;\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('fires the 500 KB warning, then the 2 MB trigger as the package grows, and resolves both when it shrinks', async () => {
    const { step } = monitorOf([codebaseSignals({ root })]);
    expect(await step()).toEqual([]);
    const line = 'export function handler(input: { id: string; count: number }): number { return input.count * 2; }\n';
    const gen = join(root, 'packages', 'app', 'src', 'gen.ts');
    await writeFile(gen, line.repeat(Math.ceil(700_000 / line.length)));
    expect(await step()).toEqual(expect.arrayContaining(['codebase-warning/:firing', 'codebase-warning/packages/app:firing']));
    await writeFile(gen, line.repeat(Math.ceil(2_200_000 / line.length)));
    expect(await step()).toEqual(expect.arrayContaining(['codebase-large/:firing', 'codebase-large/packages/app:firing']));
    await rm(gen);
    expect(await step()).toEqual(
      expect.arrayContaining(['codebase-large/:resolved', 'codebase-warning/:resolved', 'codebase-large/packages/app:resolved', 'codebase-warning/packages/app:resolved']),
    );
  }, 120_000);
});

describe('declared-fact triggers from the composition', () => {
  it('fires untrusted, multi-tenant, polyglot and isolation for the cells that declare them and resolves when the declaration goes', async () => {
    const plain = defineCell({ name: 'catalog' });
    const declared = defineCell({ name: 'runner', facts: { untrusted: true, multiTenant: true, runtime: 'python', isolation: 'EU data residency' } });
    const cells: Cell[] = [plain, declared];
    const { step } = monitorOf([factSignals(cells)]);
    const fired = await step();
    expect(fired.sort()).toEqual(['multi-tenant/runner:firing', 'polyglot/runner:firing', 'regulatory-isolation/runner:firing', 'untrusted-code/runner:firing']);
    cells[1] = defineCell({ name: 'runner' }); // the composition no longer declares them
    expect((await step()).sort()).toEqual(['multi-tenant/runner:resolved', 'polyglot/runner:resolved', 'regulatory-isolation/runner:resolved', 'untrusted-code/runner:resolved']);
  });
});
