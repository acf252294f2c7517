/**
 * The topology as JSON: a documented, versioned zod schema. It is the contract between `cellular graph
 * --format json` and whatever draws the topology (the reference app's live view, docs tooling), so it
 * is plain data (names, never contract objects) and every list is sorted, making the output stable
 * enough to commit and diff.
 */
import { z } from 'zod';

/** The version of {@link TopologySchema}. Bumped on a breaking change to the JSON shape. */
export const TOPOLOGY_SCHEMA_VERSION = 1;

/** How a cell relates to a contract (or a subscription pattern). */
export const RelationSchema = z
  .enum(['publishes', 'subscribes', 'handles', 'requests', 'consumes'])
  .describe('publishes: emits the event; subscribes: listens to it; handles: answers the command/query; requests: sends it; consumes: reads its durable stream');

/** One cell or periphery of the composition. */
export const TopologyCellSchema = z.object({
  name: z.string().describe('Unique cell name'),
  kind: z.enum(['cell', 'periphery']).describe('cell: trusted, in-process; periphery: sandboxed'),
  description: z.string().nullable(),
  transport: z.string().describe('Name of the transport that carries this cell (the composition default when not set per cell)'),
  capabilities: z.array(z.string()).describe('What the cell may do beyond the bus, sorted'),
  dependsOn: z.array(z.string()).describe('Cells started before this one, sorted'),
  grants: z.record(z.string(), z.json()).nullable().describe("A periphery's grants as plain JSON; null for cells"),
  facts: z.record(z.string(), z.json()).describe('Facts for the trigger monitor'),
});

/** One contract any cell or route refers to. */
export const TopologyContractSchema = z.object({
  id: z.string().describe('Unique key edges refer to: the name, or name@vN when several versions of one name coexist'),
  name: z.string(),
  kind: z.enum(['event', 'command', 'query']),
  subject: z.string(),
  version: z.number().int().positive(),
  description: z.string().nullable(),
  transports: z.array(z.string()).describe('Transports of the cells that touch this contract, sorted'),
});

/** A wildcard subscription (`loans.*`) and the known contracts whose subject it matches. */
export const TopologyPatternSchema = z.object({
  pattern: z.string(),
  matches: z.array(z.string()).describe('Ids of contracts whose subject matches the pattern, sorted'),
});

/** One declared relation between a cell and a contract or pattern. */
export const TopologyEdgeSchema = z.object({
  cell: z.string(),
  relation: RelationSchema,
  target: z.string().describe('A contract id, or a pattern when targetKind is pattern'),
  targetKind: z.enum(['contract', 'pattern']),
});

/** A gateway route entering the composition. */
export const TopologyRouteSchema = z.object({
  method: z.string().describe('Upper-case HTTP method'),
  path: z.string(),
  contract: z.string().describe('Name of the contract the route maps to'),
  capabilities: z.array(z.string()).describe('Capabilities a principal needs, sorted'),
  handledBy: z.array(z.string()).describe('Cells that handle (or subscribe to) the contract, sorted; empty when nothing does'),
});

/** The whole topology of one composition, as emitted by `cellular graph --format json`. */
export const TopologySchema = z.object({
  schemaVersion: z.literal(TOPOLOGY_SCHEMA_VERSION),
  name: z.string().describe('The composition name'),
  defaultTransport: z.string(),
  cells: z.array(TopologyCellSchema).describe('Sorted by name'),
  contracts: z.array(TopologyContractSchema).describe('Sorted by id'),
  patterns: z.array(TopologyPatternSchema).describe('Sorted by pattern'),
  edges: z.array(TopologyEdgeSchema).describe('Sorted by cell, relation, target'),
  routes: z.array(TopologyRouteSchema).describe('Sorted by path, then method'),
});

/** A composition's topology (see {@link TopologySchema}). */
export type Topology = z.infer<typeof TopologySchema>;
/** A cell in a {@link Topology}. */
export type TopologyCell = z.infer<typeof TopologyCellSchema>;
/** A contract in a {@link Topology}. */
export type TopologyContract = z.infer<typeof TopologyContractSchema>;
/** A wildcard subscription in a {@link Topology}. */
export type TopologyPattern = z.infer<typeof TopologyPatternSchema>;
/** A relation in a {@link Topology}. */
export type TopologyEdge = z.infer<typeof TopologyEdgeSchema>;
/** A gateway route in a {@link Topology}. */
export type TopologyRoute = z.infer<typeof TopologyRouteSchema>;
/** One of the relations a cell declares. */
export type Relation = z.infer<typeof RelationSchema>;

/**
 * {@link TopologySchema} as a JSON Schema (draft 2020-12) with its descriptions, for consumers that
 * do not use zod (a browser view, another language).
 */
export function topologyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(TopologySchema);
}
