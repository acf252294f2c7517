/**
 * Renders a {@link Topology} as a Mermaid flowchart that GitHub and most docs sites draw natively.
 * Messages flow left to right along the arrows: a publisher points at its event and the event points
 * at its subscribers; a requester points at its command or query and that points at its handler. So
 * following arrows follows the data. Cells sit in one subgraph per transport; peripheries are drawn as
 * hexagons with their grants; gateway routes enter from a `gateway` node. Ids are derived from names
 * and everything is emitted in the topology's (sorted) order, so the text is stable for `--check`.
 */
import { compareStrings } from './internal/sort.js';
import type { Topology, TopologyCell, TopologyContract } from './topology-schema.js';

/** Options for {@link toMermaid}. */
export interface MermaidOptions {
  /** Flow direction. Defaults to `'LR'` (left to right). */
  readonly direction?: 'LR' | 'RL' | 'TB' | 'BT';
  /** Draw `dependsOn` as dotted arrows between cells. Defaults to `false`. */
  readonly showDependencies?: boolean;
}

/** Escape text for a quoted Mermaid label (Mermaid's `#name;` entity codes; `#` itself first). */
function label(text: string): string {
  return text
    .replace(/#/gu, '#35;')
    .replace(/&/gu, '#amp;').replace(/"/gu, '#quot;').replace(/</gu, '#lt;').replace(/>/gu, '#gt;');
}

/**
 * Grants as label lines: nested objects flattened to dotted keys (`net.allow: a, b`), arrays joined
 * with `, `, empty arrays and objects left out (nothing granted there).
 */
function grantLines(prefix: string, value: unknown, out: string[]): string[] {
  if (Array.isArray(value)) {
    if (value.length > 0) out.push(`${prefix}: ${value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value).sort(([a], [b]) => compareStrings(a, b))) grantLines(prefix === '' ? k : `${prefix}.${k}`, v, out);
  } else if (value !== undefined) {
    out.push(`${prefix}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return out;
}

class Ids {
  private readonly used = new Set<string>();
  private readonly byKey = new Map<string, string>();
  get(prefix: string, key: string): string {
    const k = `${prefix}:${key}`;
    const known = this.byKey.get(k);
    if (known !== undefined) return known;
    const base = `${prefix}_${key.replace(/[^A-Za-z0-9]/gu, '_')}`;
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}_${i}`;
    this.used.add(id);
    this.byKey.set(k, id);
    return id;
  }
}

function cellNode(cell: TopologyCell, id: string): string {
  const capabilities = cell.capabilities.length > 0 ? [`can: ${cell.capabilities.join(', ')}`] : [];
  if (cell.kind === 'periphery') {
    const grants = grantLines('', cell.grants ?? {}, []);
    const lines = [cell.name, 'periphery', ...grants, ...capabilities].map(label).join('<br/>');
    return `${id}{{"${lines}"}}`;
  }
  return `${id}("${[cell.name, ...capabilities].map(label).join('<br/>')}")`;
}

function contractNode(c: TopologyContract, id: string): string {
  const text = `${label(c.name)}<br/>${c.kind} v${c.version}`;
  switch (c.kind) {
    case 'event':
      return `${id}(["${text}"])`;
    case 'command':
      return `${id}["${text}"]`;
    case 'query':
      return `${id}[/"${text}"/]`;
  }
}

/**
 * Render a topology as a Mermaid `flowchart`.
 * @returns The diagram source ending with a newline, without a markdown fence.
 */
export function toMermaid(topology: Topology, options: MermaidOptions = {}): string {
  const ids = new Ids();
  const out: string[] = [`flowchart ${options.direction ?? 'LR'}`];
  const cellId = (name: string): string => ids.get('cell', name);
  const contractId = (id: string): string => ids.get('contract', id);
  const patternId = (pattern: string): string => ids.get('pattern', pattern);

  const transports = [...new Set(topology.cells.map((c) => c.transport))].sort(compareStrings);
  for (const transport of transports) {
    out.push(`  subgraph ${ids.get('transport', transport)}["transport: ${label(transport)}"]`);
    for (const cell of topology.cells.filter((c) => c.transport === transport)) out.push(`    ${cellNode(cell, cellId(cell.name))}`);
    out.push('  end');
  }
  for (const c of topology.contracts) out.push(`  ${contractNode(c, contractId(c.id))}`);
  for (const p of topology.patterns) out.push(`  ${patternId(p.pattern)}[\\"${label(p.pattern)}"\\]`);

  const known = new Set(topology.contracts.map((c) => c.name));
  const routeTargets = (name: string): string[] => {
    const matching = topology.contracts.filter((c) => c.name === name).map((c) => contractId(c.id));
    return matching.length > 0 ? matching : [contractId(name)];
  };
  if (topology.routes.length > 0) {
    out.push('  gateway{{"gateway"}}');
    for (const r of topology.routes) {
      if (!known.has(r.contract)) out.push(`  ${contractId(r.contract)}["${label(r.contract)}<br/>undeclared"]`);
    }
  }

  for (const e of topology.edges) {
    const cell = cellId(e.cell);
    const target = e.targetKind === 'contract' ? contractId(e.target) : patternId(e.target);
    switch (e.relation) {
      case 'publishes':
      case 'requests':
        out.push(`  ${cell} -->|${e.relation}| ${target}`);
        break;
      case 'subscribes':
      case 'handles':
        out.push(`  ${target} -->|${e.relation}| ${cell}`);
        break;
      case 'consumes':
        out.push(`  ${target} -.->|consumes| ${cell}`);
        break;
    }
  }
  for (const p of topology.patterns) {
    for (const m of p.matches) out.push(`  ${contractId(m)} -.->|matches| ${patternId(p.pattern)}`);
  }
  for (const r of topology.routes) {
    const needs = r.capabilities.length > 0 ? ` [${r.capabilities.join(', ')}]` : '';
    const text = label(`${r.method} ${r.path}${needs}`);
    for (const target of routeTargets(r.contract)) out.push(`  gateway -->|"${text}"| ${target}`);
  }
  if (options.showDependencies === true) {
    for (const cell of topology.cells) {
      for (const d of cell.dependsOn) out.push(`  ${cellId(cell.name)} -.->|depends on| ${cellId(d)}`);
    }
  }

  out.push('  classDef periphery fill:#fff4e5,stroke:#d97706');
  out.push('  classDef event fill:#eef6ff,stroke:#2563eb');
  out.push('  classDef request fill:#f3f0ff,stroke:#7c3aed');
  const peripheries = topology.cells.filter((c) => c.kind === 'periphery').map((c) => cellId(c.name));
  if (peripheries.length > 0) out.push(`  class ${peripheries.join(',')} periphery`);
  const events = topology.contracts.filter((c) => c.kind === 'event').map((c) => contractId(c.id));
  if (events.length > 0) out.push(`  class ${events.join(',')} event`);
  const requests = topology.contracts.filter((c) => c.kind !== 'event').map((c) => contractId(c.id));
  if (requests.length > 0) out.push(`  class ${requests.join(',')} request`);
  return `${out.join('\n')}\n`;
}
