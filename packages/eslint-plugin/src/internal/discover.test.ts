import { describe, expect, it } from 'vitest';
import { appRoot } from '../../test/rule-tester.js';
import { discoverProject, findCellCalls } from './discover.js';

describe('findCellCalls', () => {
  it('finds defineCell and definePeriphery calls with their names and kinds', () => {
    const text = `
      export const a = defineCell({ name: 'alpha', handles: [] });
      export const b = definePeriphery({ name: "beta" });
      export const c = defineCell({ kind: 'periphery', name: 'gamma' });
      export const d = core.defineCell<Foo>({ name: 'delta' });`;
    expect(findCellCalls(text, '/app/src/cells/x/cell.ts')).toEqual([
      { name: 'alpha', kind: 'cell', file: '/app/src/cells/x/cell.ts' },
      { name: 'beta', kind: 'periphery', file: '/app/src/cells/x/cell.ts' },
      { name: 'gamma', kind: 'periphery', file: '/app/src/cells/x/cell.ts' },
      { name: 'delta', kind: 'cell', file: '/app/src/cells/x/cell.ts' },
    ]);
  });

  it('ignores comments, declarations and look-alike names', () => {
    const text = `
      // defineCell({ name: 'commented' })
      /* definePeriphery({ name: 'block' }) */
      export function defineCell(definition) { return definition; }
      const x = mydefineCell({ name: 'other' });
      const url = 'https://example.com'; // keeps strings with //
    `;
    expect(findCellCalls(text, '/f.ts')).toEqual([]);
  });

  it('falls back to the folder name when the name is not a literal', () => {
    expect(findCellCalls('defineCell({ name: NAME })', '/app/src/cells/books/cell.ts')).toEqual([
      { name: 'books', kind: 'cell', file: '/app/src/cells/books/cell.ts' },
    ]);
  });
});

describe('discoverProject', () => {
  const project = discoverProject({ rootDir: appRoot }, '/');

  it('finds the fixture cells from their calls, not from folder names', () => {
    expect(project.cells.map((c) => `${c.name}:${c.kind}:${c.territoryLabel}`).sort()).toEqual([
      'catalog:cell:src/cells/catalog/**',
      'first:cell:src/cells/pair/first.ts',
      'isbn-lookup:periphery:src/peripheries/isbn/**',
      'loans:cell:src/cells/loans/**',
      'second:cell:src/cells/pair/second.ts',
    ]);
  });

  it('classifies contracts and composition roots', () => {
    expect(project.isContract(`${appRoot}src/contracts/loans.ts`)).toBe(true);
    expect(project.isContract(`${appRoot}src/cells/catalog/book-rules.contract.ts`)).toBe(true);
    expect(project.isContract(`${appRoot}src/cells/catalog/repository.ts`)).toBe(false);
    expect(project.isCompositionRoot(`${appRoot}src/main.ts`)).toBe(true);
    expect(project.cellOf(`${appRoot}src/cells/orphan/thing.ts`)).toBeUndefined();
  });
});
