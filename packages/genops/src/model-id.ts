/**
 * Decides whether a model id is pinned (a dated snapshot or a digest) or a moving alias. Moving
 * aliases (`gpt-4o`, `claude-sonnet-4-latest`, `llama3:latest`) silently change what they point to,
 * which would make a regeneration irreproducible, so pinning refuses them.
 */
import { CellularError } from '@cellular/core';

const DATED = [/(^|[-_@:])\d{4}-\d{2}-\d{2}($|[-_])/u, /(^|[-_@:])20\d{6}($|[-_])/u];
const DIGEST = /@sha256:[0-9a-f]{16,}$/u;
const ALWAYS_MOVING = /(^|[-_:.])(latest|preview|beta|exp|experimental)$/u;

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/gu, '\\$&').replaceAll('*', '.*')}$`, 'u');
}

/** Options for {@link checkModelId}. */
export interface ModelIdPolicy {
  /** Extra ids or globs refused as moving aliases. */
  readonly movingAliases?: readonly string[];
  /** Ids or globs accepted even without a date. */
  readonly allowModels?: readonly string[];
}

/** Why `model` is refused, or undefined when it is pinned. */
export function movingAliasReason(model: string, policy: ModelIdPolicy = {}): string | undefined {
  if ((policy.movingAliases ?? []).some((p) => glob(p).test(model))) return `${model} is listed as a moving alias`;
  if ((policy.allowModels ?? []).some((p) => glob(p).test(model))) return undefined;
  if (ALWAYS_MOVING.test(model)) return `${model} names a moving channel (latest/preview/beta)`;
  if (DIGEST.test(model)) return undefined;
  if (DATED[0]!.test(model) || DATED[1]!.test(model) || /-\d{4}$/u.test(model)) return undefined;
  return `${model} has no date or digest: it is an alias that may move; pin a dated snapshot (e.g. gpt-4o-2024-08-06, claude-sonnet-4-20250514)`;
}

/** Throw INVALID_CONFIG when `model` is a moving alias. */
export function checkModelId(model: string, policy: ModelIdPolicy = {}): void {
  const reason = movingAliasReason(model, policy);
  if (reason !== undefined) throw new CellularError('INVALID_CONFIG', `Refusing model id: ${reason}`, { data: { model } });
}
