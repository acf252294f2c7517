import { CellularError, defineCell, defineComposition, defineContract } from '@cellular/core';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { composition } from '../test/fixtures/library.js';
import { buildTopology } from './build-topology.js';
import { TopologySchema, topologyJsonSchema } from './topology-schema.js';

const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

describe('buildTopology', () => {
  const topology = buildTopology(composition);

  it('produces JSON valid against the published schema', () => {
    const roundTripped: unknown = JSON.parse(JSON.stringify(topology));
    expect(TopologySchema.parse(roundTripped)).toEqual(topology);
  });

  it('publishes the schema as JSON Schema too', () => {
    const schema = topologyJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties as object)).toEqual(['schemaVersion', 'name', 'defaultTransport', 'cells', 'contracts', 'patterns', 'edges', 'routes']);
  });

  it('lists cells sorted, with transport, kind and plain-JSON grants', () => {
    expect(topology.cells.map((c) => [c.name, c.kind, c.transport])).toEqual([
      ['audit', 'cell', 'memory'],
      ['catalog', 'cell', 'memory'],
      ['loans', 'cell', 'memory'],
      ['notifier', 'periphery', 'nats'],
    ]);
    const notifier = topology.cells.find((c) => c.name === 'notifier');
    // the callback in the grants is dropped, the data kept
    expect(notifier?.grants).toEqual({ fs: { read: [`${fixtures}templates`], write: [] }, net: ['smtp.example.com'], timeoutMs: 2000 });
    expect(topology.cells.find((c) => c.name === 'catalog')?.grants).toBeNull();
    expect(topology.cells.find((c) => c.name === 'loans')?.dependsOn).toEqual(['catalog']);
  });

  it('records every declared relation as an edge', () => {
    const edges = topology.edges.map((e) => `${e.cell} ${e.relation} ${e.target}`);
    expect(edges).toEqual([
      'audit consumes loans.created',
      'audit subscribes books.added',
      'catalog handles books.get',
      'catalog publishes books.added',
      'loans handles loans.borrow',
      'loans publishes loans.created',
      'loans requests books.get',
      'notifier subscribes loans.*',
    ]);
    expect(topology.edges.find((e) => e.cell === 'notifier')?.targetKind).toBe('pattern');
  });

  it('resolves patterns against contract subjects and contracts to the transports that carry them', () => {
    expect(topology.patterns).toEqual([{ pattern: 'loans.*', matches: ['loans.borrow', 'loans.created'] }]);
    expect(topology.contracts.map((c) => [c.id, c.kind, c.transports])).toEqual([
      ['books.added', 'event', ['memory']],
      ['books.get', 'query', ['memory']],
      ['loans.borrow', 'command', ['memory']],
      ['loans.created', 'event', ['memory']],
    ]);
  });

  it('lists gateway routes sorted, with upper-case methods and handlers', () => {
    expect(topology.routes).toEqual([
      { method: 'GET', path: '/books/:id', contract: 'books.get', capabilities: [], handledBy: ['catalog'] },
      { method: 'POST', path: '/loans', contract: 'loans.borrow', capabilities: ['member'], handledBy: ['loans'] },
    ]);
  });

  it('writes absolute paths under relativeTo as relative paths', () => {
    const t = buildTopology(composition, { relativeTo: fixtures });
    expect(t.cells.find((c) => c.name === 'notifier')?.grants).toMatchObject({ fs: { read: ['templates'] } });
    const above = buildTopology(composition, { relativeTo: `${fixtures}templates/deeper` });
    expect(above.cells.find((c) => c.name === 'notifier')?.grants).toMatchObject({ fs: { read: [`${fixtures}templates`] } });
  });

  it('is deterministic whatever the declaration order', () => {
    const shuffled = defineComposition({
      name: composition.name,
      cells: [...composition.cells].reverse(),
      routes: [...composition.routes].reverse(),
      transports: { default: 'memory', cells: { notifier: 'nats' } },
    });
    expect(JSON.stringify(buildTopology(shuffled))).toBe(JSON.stringify(topology));
  });

  it('keeps two versions of one contract apart as name@vN', () => {
    const v1 = defineContract({ name: 'x.done', subject: 'x.done', version: 1, kind: 'event', schema: z.object({}) });
    const v2 = defineContract({ name: 'x.done', subject: 'x.done.v2', version: 2, kind: 'event', schema: z.object({}) });
    const t = buildTopology(
      defineComposition({ name: 'm', cells: [defineCell({ name: 'old', publishes: [v1] }), defineCell({ name: 'new', publishes: [v2] })] }),
    );
    expect(t.contracts.map((c) => c.id)).toEqual(['x.done@v1', 'x.done@v2']);
    expect(t.edges.map((e) => `${e.cell}>${e.target}`)).toEqual(['new>x.done@v2', 'old>x.done@v1']);
  });

  it('rejects two different contracts with one name and version', () => {
    const a = defineContract({ name: 'y', subject: 'y.a', version: 1, kind: 'event', schema: z.object({}) });
    const b = defineContract({ name: 'y', subject: 'y.b', version: 1, kind: 'event', schema: z.object({}) });
    const c = defineComposition({ name: 'm', cells: [defineCell({ name: 'p', publishes: [a, b] })] });
    expect(() => buildTopology(c)).toThrow(CellularError);
    expect(() => buildTopology(c)).toThrow(/"y" is declared twice/u);
  });

  it('rejects something that is not a composition', () => {
    expect(() => buildTopology({} as never)).toThrow(/expects a composition/u);
  });
});
