import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineContract } from './contract.js';
import type { PayloadInput, PayloadOf, ResponseOf } from './contract.js';

const Place = defineContract({
  name: 'orders.place',
  subject: 'orders.place',
  version: 1,
  kind: 'command',
  schema: z.object({ sku: z.string(), qty: z.number().default(1) }),
  response: z.object({ orderId: z.string() }),
});
const Placed = defineContract({
  name: 'orders.placed',
  subject: 'orders.placed',
  version: 1,
  kind: 'event',
  schema: z.object({ orderId: z.string() }),
});

describe('contract type inference', () => {
  it('infers payload input and output separately', () => {
    expectTypeOf<PayloadInput<typeof Place>>().toEqualTypeOf<{ sku: string; qty?: number | undefined }>();
    expectTypeOf<PayloadOf<typeof Place>>().toEqualTypeOf<{ sku: string; qty: number }>();
  });
  it('infers the response, and void for events', () => {
    expectTypeOf<ResponseOf<typeof Place>>().toEqualTypeOf<{ orderId: string }>();
    expectTypeOf<ResponseOf<typeof Placed>>().toEqualTypeOf<void>();
  });
  it('keeps the literal name and kind', () => {
    expectTypeOf(Place.name).toEqualTypeOf<'orders.place'>();
    expectTypeOf(Placed.kind).toEqualTypeOf<'event'>();
    expectTypeOf(Place.parsePayload).returns.toEqualTypeOf<{ sku: string; qty: number }>();
  });
});
