/**
 * Declared facts are triggers too: the seeds distribute a cell that runs untrusted or multi-tenant
 * code, needs another runtime, or has a regulatory or geographic isolation requirement — no measurement
 * can replace a declaration of that. The facts come from `defineCell({ facts })`.
 */
import type { Cell } from '@cellular/core';
import { SIGNALS, type Signal, type SignalSource } from './signal.js';

/** Signals for the facts each cell declares (1 = declared, 0 = not), scoped by cell name. */
export function factSignalsOf(cells: readonly Pick<Cell, 'name' | 'facts'>[]): Signal[] {
  const out: Signal[] = [];
  for (const c of cells) {
    const f = c.facts;
    out.push({ name: SIGNALS.untrusted, value: f.untrusted ? 1 : 0, scope: c.name });
    out.push({ name: SIGNALS.multiTenant, value: f.multiTenant ? 1 : 0, scope: c.name });
    const runtime = f.runtime ?? 'node';
    out.push({ name: SIGNALS.polyglot, value: runtime === 'node' ? 0 : 1, scope: c.name, detail: runtime });
    const iso: Signal = { name: SIGNALS.isolation, value: f.isolation ? 1 : 0, scope: c.name };
    out.push(f.isolation ? { ...iso, detail: f.isolation } : iso);
  }
  return out;
}

/** A source of declared-fact signals for a composition's cells. */
export function factSignals(cells: readonly Pick<Cell, 'name' | 'facts'>[]): SignalSource {
  return { name: 'facts', read: () => factSignalsOf(cells) };
}
