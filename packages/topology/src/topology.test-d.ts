import type { Composition } from '@cellular/core';
import { expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import { buildTopology } from './build-topology.js';
import type { Topology, TopologySchema } from './topology-schema.js';

test('buildTopology returns exactly what TopologySchema parses', () => {
  expectTypeOf(buildTopology).parameter(0).toEqualTypeOf<Composition>();
  expectTypeOf(buildTopology).returns.toEqualTypeOf<Topology>();
  expectTypeOf<z.output<typeof TopologySchema>>().toEqualTypeOf<Topology>();
  expectTypeOf<Topology['cells'][number]['kind']>().toEqualTypeOf<'cell' | 'periphery'>();
  expectTypeOf<Topology['edges'][number]['relation']>().toEqualTypeOf<'publishes' | 'subscribes' | 'handles' | 'requests' | 'consumes'>();
});
