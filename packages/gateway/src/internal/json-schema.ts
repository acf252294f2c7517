/**
 * JSON Schema of a contract's zod schemas (zod 4's `z.toJSONSchema`), computed once per schema. The
 * input side is used for requests (what a client sends, before transforms and defaults) and the output
 * side for responses. Schemas zod cannot express (transforms, custom) become `{}` instead of failing.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

const cache = new WeakMap<object, { input?: JsonSchema; output?: JsonSchema }>();

/** The JSON Schema of `schema` for `io` ('input' for requests, 'output' for responses), without `$schema`. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  let entry = cache.get(schema);
  if (!entry) {
    entry = {};
    cache.set(schema, entry);
  }
  const hit = entry[io];
  if (hit) return hit;
  let out: JsonSchema;
  try {
    out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  } catch {
    out = {};
  }
  const { $schema: _ignored, ...rest } = out;
  entry[io] = rest;
  return rest;
}

/** True when the schema describes a JSON object (so path and query parameters can be merged into it). */
export function isObjectSchema(s: JsonSchema): boolean {
  return s.type === 'object';
}
