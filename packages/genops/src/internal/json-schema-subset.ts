/**
 * Decides whether every instance valid under JSON Schema `a` is also valid under `b` (a ⊆ b), for the
 * subset of JSON Schema that `z.toJSONSchema` produces (types, enum/const, string and number bounds,
 * arrays, objects with properties/required/additionalProperties, anyOf/oneOf/allOf). Conservative by
 * design: whenever the answer is not provable the result is `false`, so an unknown construct can only
 * make a change look less compatible, never hide a break.
 */

/** A JSON Schema document or sub-schema. */
export type JsonSchema = boolean | { readonly [key: string]: unknown };

type Obj = Readonly<Record<string, unknown>>;

const ANNOTATIONS = new Set(['$schema', 'description', 'title', 'default', 'examples', '$id', 'deprecated', 'readOnly', 'writeOnly', '$comment', 'id']);

function strip(s: JsonSchema): JsonSchema {
  if (typeof s === 'boolean') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (!ANNOTATIONS.has(k)) out[k] = v;
  return out;
}

function isEmpty(s: JsonSchema): boolean {
  return s === true || (typeof s === 'object' && Object.keys(s).length === 0);
}

function typesOf(s: Obj): Set<string> | undefined {
  const t = s.type;
  if (typeof t === 'string') return new Set([t]);
  if (Array.isArray(t)) return new Set(t.filter((x): x is string => typeof x === 'string'));
  return undefined;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Obj)[k])]));
  }
  return v;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Validate one JSON value against a schema (same supported subset; unknown keywords are ignored). */
export function validates(schema: JsonSchema, value: unknown): boolean {
  if (typeof schema === 'boolean') return schema;
  const s = schema;
  if (Array.isArray(s.anyOf) && !s.anyOf.some((x) => validates(x as JsonSchema, value))) return false;
  if (Array.isArray(s.oneOf) && s.oneOf.filter((x) => validates(x as JsonSchema, value)).length !== 1) return false;
  if (Array.isArray(s.allOf) && !s.allOf.every((x) => validates(x as JsonSchema, value))) return false;
  if ('const' in s && !deepEqual(s.const, value)) return false;
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value))) return false;
  const types = typesOf(s);
  const t = jsonType(value);
  if (types && !types.has(t) && !(t === 'integer' && types.has('number'))) return false;
  if (typeof value === 'string') {
    if (value.length < (num(s.minLength) ?? 0) || value.length > (num(s.maxLength) ?? Infinity)) return false;
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) return false;
  }
  if (typeof value === 'number') {
    if (value < (num(s.minimum) ?? -Infinity) || value > (num(s.maximum) ?? Infinity)) return false;
    if (num(s.exclusiveMinimum) !== undefined && value <= num(s.exclusiveMinimum)!) return false;
    if (num(s.exclusiveMaximum) !== undefined && value >= num(s.exclusiveMaximum)!) return false;
  }
  if (Array.isArray(value)) {
    if (value.length < (num(s.minItems) ?? 0) || value.length > (num(s.maxItems) ?? Infinity)) return false;
    if (s.items !== undefined && !value.every((v) => validates(s.items as JsonSchema, v))) return false;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Obj;
    const props = (s.properties ?? {}) as Obj;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) return false;
    for (const [k, v] of Object.entries(o)) {
      if (k in props) {
        if (!validates(props[k] as JsonSchema, v)) return false;
      } else if (s.additionalProperties !== undefined && !validates(s.additionalProperties as JsonSchema, v)) return false;
    }
  }
  return true;
}

/** True when every instance of `a` is an instance of `b`. Conservative (false when unsure). */
export function isSubschema(aIn: JsonSchema, bIn: JsonSchema, depth = 0): boolean {
  if (depth > 32) return false;
  const a = strip(aIn);
  const b = strip(bIn);
  if (isEmpty(b)) return true;
  if (a === false) return true;
  if (isEmpty(a) || b === false) return false;
  if (typeof a === 'boolean' || typeof b === 'boolean') return false;
  if (deepEqual(a, b)) return true;
  if ('$ref' in a || '$ref' in b || '$defs' in a || '$defs' in b) return false;
  // Unions on the left: every branch must fit.
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = a[key];
    if (Array.isArray(branches)) {
      const rest = { ...a };
      delete rest[key];
      return branches.every((br) => isSubschema({ ...rest, ...(br as Obj) }, b, depth + 1));
    }
  }
  if (Array.isArray(a.allOf)) {
    const rest = { ...a };
    delete rest.allOf;
    return a.allOf.some((x) => isSubschema({ ...rest, ...(x as Obj) }, b, depth + 1)) || (Object.keys(rest).length > 0 && isSubschema(rest, b, depth + 1));
  }
  // Finite left side: check each value.
  if ('const' in a) return validates(b, a.const);
  if (Array.isArray(a.enum)) return a.enum.every((v) => validates(b, v));
  // Unions on the right: some branch must hold all of a.
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = b[key];
    if (Array.isArray(branches)) {
      const rest = { ...b };
      delete rest[key];
      if (Object.keys(rest).length > 0 && !isSubschema(a, rest, depth + 1)) return false;
      return branches.some((br) => isSubschema(a, br as JsonSchema, depth + 1));
    }
  }
  if (Array.isArray(b.allOf)) {
    const rest = { ...b };
    delete rest.allOf;
    return b.allOf.every((x) => isSubschema(a, x as JsonSchema, depth + 1)) && isSubschema(a, rest, depth + 1);
  }
  if ('const' in b || Array.isArray(b.enum)) {
    const values = 'const' in b ? [b.const] : (b.enum as unknown[]);
    const at = typesOf(a);
    if (at?.size === 1 && at.has('boolean')) return values.includes(true) && values.includes(false);
    if (at?.size === 1 && at.has('null')) return values.includes(null);
    return false;
  }
  const at = typesOf(a);
  const bt = typesOf(b);
  if (!at) return false;
  for (const t of at) {
    if (bt && !bt.has(t) && !(t === 'integer' && bt.has('number'))) return false;
    if (!typeSubset(t, a, b, depth)) return false;
  }
  return true;
}

function typeSubset(t: string, a: Obj, b: Obj, depth: number): boolean {
  switch (t) {
    case 'string': {
      if ((num(a.minLength) ?? 0) < (num(b.minLength) ?? 0)) return false;
      if ((num(a.maxLength) ?? Infinity) > (num(b.maxLength) ?? Infinity)) return false;
      if (b.pattern !== undefined && b.pattern !== a.pattern) return false;
      if (b.format !== undefined && b.format !== a.format) return false;
      return true;
    }
    case 'number':
    case 'integer': {
      if (t === 'number' && typesOf(b)?.has('integer') === true && typesOf(b)?.has('number') !== true) return false;
      const lo = (s: Obj): [number, boolean] => {
        const m = num(s.minimum) ?? -Infinity;
        const x = num(s.exclusiveMinimum);
        return x !== undefined && x >= m ? [x, true] : [m, false];
      };
      const hi = (s: Obj): [number, boolean] => {
        const m = num(s.maximum) ?? Infinity;
        const x = num(s.exclusiveMaximum);
        return x !== undefined && x <= m ? [x, true] : [m, false];
      };
      const [alo, aloX] = lo(a);
      const [blo, bloX] = lo(b);
      const [ahi, ahiX] = hi(a);
      const [bhi, bhiX] = hi(b);
      if (alo < blo || (alo === blo && bloX && !aloX)) return false;
      if (ahi > bhi || (ahi === bhi && bhiX && !ahiX)) return false;
      if (b.multipleOf !== undefined && (num(a.multipleOf) === undefined || num(a.multipleOf)! % num(b.multipleOf)! !== 0)) return false;
      return true;
    }
    case 'boolean':
    case 'null':
      return true;
    case 'array': {
      if ((num(a.minItems) ?? 0) < (num(b.minItems) ?? 0)) return false;
      if ((num(a.maxItems) ?? Infinity) > (num(b.maxItems) ?? Infinity)) return false;
      if (b.prefixItems !== undefined && !deepEqual(a.prefixItems, b.prefixItems)) return false;
      if (b.items !== undefined && !isSubschema((a.items ?? true) as JsonSchema, b.items as JsonSchema, depth + 1)) return false;
      if (b.uniqueItems === true && a.uniqueItems !== true) return false;
      return true;
    }
    case 'object':
      return objectSubset(a, b, depth);
    default:
      return false;
  }
}

function objectSubset(a: Obj, b: Obj, depth: number): boolean {
  const ap = (a.properties ?? {}) as Obj;
  const bp = (b.properties ?? {}) as Obj;
  const areq = new Set((a.required ?? []) as string[]);
  for (const r of (b.required ?? []) as string[]) if (!areq.has(r)) return false;
  const aAdd = (a.additionalProperties ?? true) as JsonSchema;
  const bAdd = (b.additionalProperties ?? true) as JsonSchema;
  for (const [k, bs] of Object.entries(bp)) {
    const as = ap[k];
    if (as !== undefined) {
      if (!isSubschema(as as JsonSchema, bs as JsonSchema, depth + 1)) return false;
    } else if (!isSubschema(aAdd, bs as JsonSchema, depth + 1)) return false;
  }
  for (const [k, as] of Object.entries(ap)) {
    if (k in bp) continue;
    if (!isSubschema(as as JsonSchema, bAdd, depth + 1)) return false;
  }
  if (!isSubschema(aAdd, bAdd, depth + 1)) return false;
  if (b.propertyNames !== undefined && !deepEqual(a.propertyNames, b.propertyNames)) {
    if (!isSubschema((a.propertyNames ?? { type: 'string' }) as JsonSchema, b.propertyNames as JsonSchema, depth + 1)) return false;
  }
  if ((num(a.minProperties) ?? 0) < (num(b.minProperties) ?? 0)) return false;
  if ((num(a.maxProperties) ?? Infinity) > (num(b.maxProperties) ?? Infinity)) return false;
  return true;
}
