/**
 * The permission-model flags for the running Node. Node 20 spells the switch
 * `--experimental-permission`; 22.13+ and 24 spell it `--permission` and refuse the old spelling in a
 * Worker's execArgv (ERR_WORKER_INVALID_EXEC_ARGV), so we ask the running Node which one it knows
 * rather than parse version numbers. A Worker given `--allow-*` without the switch crashes the whole
 * process, which is why the switch is always first and never optional.
 */
import { CellularError } from '@cellular/core';

/** The permission switch this Node understands. @throws CellularError UNSUPPORTED on a Node without one */
export function permissionSwitch(): '--permission' | '--experimental-permission' {
  const flags = process.allowedNodeEnvironmentFlags;
  if (flags.has('--permission')) return '--permission';
  if (flags.has('--experimental-permission')) return '--experimental-permission';
  throw new CellularError('UNSUPPORTED', `Node ${process.version} has no permission model; peripheries need Node >= 20.19`);
}

/**
 * Flags for a sandbox: the switch plus read access to `readPaths` only. Nothing else is granted:
 * no fs writes, child processes, workers, addons, WASI or inspector. From Node 25 the same switch
 * also denies network access (no `--allow-net`).
 */
export function permissionFlags(readPaths: readonly string[]): string[] {
  const unique = [...new Set(readPaths)];
  // the permission model's ExperimentalWarning would otherwise print once per worker
  const quiet = process.allowedNodeEnvironmentFlags.has('--disable-warning') ? ['--disable-warning=ExperimentalWarning'] : [];
  return [permissionSwitch(), ...quiet, ...unique.map((p) => `--allow-fs-read=${p}`)];
}
