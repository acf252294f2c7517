import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCell, defineComposition, orderCells } from './cell.js';
import { defineContract } from './contract.js';
import { CellularError } from './errors.js';

const Ev = defineContract({ name: 'ev', subject: 'ev', version: 1, kind: 'event', schema: z.object({}) });
const Q = defineContract({ name: 'q', subject: 'q', version: 1, kind: 'query', schema: z.object({}), response: z.string() });

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof CellularError ? { code: e.code, field: e.data?.field, message: e.message } : e;
  }
};

describe('defineCell', () => {
  it('returns a frozen declaration with defaults', () => {
    const cell = defineCell({ name: 'library', handles: [Q], publishes: [Ev], subscribes: ['audit.>'] });
    expect(cell).toMatchObject({ name: 'library', kind: 'cell', requests: [], dependsOn: [], facts: {} });
    expect(Object.isFrozen(cell)).toBe(true);
    expect(Object.isFrozen(cell.handles)).toBe(true);
  });

  it.each([
    ['bad name', { name: 'Library' }, 'name'],
    ['event in handles', { name: 'a', handles: [Ev] }, 'handles'],
    ['event in requests', { name: 'a', requests: [Ev] }, 'requests'],
    ['query in subscribes', { name: 'a', subscribes: [Q] }, 'subscribes'],
    ['bad pattern', { name: 'a', subscribes: ['a.>.b'] }, 'subscribes'],
    ['self dependency', { name: 'a', dependsOn: ['a'] }, 'dependsOn'],
  ])('refuses %s', (_l, def, field) => {
    expect(codeOf(() => defineCell(def as never))).toMatchObject({ code: 'INVALID_CONTRACT', field });
  });
});

describe('compositions', () => {
  const a = defineCell({ name: 'a' });
  const b = defineCell({ name: 'b', dependsOn: ['a'] });
  const c = defineCell({ name: 'c', dependsOn: ['b', 'a'] });

  it('orders cells after their dependencies', () => {
    expect(orderCells([c, b, a]).map((x) => x.name)).toEqual(['a', 'b', 'c']);
  });

  it('names a dependency cycle', () => {
    const x = { name: 'x', dependsOn: ['y'] };
    const y = { name: 'y', dependsOn: ['x'] };
    expect(codeOf(() => orderCells([x, y]))).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('x -> y -> x') });
  });

  it('validates names, dependencies and transports', () => {
    expect(defineComposition({ name: 'app', cells: [a, b], transports: { cells: { b: 'nats' } } }).transports).toEqual({
      default: 'memory',
      cells: { b: 'nats' },
    });
    expect(codeOf(() => defineComposition({ name: 'app', cells: [a, a] }))).toMatchObject({ code: 'INVALID_CONFIG' });
    expect(codeOf(() => defineComposition({ name: 'app', cells: [b] }))).toMatchObject({ code: 'INVALID_CONFIG' });
    expect(codeOf(() => defineComposition({ name: 'app', cells: [a], transports: { cells: { zz: 'nats' } } }))).toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });
});
