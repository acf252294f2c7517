// A periphery run by the real cell host next to a trusted core cell: the core requests a contract,
// the periphery answers it from its sandbox, a refusal inside the periphery reaches the core as
// SANDBOX_VIOLATION and an operator cell sees the incident on the bus.
import { describe, expect, it } from 'vitest';
import { createCellHost } from '@cellular/bus';
import { defineCell } from '@cellular/core';
import { definePeriphery, SandboxIncident } from '../src/index.js';
import type { SandboxIncidentPayload } from '../src/index.js';
import { Attack, Echo, FIXTURE } from './helpers.js';

describe('periphery under the cell host', () => {
  it('answers contracts, refuses attacks and publishes incidents', async () => {
    const periphery = definePeriphery({ name: 'pages', module: FIXTURE, handles: { echo: Echo, attack: Attack }, limits: { threads: 1 } });
    const seen: SandboxIncidentPayload[] = [];
    const operator = defineCell({
      name: 'operator',
      subscribes: [SandboxIncident],
      start: ({ bus }) => {
        bus.subscribe(SandboxIncident, (i) => {
          seen.push(i);
        });
      },
    });
    const core = defineCell({ name: 'core', requests: [Echo, Attack], dependsOn: ['pages'] });
    const host = createCellHost({ cells: [periphery, operator, core], signals: false });
    await host.start();
    try {
      expect(await host.bus.request(Echo, { n: 41 })).toEqual({ n: 41 });
      await expect(host.bus.request(Attack, { kind: 'spawnChild' })).rejects.toMatchObject({ code: 'SANDBOX_VIOLATION' });
      await expect.poll(() => seen.length).toBe(1);
      expect(seen[0]).toMatchObject({ periphery: 'pages', code: 'SANDBOX_VIOLATION', reason: 'permission-denied', task: 'attack' });
      expect(await host.bus.request(Echo, { n: 42 })).toEqual({ n: 42 });
    } finally {
      await host.stop();
    }
    expect(periphery.stats().alive).toBe(0);
  });
});
