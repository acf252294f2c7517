/**
 * Turns a composition (plain data from `defineComposition`) into a {@link Topology}. Nothing is
 * started: the declarations are the topology, so reading them is enough. Every list is sorted so the
 * same code always yields byte-identical output, which is what lets `cellular graph --check` compare a
 * committed diagram with the code.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CellularError, subjectMatches } from '@cellular/core';
import type { AnyContract, Cell, Composition } from '@cellular/core';
import { isComposition } from './internal/is-composition.js';
import { compareStrings, sortedUnique, toJsonRecord } from './internal/sort.js';
import { TOPOLOGY_SCHEMA_VERSION } from './topology-schema.js';
import type { Relation, Topology, TopologyContract, TopologyEdge, TopologyRoute } from './topology-schema.js';

const RELATIONS: readonly Relation[] = ['publishes', 'subscribes', 'handles', 'requests', 'consumes'];

function contractsOf(cell: Cell, relation: Relation): readonly (AnyContract | string)[] {
  switch (relation) {
    case 'publishes':
      return cell.publishes;
    case 'subscribes':
      return cell.subscribes;
    case 'handles':
      return cell.handles;
    case 'requests':
      return cell.requests;
    case 'consumes':
      return cell.consumes;
  }
}

function signature(c: AnyContract): string {
  return `${c.kind} ${c.subject} v${c.version}`;
}

/** Options for {@link buildTopology}. */
export interface BuildTopologyOptions {
  /**
   * A directory: absolute paths inside it that appear in grants and facts (a periphery's resolved
   * `fs` grant) are written relative to it, with `/`, so the output does not depend on where the
   * repository is checked out. The CLI passes the markdown file's folder (or the cwd). Defaults to
   * none (paths kept as they are).
   */
  readonly relativeTo?: string;
}

/** Rewrites absolute paths under `base` as relative posix paths (`.` for `base` itself). */
function relativizer(base: string | undefined): (s: string) => string {
  if (base === undefined) return (s) => s;
  const root = resolve(base);
  return (s) => {
    if (!isAbsolute(s)) return s;
    const rel = relative(root, s);
    if (rel.startsWith('..') || isAbsolute(rel)) return s;
    return rel === '' ? '.' : rel.split(sep).join('/');
  };
}

/**
 * Build the topology of a composition without starting it.
 *
 * Contracts are keyed by name; when the same name is declared with a different kind, subject or
 * version (a migration from v1 to v2), each variant gets the id `name@vN` so both stay visible.
 *
 * @param composition What `defineComposition` returned.
 * @param options See {@link BuildTopologyOptions}.
 * @returns The topology, valid against {@link TopologySchema}, with every list sorted.
 * @throws CellularError INVALID_CONFIG when `composition` is not a composition, or when two contracts
 *   share a name and a version but differ in kind or subject.
 *
 * @example
 * ```ts
 * import { buildTopology, toMermaid } from '@cellular/topology';
 * import { composition } from './composition.js';
 * console.log(toMermaid(buildTopology(composition)));
 * ```
 */
export function buildTopology(composition: Composition, options: BuildTopologyOptions = {}): Topology {
  if (!isComposition(composition)) {
    throw new CellularError('INVALID_CONFIG', 'buildTopology expects a composition made by defineComposition', {
      data: { received: typeof composition },
    });
  }
  const paths = relativizer(options.relativeTo);
  const defaultTransport = composition.transports.default;
  const transportOf = (cell: string): string => composition.transports.cells[cell] ?? defaultTransport;

  // Collect every contract, grouped by name, then by signature (kind + subject + version).
  const byName = new Map<string, Map<string, AnyContract>>();
  const patterns = new Set<string>();
  for (const cell of composition.cells) {
    for (const relation of RELATIONS) {
      for (const c of contractsOf(cell, relation)) {
        if (typeof c === 'string') {
          patterns.add(c);
          continue;
        }
        let variants = byName.get(c.name);
        if (!variants) byName.set(c.name, (variants = new Map<string, AnyContract>()));
        variants.set(signature(c), c);
      }
    }
  }
  const idOf = new Map<AnyContract, string>();
  const idBySig = new Map<string, string>();
  const contracts: TopologyContract[] = [];
  for (const [name, variants] of byName) {
    const versions = new Set([...variants.values()].map((c) => c.version));
    if (versions.size !== variants.size) {
      throw new CellularError('INVALID_CONFIG', `Contract "${name}" is declared twice with the same version but a different kind or subject`, {
        data: { contract: name, variants: [...variants.keys()].sort(compareStrings) },
      });
    }
    for (const [sig, c] of variants) {
      const id = variants.size === 1 ? name : `${name}@v${c.version}`;
      idBySig.set(`${name} ${sig}`, id);
      idOf.set(c, id);
      contracts.push({ id, name, kind: c.kind, subject: c.subject, version: c.version, description: c.description ?? null, transports: [] });
    }
  }
  const contractId = (c: AnyContract): string => idOf.get(c) ?? idBySig.get(`${c.name} ${signature(c)}`) ?? c.name;

  const edges: TopologyEdge[] = [];
  const transportsByContract = new Map<string, Set<string>>();
  for (const cell of composition.cells) {
    for (const relation of RELATIONS) {
      for (const c of contractsOf(cell, relation)) {
        if (typeof c === 'string') {
          edges.push({ cell: cell.name, relation, target: c, targetKind: 'pattern' });
          continue;
        }
        const id = contractId(c);
        edges.push({ cell: cell.name, relation, target: id, targetKind: 'contract' });
        let set = transportsByContract.get(id);
        if (!set) transportsByContract.set(id, (set = new Set()));
        set.add(transportOf(cell.name));
      }
    }
  }
  for (const c of contracts) c.transports = sortedUnique(transportsByContract.get(c.id) ?? []);
  contracts.sort((a, b) => compareStrings(a.id, b.id));

  const uniqueEdges = new Map(edges.map((e) => [`${e.cell}\u0000${e.relation}\u0000${e.targetKind}\u0000${e.target}`, e]));
  const sortedEdges = [...uniqueEdges.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, e]) => e);

  const routes: TopologyRoute[] = composition.routes.map((r) => {
    const ids = new Set(contracts.filter((c) => c.name === r.contract).map((c) => c.id));
    const handledBy = sortedEdges
      .filter((e) => e.targetKind === 'contract' && ids.has(e.target) && (e.relation === 'handles' || e.relation === 'subscribes'))
      .map((e) => e.cell);
    return {
      method: r.method.toUpperCase(),
      path: r.path,
      contract: r.contract,
      capabilities: sortedUnique(r.capabilities ?? []),
      handledBy: sortedUnique(handledBy),
    };
  });
  routes.sort((a, b) => compareStrings(a.path, b.path) || compareStrings(a.method, b.method) || compareStrings(a.contract, b.contract));

  return {
    schemaVersion: TOPOLOGY_SCHEMA_VERSION,
    name: composition.name,
    defaultTransport,
    cells: [...composition.cells]
      .sort((a, b) => compareStrings(a.name, b.name))
      .map((cell) => ({
        name: cell.name,
        kind: cell.kind,
        description: cell.description ?? null,
        transport: transportOf(cell.name),
        capabilities: sortedUnique(cell.capabilities),
        dependsOn: sortedUnique(cell.dependsOn),
        grants: cell.grants === undefined ? null : toJsonRecord(cell.grants, paths),
        facts: toJsonRecord(cell.facts, paths),
      })),
    contracts,
    patterns: [...patterns].sort(compareStrings).map((pattern) => ({
      pattern,
      matches: contracts.filter((c) => subjectMatches(pattern, c.subject)).map((c) => c.id),
    })),
    edges: sortedEdges,
    routes,
  };
}
