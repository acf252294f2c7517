/**
 * The promise of the project: the same two cells run on the in-memory transport and on Redis, by
 * configuration alone. The cells (fixtures/shop-cells.ts) never mention a transport.
 */
import { createBus, createCellHost, createMemoryTransport } from '@cellular/bus';
import { CellularError, type Transport } from '@cellular/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisTransport } from '../src/index.js';
import { GetQuote, OrderPlaced, quoteCell, shopCell } from './fixtures/shop-cells.js';
import { deletePrefix, shouldSkipRedis, uniquePrefix, waitFor } from './redis-helpers.js';

const skip = await shouldSkipRedis();
const prefix = uniquePrefix('cells');

interface Outcome {
  readonly events: unknown[];
  readonly errorCode: string | undefined;
}

/** Host both cells on `transport`, watch the events from outside, and probe an error reply. */
async function runShop(transport: Transport): Promise<Outcome> {
  const bus = createBus({ transport });
  await bus.connect();
  const events: unknown[] = [];
  bus.subscribe(OrderPlaced, (payload) => {
    events.push(payload);
  });
  const host = createCellHost({ bus, cells: [shopCell, quoteCell], signals: false, closeBus: false });
  await host.start();
  await waitFor(() => events.length === 3, 10_000, 'three orders');
  const errorCode = await bus.request(GetQuote, { sku: 'unknown', qty: 1 }).then(
    () => undefined,
    (e: unknown) => (e instanceof CellularError ? e.code : 'not a CellularError'),
  );
  await host.stop();
  await bus.close();
  return { events, errorCode };
}

describe('the same cells on memory and on Redis', () => {
  afterAll(async () => {
    if (!skip) await deletePrefix(prefix);
  });
  const expected = [
    { sku: 'apple', qty: 1, price: 10 },
    { sku: 'pear', qty: 2, price: 20 },
    { sku: 'plum', qty: 3, price: 30 },
  ];

  it('memory transport', async () => {
    const outcome = await runShop(createMemoryTransport());
    expect(outcome.events).toEqual(expected);
    expect(outcome.errorCode).toBe('HANDLER_ERROR');
  });

  it.skipIf(skip)('Redis transport (same cells, same code, only the transport differs)', async () => {
    const outcome = await runShop(createRedisTransport({ keyPrefix: prefix }));
    expect(outcome.events).toEqual(expected);
    expect(outcome.errorCode).toBe('HANDLER_ERROR');
  });
});
