import { expectTypeOf, it } from 'vitest';
import { defineContract } from '@cellular/core';
import type { Cell } from '@cellular/core';
import { z } from 'zod';
import { definePeriphery } from './define-periphery.js';

const Echo = defineContract({ name: 't.echo', subject: 't.echo', version: 1, kind: 'query', schema: z.object({ n: z.number() }), response: z.object({ n: z.number() }) });

it('types run() by the handles map and is a Cell', () => {
  const p = definePeriphery({ name: 't', module: '/x.mjs', handles: { echo: Echo } });
  expectTypeOf(p).toExtend<Cell>();
  expectTypeOf(p.kind).toEqualTypeOf<'periphery'>();
  expectTypeOf(p.run).parameter(0).toEqualTypeOf<'echo'>();
  expectTypeOf(p.run<'echo'>).parameter(1).toEqualTypeOf<{ n: number }>();
});
