/**
 * `@cellular/topology`: reads a Cellular composition without starting it and emits its topology as
 * Mermaid and as JSON (validated by {@link TopologySchema}). The `cellular graph` CLI wraps it.
 * @packageDocumentation
 */
export { buildTopology } from './build-topology.js';
export type { BuildTopologyOptions } from './build-topology.js';
export { toMermaid } from './to-mermaid.js';
export type { MermaidOptions } from './to-mermaid.js';
export { loadComposition } from './load-composition.js';
export type { LoadCompositionOptions } from './load-composition.js';
export { lineDiff, markerComments, readMarkedBlock, renderMarkedBlock, replaceMarkedBlock } from './marked-block.js';
export { runCli, USAGE } from './cli.js';
export type { CliIo } from './cli.js';
export {
  RelationSchema,
  TOPOLOGY_SCHEMA_VERSION,
  TopologyCellSchema,
  TopologyContractSchema,
  TopologyEdgeSchema,
  TopologyPatternSchema,
  TopologyRouteSchema,
  TopologySchema,
  topologyJsonSchema,
} from './topology-schema.js';
export type { Relation, Topology, TopologyCell, TopologyContract, TopologyEdge, TopologyPattern, TopologyRoute } from './topology-schema.js';
