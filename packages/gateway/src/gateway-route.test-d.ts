import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineContract } from '@cellular/core';
import { defineRoute } from './gateway-route.js';
import type { GatewayRoute } from './gateway-route.js';

const GetThing = defineContract({
  name: 'things.get',
  subject: 'things.get',
  version: 1,
  kind: 'query',
  schema: z.object({ id: z.string(), n: z.number() }),
  response: z.object({ ok: z.boolean() }),
});

describe('defineRoute types', () => {
  it('types the per-object hook with the contract payload and fits a route list', () => {
    const r = defineRoute({
      method: 'GET',
      path: '/things/:id',
      contract: GetThing,
      capabilities: [],
      authorize: ({ payload, principal }) => {
        expectTypeOf(payload).toEqualTypeOf<{ id: string; n: number }>();
        return principal.id === payload.id;
      },
    });
    expectTypeOf(r).toExtend<GatewayRoute>();
    const routes: readonly GatewayRoute[] = [r];
    expectTypeOf(routes).toEqualTypeOf<readonly GatewayRoute[]>();
  });
});
