/**
 * One constructor for refusals, so every refusal carries the same shape: code SANDBOX_VIOLATION and a
 * machine-readable `reason` in `data`, which the periphery counts and publishes.
 */
import { CellularError } from '@cellular/core';

/** Why a request from inside a periphery was refused. */
export type ViolationReason =
  | 'no-permission-model'
  | 'permission-denied'
  | 'scheme'
  | 'bad-url'
  | 'method'
  | 'host'
  | 'address'
  | 'dns'
  | 'redirect'
  | 'request-too-large'
  | 'response-too-large'
  | 'response-timeout'
  | 'fs-outside-grant'
  | 'fs-symlink'
  | 'fs-too-large'
  | 'fs-not-granted'
  | 'memory';

/** Build a SANDBOX_VIOLATION error. */
export function violation(reason: ViolationReason, message: string, data: Record<string, unknown> = {}): CellularError {
  return new CellularError('SANDBOX_VIOLATION', message, { data: { reason, ...data } });
}
