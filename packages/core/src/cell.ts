/**
 * A cell is declared as plain data plus two functions. The declaration is the topology: tools read it
 * without running it (diagrams, boundary checks, trigger facts), and the cell host enforces it at run
 * time (an undeclared publish or request is FORBIDDEN).
 */
import type { AnyContract, EventContract, RequestContract } from './contract.js';
import type { CellBus } from './cell-bus.js';
import { CellularError } from './errors.js';
import type { Logger } from './logger.js';
import { assertPattern } from './subject.js';

/** Facts about a cell that the trigger monitor reads: each one is a reason to distribute. */
export interface CellFacts {
  /** Runs code its owners did not write or review. */
  readonly untrusted?: boolean;
  /** Serves several tenants whose data must not meet. */
  readonly multiTenant?: boolean;
  /** Runtime if not Node.js (`python`, `jvm`, …): a polyglot cell. Defaults to `node`. */
  readonly runtime?: string;
  /** A regulatory or geographic isolation requirement (`gdpr-eu`, `hipaa`, …). */
  readonly isolation?: string;
}

/** What a started cell receives. */
export interface CellContext {
  /** The cell's name. */
  readonly name: string;
  /** The bus, restricted to the cell's declaration. */
  readonly bus: CellBus;
  /** Aborted when the host stops the cell. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** What {@link defineCell} accepts. */
export interface CellDefinition {
  /** Unique name: lowercase letters, digits and `-`. */
  readonly name: string;
  /** `cell` (trusted, in-process) or `periphery` (sandboxed). Defaults to `cell`. */
  readonly kind?: 'cell' | 'periphery';
  readonly description?: string;
  /** Commands and queries this cell answers. */
  readonly handles?: readonly RequestContract[];
  /** Events (or patterns) this cell listens to. */
  readonly subscribes?: readonly (EventContract | string)[];
  /** Events this cell publishes (and contracts it writes to durable streams). */
  readonly publishes?: readonly AnyContract[];
  /** Commands and queries this cell sends. */
  readonly requests?: readonly RequestContract[];
  /** Durable streams this cell consumes. */
  readonly consumes?: readonly AnyContract[];
  /** What the cell may do beyond the bus (`db:library`, `net:outbound`, …), for review and diagrams. */
  readonly capabilities?: readonly string[];
  /** Cells that must be started before this one. */
  readonly dependsOn?: readonly string[];
  /** Facts for the trigger monitor. */
  readonly facts?: CellFacts;
  /** Plain-data description of a periphery's grants (set by `definePeriphery`). */
  readonly grants?: Readonly<Record<string, unknown>>;
  /** Start: register handlers, open resources. */
  readonly start?: (context: CellContext) => void | Promise<void>;
  /** Stop: release resources. Handlers are already drained. */
  readonly stop?: (context: CellContext) => void | Promise<void>;
}

/** A validated, frozen cell declaration. */
export interface Cell extends Required<Pick<CellDefinition, 'name' | 'kind'>> {
  readonly description: string | undefined;
  readonly handles: readonly RequestContract[];
  readonly subscribes: readonly (EventContract | string)[];
  readonly publishes: readonly AnyContract[];
  readonly requests: readonly RequestContract[];
  readonly consumes: readonly AnyContract[];
  readonly capabilities: readonly string[];
  readonly dependsOn: readonly string[];
  readonly facts: CellFacts;
  readonly grants: Readonly<Record<string, unknown>> | undefined;
  readonly start: ((context: CellContext) => void | Promise<void>) | undefined;
  readonly stop: ((context: CellContext) => void | Promise<void>) | undefined;
}

const CELL_NAME_RE = /^[a-z][a-z0-9-]*$/u;

function bad(cell: string, message: string, field: string): CellularError {
  return new CellularError('INVALID_CONTRACT', `Cell "${cell}": ${message}`, { data: { cell, field } });
}

function checkKinds(cell: string, field: string, list: readonly AnyContract[], kinds: readonly string[]): void {
  for (const c of list) {
    if (typeof c !== 'object' || typeof c.kind !== 'string') throw bad(cell, `${field} must list contracts`, field);
    if (!kinds.includes(c.kind)) {
      throw bad(cell, `${field} lists "${c.name}", a ${c.kind}; expected ${kinds.join(' or ')}`, field);
    }
  }
}

/**
 * Declare a cell. Checks the declaration (name, contract kinds, patterns) and returns it frozen.
 * @throws CellularError INVALID_CONTRACT naming the field
 */
export function defineCell(definition: CellDefinition): Cell {
  const name = definition.name;
  if (typeof name !== 'string' || !CELL_NAME_RE.test(name)) {
    throw new CellularError('INVALID_CONTRACT', `Cell name ${JSON.stringify(name)} is invalid: use lowercase letters, digits and -`, {
      data: { field: 'name' },
    });
  }
  const handles = definition.handles ?? [];
  const subscribes = definition.subscribes ?? [];
  const publishes = definition.publishes ?? [];
  const requests = definition.requests ?? [];
  const consumes = definition.consumes ?? [];
  checkKinds(name, 'handles', handles, ['command', 'query']);
  checkKinds(name, 'requests', requests, ['command', 'query']);
  for (const s of subscribes) {
    if (typeof s === 'string') {
      try {
        assertPattern(s);
      } catch (e) {
        throw bad(name, `subscribes has an invalid pattern: ${(e as Error).message}`, 'subscribes');
      }
    } else checkKinds(name, 'subscribes', [s], ['event']);
  }
  const dependsOn = definition.dependsOn ?? [];
  if (dependsOn.includes(name)) throw bad(name, 'a cell cannot depend on itself', 'dependsOn');
  const cell: Cell = {
    name,
    kind: definition.kind ?? 'cell',
    description: definition.description,
    handles: Object.freeze([...handles]),
    subscribes: Object.freeze([...subscribes]),
    publishes: Object.freeze([...publishes]),
    requests: Object.freeze([...requests]),
    consumes: Object.freeze([...consumes]),
    capabilities: Object.freeze([...(definition.capabilities ?? [])]),
    dependsOn: Object.freeze([...dependsOn]),
    facts: Object.freeze({ ...(definition.facts ?? {}) }),
    grants: definition.grants ? Object.freeze({ ...definition.grants }) : undefined,
    start: definition.start,
    stop: definition.stop,
  };
  return Object.freeze(cell);
}

/** A gateway route as plain data, for topology tools. */
export interface RouteDeclaration {
  readonly method: string;
  readonly path: string;
  /** Name of the contract the route maps to. */
  readonly contract: string;
  /** Capabilities a principal needs. */
  readonly capabilities?: readonly string[];
}

/** A whole application as data: its cells, routes and which transport carries each cell. */
export interface Composition {
  readonly name: string;
  readonly cells: readonly Cell[];
  readonly routes: readonly RouteDeclaration[];
  /** Transport name per cell; cells not listed use `default`. */
  readonly transports: { readonly default: string; readonly cells: Readonly<Record<string, string>> };
}

/**
 * Declare a composition. Checks that cell names are unique and that every `dependsOn` names a cell of
 * the composition, and that dependencies have no cycle.
 * @throws CellularError INVALID_CONFIG
 */
export function defineComposition(input: {
  name: string;
  cells: readonly Cell[];
  routes?: readonly RouteDeclaration[];
  transports?: { default?: string; cells?: Record<string, string> };
}): Composition {
  const names = new Set<string>();
  for (const c of input.cells) {
    if (names.has(c.name)) {
      throw new CellularError('INVALID_CONFIG', `Composition "${input.name}": two cells are named "${c.name}"`, { data: { cell: c.name } });
    }
    names.add(c.name);
  }
  for (const c of input.cells) {
    for (const d of c.dependsOn) {
      if (!names.has(d)) {
        throw new CellularError('INVALID_CONFIG', `Cell "${c.name}" depends on "${d}", which is not in composition "${input.name}"`, {
          data: { cell: c.name, dependsOn: d },
        });
      }
    }
  }
  orderCells(input.cells);
  const transports = { default: input.transports?.default ?? 'memory', cells: Object.freeze({ ...(input.transports?.cells ?? {}) }) };
  for (const cellName of Object.keys(transports.cells)) {
    if (!names.has(cellName)) {
      throw new CellularError('INVALID_CONFIG', `transports names cell "${cellName}", which is not in composition "${input.name}"`, {
        data: { cell: cellName },
      });
    }
  }
  return Object.freeze({
    name: input.name,
    cells: Object.freeze([...input.cells]),
    routes: Object.freeze([...(input.routes ?? [])]),
    transports: Object.freeze(transports),
  });
}

/**
 * Cells in start order: every cell after the cells it depends on; ties keep declaration order.
 * @throws CellularError INVALID_CONFIG on a dependency cycle, naming it
 */
export function orderCells<T extends Pick<Cell, 'name' | 'dependsOn'>>(cells: readonly T[]): T[] {
  const byName = new Map(cells.map((c) => [c.name, c]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: T[] = [];
  const visit = (c: T, path: string[]): void => {
    const s = state.get(c.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(c.name)), c.name].join(' -> ');
      throw new CellularError('INVALID_CONFIG', `Cell dependency cycle: ${cycle}`, { data: { cycle } });
    }
    state.set(c.name, 'visiting');
    for (const d of c.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...path, c.name]);
    }
    state.set(c.name, 'done');
    out.push(c);
  };
  for (const c of cells) visit(c, []);
  return out;
}
