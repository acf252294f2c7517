/**
 * Finds object properties a JSON Schema does not declare. zod objects strip unknown keys by default;
 * a gateway must reject them instead (mass assignment, OWASP API3), without asking every contract
 * author to write `z.strictObject`. The contract's JSON Schema (from `z.toJSONSchema`, input side) says
 * which keys each object declares; this walks the value alongside it. Unions accept a key that any
 * branch declares; `additionalProperties` other than `false`/absent (records, loose objects) allows any.
 */

type Schema = Record<string, unknown>;

const MAX_DEPTH = 64;

function resolve(schema: unknown, root: Schema): Schema | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const s = schema as Schema;
  const ref = s.$ref;
  if (typeof ref === 'string') {
    if (ref === '#') return root;
    const m = /^#\/(?:\$defs|definitions)\/(.+)$/u.exec(ref);
    const defs = (root.$defs ?? root.definitions) as Schema | undefined;
    return m?.[1] !== undefined && defs && Object.hasOwn(defs, m[1]) ? resolve(defs[m[1]], root) : undefined;
  }
  return s;
}

function branches(s: Schema): Schema[] {
  const out: Schema[] = [];
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const v = s[k];
    if (Array.isArray(v)) for (const b of v) if (typeof b === 'object' && b !== null) out.push(b as Schema);
  }
  return out;
}

const declaredCache = new WeakMap<Schema, Set<string> | null>();

/** Declared property names of an object schema, or `null` when any key is allowed. Memoised per schema node. */
function declared(s: Schema, root: Schema, depth: number): Set<string> | null {
  const hit = declaredCache.get(s);
  if (hit !== undefined) return hit;
  const computed = computeDeclared(s, root, depth);
  declaredCache.set(s, computed);
  return computed;
}

function computeDeclared(s: Schema, root: Schema, depth: number): Set<string> | null {
  const out = new Set<string>();
  let open = false;
  const visit = (x: Schema, d: number): void => {
    if (d > MAX_DEPTH || open) return;
    const props = x.properties;
    if (typeof props === 'object' && props !== null) for (const k of Object.keys(props)) out.add(k);
    const ap = x.additionalProperties;
    const isObjectish = x.type === 'object' || props !== undefined;
    if (isObjectish && ap !== undefined && ap !== false) open = true;
    if (x.type === 'object' && props === undefined && ap === undefined) open = true;
    if (x.patternProperties !== undefined || x.propertyNames !== undefined) open = true;
    if (Object.keys(x).length === 0) open = true; // `{}`: any value
    for (const b of branches(x)) {
      const r = resolve(b, root);
      if (r) visit(r, d + 1);
    }
  };
  visit(s, depth);
  return open ? null : out;
}

/** Sub-schemas that may describe the value under property `key`. */
function propertySchemas(s: Schema, key: string, root: Schema, depth: number): Schema[] {
  const out: Schema[] = [];
  const visit = (x: Schema, d: number): void => {
    if (d > MAX_DEPTH) return;
    const props = x.properties as Schema | undefined;
    if (props && Object.hasOwn(props, key)) {
      const r = resolve(props[key], root);
      if (r) out.push(r);
    }
    for (const b of branches(x)) {
      const r = resolve(b, root);
      if (r) visit(r, d + 1);
    }
  };
  visit(s, depth);
  return out;
}

function itemSchemas(s: Schema, index: number, root: Schema): Schema[] {
  const out: Schema[] = [];
  const visit = (x: Schema, d: number): void => {
    if (d > MAX_DEPTH) return;
    const prefix = x.prefixItems;
    if (Array.isArray(prefix) && index < prefix.length) {
      const r = resolve(prefix[index], root);
      if (r) out.push(r);
    } else {
      const r = resolve(x.items, root);
      if (r) out.push(r);
    }
    for (const b of branches(x)) {
      const rb = resolve(b, root);
      if (rb) visit(rb, d + 1);
    }
  };
  visit(s, 0);
  return out;
}

/**
 * Paths (`a.b.0.c`) of properties in `value` that `schema` does not declare; empty when none. Stops at
 * `limit` findings and at depth 64.
 */
export function findUnknownKeys(value: unknown, schema: Schema, limit = 10): string[] {
  const found: string[] = [];
  const walk = (v: unknown, schemas: Schema[], path: string, depth: number): void => {
    if (found.length >= limit || depth > MAX_DEPTH || schemas.length === 0) return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, schemas.flatMap((s) => itemSchemas(s, i, schema)), path === '' ? String(i) : `${path}.${i}`, depth + 1);
      });
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    let allowed: Set<string> | null = new Set();
    for (const s of schemas) {
      const d = declared(s, schema, depth);
      if (d === null) {
        allowed = null;
        break;
      }
      for (const k of d) allowed.add(k);
    }
    for (const k of Object.keys(v)) {
      const p = path === '' ? k : `${path}.${k}`;
      if (allowed !== null && !allowed.has(k)) {
        found.push(p);
        if (found.length >= limit) return;
        continue;
      }
      walk((v as Record<string, unknown>)[k], schemas.flatMap((s) => propertySchemas(s, k, schema, depth)), p, depth + 1);
    }
  };
  const root = resolve(schema, schema);
  if (root) walk(value, [root], '', 0);
  return found;
}

/**
 * {@link findUnknownKeys} for one schema, prepared once per route. The common case — an object whose
 * keys are all declared and whose values are all primitives — is answered with one set lookup per key;
 * anything else (an unknown key, a nested object or array, a non-object value, a schema that allows
 * any key at the top) takes the full walk, so the answer is always exactly `findUnknownKeys`'s.
 */
export function unknownKeyChecker(schema: Schema): (value: unknown) => string[] {
  const root = resolve(schema, schema);
  const top = root ? declared(root, schema, 0) : null;
  if (top === null) return (value) => findUnknownKeys(value, schema);
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return findUnknownKeys(value, schema);
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (!top.has(k) || (typeof v === 'object' && v !== null)) return findUnknownKeys(value, schema);
    }
    return [];
  };
}
