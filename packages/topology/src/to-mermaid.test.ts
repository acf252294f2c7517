import { defineComposition } from '@cellular/core';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composition } from '../test/fixtures/library.js';
import { buildTopology } from './build-topology.js';
import { toMermaid } from './to-mermaid.js';

describe('toMermaid', () => {
  const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
  const text = toMermaid(buildTopology(composition, { relativeTo: fixtures }));
  const lines = text.split('\n');

  it('starts a left-to-right flowchart and ends with a newline', () => {
    expect(lines[0]).toBe('flowchart LR');
    expect(text.endsWith('\n')).toBe(true);
    expect(toMermaid(buildTopology(composition), { direction: 'TB' }).startsWith('flowchart TB\n')).toBe(true);
  });

  it('groups cells by transport and draws peripheries with their grants', () => {
    expect(text).toContain('  subgraph transport_memory["transport: memory"]\n    cell_audit("audit")\n    cell_catalog("catalog<br/>can: db:catalog")\n    cell_loans("loans")\n  end');
    expect(text).toContain('cell_notifier{{"notifier<br/>periphery<br/>fs.read: templates<br/>net: smtp.example.com<br/>timeoutMs: 2000"}}');
    expect(text).toContain('class cell_notifier periphery');
  });

  it('draws contracts by kind and arrows in the direction data flows', () => {
    expect(lines).toContain('  contract_books_added(["books.added<br/>event v1"])');
    expect(lines).toContain('  contract_books_get[/"books.get<br/>query v1"/]');
    expect(lines).toContain('  contract_loans_borrow["loans.borrow<br/>command v1"]');
    expect(lines).toContain('  cell_catalog -->|publishes| contract_books_added');
    expect(lines).toContain('  contract_books_added -->|subscribes| cell_audit');
    expect(lines).toContain('  cell_loans -->|requests| contract_books_get');
    expect(lines).toContain('  contract_books_get -->|handles| cell_catalog');
    expect(lines).toContain('  contract_loans_created -.->|consumes| cell_audit');
    expect(lines).toContain('  pattern_loans__ -->|subscribes| cell_notifier');
    expect(lines).toContain('  contract_loans_created -.->|matches| pattern_loans__');
  });

  it('shows gateway routes entering at their contracts', () => {
    expect(lines).toContain('  gateway{{"gateway"}}');
    expect(lines).toContain('  gateway -->|"POST /loans [member]"| contract_loans_borrow');
    expect(lines).toContain('  gateway -->|"GET /books/:id"| contract_books_get');
  });

  it('marks a route to a contract no cell declares', () => {
    const c = defineComposition({ name: 'x', cells: [], routes: [{ method: 'GET', path: '/ghost', contract: 'ghost.get' }] });
    expect(toMermaid(buildTopology(c))).toContain('contract_ghost_get["ghost.get<br/>undeclared"]');
  });

  it('escapes quotes and angle brackets in labels and keeps ids unique', () => {
    const c = defineComposition({
      name: 'x',
      cells: [],
      routes: [
        { method: 'GET', path: '/a"<b>#x', contract: 'a.b' },
        { method: 'GET', path: '/c', contract: 'a_b' },
      ],
    });
    const out = toMermaid(buildTopology(c));
    expect(out).toContain('"GET /a#quot;#lt;b#gt;#35;x"');
    expect(out).toContain('contract_a_b["a.b<br/>undeclared"]');
    expect(out).toContain('contract_a_b_2["a_b<br/>undeclared"]');
  });

  it('can draw dependencies', () => {
    expect(toMermaid(buildTopology(composition), { showDependencies: true })).toContain('cell_loans -.->|depends on| cell_catalog');
    expect(text).not.toContain('depends on');
  });
});
