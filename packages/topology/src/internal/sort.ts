/**
 * Deterministic ordering and JSON cleaning for topology output. Strings are compared by code unit,
 * not by locale, so the output is identical on every machine whatever its locale settings.
 */

/** Compare two strings by UTF-16 code units (locale-independent). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The distinct values, sorted by {@link compareStrings}. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/** JSON-compatible value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A plain-data copy of a record as JSON with object keys sorted: functions, symbols and undefined
 * are dropped (as `JSON.stringify` does), so grants holding a callback cannot break the output.
 * `mapString` rewrites every string (used to make absolute paths relative).
 */
export function toJsonRecord(value: object, mapString: (s: string) => string = (s) => s): Record<string, JsonValue> {
  const out = toJson(value, mapString);
  return out !== null && typeof out === 'object' && !Array.isArray(out) ? out : {};
}

function toJson(value: unknown, mapString: (s: string) => string): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return mapString(value);
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) return value.map((v) => toJson(v, mapString) ?? null);
      if (value instanceof RegExp) return value.toString();
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Set) return [...(value as Set<unknown>)].map((v) => toJson(v, mapString) ?? null);
      const out: Record<string, JsonValue> = {};
      for (const key of Object.keys(value).sort(compareStrings)) {
        const v = toJson((value as Record<string, unknown>)[key], mapString);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined;
  }
}
