/**
 * `@cellular/sandbox`: sandboxed peripheries. `definePeriphery` runs a module's task functions in a
 * piscina worker pool (or a child process) under Node's permission model, and exposes them on the bus
 * as a cell; network and file access go through host-side guards that check the grants.
 * @packageDocumentation
 */
export { definePeriphery } from './define-periphery.js';
export type { Periphery, PeripheryDefinition, PeripheryStats, RunOptions, SandboxIncidentPayload } from './define-periphery.js';
export { SandboxIncident, SandboxIncidentSchema } from './sandbox-incident.js';
export { resolveFsGrant, resolveLimits, resolveNetGrant } from './capabilities.js';
export type {
  Capabilities,
  FsGrant,
  NetGrant,
  PeripheryLimits,
  ResolvedFsGrant,
  ResolvedGrants,
  ResolvedLimits,
  ResolvedNetGrant,
  SandboxTier,
} from './capabilities.js';
export type { Resolver } from './internal/granted-fetch.js';
export { permissionSwitch } from './internal/permission-flags.js';
