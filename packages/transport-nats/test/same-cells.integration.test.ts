/**
 * The promise of the project: the same cells, unchanged, on the in-memory transport and on NATS. A
 * publisher cell publishes events and asks a question; a handler cell answers it and counts events.
 * Only the transport given to the bus differs between the two runs.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCell, defineContract, type Transport } from '@cellular/core';
import { createBus, createCellHost, createMemoryTransport } from '@cellular/bus';
import { uniqueSubject, waitFor } from '@cellular/testkit';
import { createNatsTransport } from '../src/index.js';
import { NATS_URL, natsBroker } from './support/nats-env.js';

function app(prefix: string) {
  const Placed = defineContract({ name: `${prefix}.placed`, subject: `${prefix}.placed`, version: 1, kind: 'event', schema: z.object({ id: z.string() }) });
  const Quote = defineContract({
    name: `${prefix}.quote`,
    subject: `${prefix}.quote`,
    version: 1,
    kind: 'query',
    schema: z.object({ sku: z.string(), qty: z.number().int() }),
    response: z.object({ total: z.number() }),
  });
  const seen: string[] = [];
  const answers: number[] = [];
  const pricing = defineCell({
    name: 'pricing',
    handles: [Quote],
    subscribes: [Placed],
    start: ({ bus }) => {
      bus.handle(Quote, ({ sku, qty }) => ({ total: (sku === 'apple' ? 2 : 5) * qty }));
      bus.subscribe(Placed, ({ id }) => {
        seen.push(id);
      });
    },
  });
  const shop = defineCell({
    name: 'shop',
    dependsOn: ['pricing'],
    publishes: [Placed],
    requests: [Quote],
    start: async ({ bus }) => {
      answers.push((await bus.request(Quote, { sku: 'apple', qty: 3 })).total);
      answers.push((await bus.request(Quote, { sku: 'pear', qty: 2 })).total);
      await bus.publish(Placed, { id: 'o-1' });
      await bus.publish(Placed, { id: 'o-2' });
    },
  });
  return { cells: [shop, pricing], seen, answers };
}

async function runOn(transport: Transport): Promise<{ seen: string[]; answers: number[] }> {
  const { cells, seen, answers } = app(uniqueSubject('cells'));
  const host = createCellHost({ cells, bus: createBus({ transport }), signals: false });
  await host.start();
  await waitFor(() => seen.length === 2, { timeout: 5000, message: () => `pricing saw ${JSON.stringify(seen)}` });
  await host.stop();
  return { seen, answers };
}

describe('the same two cells on memory and on NATS', () => {
  it('memory', async () => {
    expect(await runOn(createMemoryTransport())).toEqual({ seen: ['o-1', 'o-2'], answers: [6, 10] });
  });
  it.skipIf(!natsBroker.available)(`nats (${natsBroker.reason})`, async () => {
    const transport = createNatsTransport({ servers: NATS_URL, name: 'same-cells' });
    await transport.connect();
    try {
      expect(await runOn(transport)).toEqual({ seen: ['o-1', 'o-2'], answers: [6, 10] });
    } finally {
      await transport.close();
    }
  });
});
