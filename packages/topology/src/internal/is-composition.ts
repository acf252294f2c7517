/** Shape check shared by the loader and buildTopology: a composition is recognised by its data, not its class. */
import type { Composition } from '@cellular/core';

/** True when `value` has the shape `defineComposition` returns. */
export function isComposition(value: unknown): value is Composition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Composition>;
  return (
    typeof v.name === 'string' &&
    Array.isArray(v.cells) &&
    Array.isArray(v.routes) &&
    typeof v.transports === 'object' &&
    v.transports !== null &&
    typeof v.transports.default === 'string'
  );
}
