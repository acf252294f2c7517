import { describe, expect, it } from 'vitest';
import type { AnyContract } from '@cellular/core';
import { createTriggerMonitor } from './monitor.js';
import { definePlaybook, moveTransport, recommend } from './playbook.js';
import { signalSource, type Signal } from './signal.js';

function fakeBus() {
  const published: { contract: string; payload: unknown }[] = [];
  return {
    published,
    publish: async (contract: AnyContract, payload: unknown) => {
      contract.parsePayload(payload); // the monitor must publish valid events
      published.push({ contract: contract.name, payload });
    },
  };
}

function fakeClock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('trigger monitor', () => {
  it('publishes every state change as a valid event and keeps a bounded history', async () => {
    let value = 90;
    const clock = fakeClock();
    const bus = fakeBus();
    const monitor = createTriggerMonitor({
      rules: [{ name: 'cpu', signal: 'cpu', op: '>', threshold: 75, for: '1m' }],
      sources: [signalSource('test', () => [{ name: 'cpu', value }])],
      bus,
      clock,
      historySize: 3,
    });
    await monitor.evaluate();
    clock.advance(60_000);
    await monitor.evaluate();
    value = 10;
    clock.advance(1000);
    await monitor.evaluate();
    const changes = bus.published.filter((p) => p.contract === 'triggers.state_changed').map((p) => (p.payload as { to: string }).to);
    expect(changes).toEqual(['pending', 'firing', 'resolved']);
    expect(monitor.history()).toHaveLength(3);
    value = 99;
    await monitor.evaluate();
    expect(monitor.history()).toHaveLength(3); // bounded
    expect(monitor.snapshot().signals).toEqual([{ name: 'cpu', value: 99 }]);
  });

  it('runs recommend always, other actions only with dryRun: false', async () => {
    const moves: string[][] = [];
    const mover = { move: async (p: readonly string[], to: string) => (moves.push([...p, to]), { moved: p }) };
    const playbook = definePlaybook({
      name: 'split-search',
      rule: 'cpu',
      actions: [recommend('move "search" to its own process'), moveTransport({ mover, subjects: ['search.>'], to: 'nats', cell: 'search' })],
    });
    const make = (dryRun?: boolean) =>
      createTriggerMonitor({
        rules: [{ name: 'cpu', signal: 'cpu', op: '>', threshold: 75 }],
        sources: [signalSource('t', (): Signal[] => [{ name: 'cpu', value: 93.5, unit: '%' }])],
        playbooks: [playbook],
        ...(dryRun === undefined ? {} : { dryRun }),
      });
    const dry = make();
    await dry.evaluate();
    const reports = dry.history().filter((h) => h.type === 'playbook');
    expect(reports.map((r) => r.type === 'playbook' && r.outcome)).toEqual(['recommended', 'dry-run']);
    expect(reports[0]!.type === 'playbook' && reports[0]!.report).toContain('cpu = 93.50 (threshold > 75)');
    expect(moves).toEqual([]);
    const live = make(false);
    await live.evaluate();
    expect(moves).toEqual([['search.>', 'nats']]);
    expect(live.history().some((h) => h.type === 'playbook' && h.outcome === 'done')).toBe(true);
  });

  it('refuses a playbook for an unknown rule and survives a failing source', async () => {
    expect(() =>
      createTriggerMonitor({ rules: [], sources: [], playbooks: [definePlaybook({ name: 'p', rule: 'nope', actions: [recommend()] })] }),
    ).toThrow(/not defined/);
    const m = createTriggerMonitor({
      rules: [{ name: 'x', signal: 'x', op: '>', threshold: 1 }],
      sources: [
        signalSource('broken', () => {
          throw new Error('boom');
        }),
        signalSource('ok', () => [{ name: 'x', value: 2 }]),
      ],
    });
    expect((await m.evaluate()).map((t) => t.to)).toEqual(['firing']);
  });
});
