/**
 * The OpenAPI 3.1 document of a gateway, generated from its routes and their contracts so it cannot
 * drift from what the gateway enforces. Request schemas are the contracts' zod input schemas with
 * `additionalProperties: false` semantics (the gateway rejects unknown properties); internal details
 * (bus subjects) are left out on purpose.
 */
import type { GatewayRoute } from './gateway-route.js';
import type { JsonSchema } from './internal/json-schema.js';
import { isObjectSchema, jsonSchemaOf } from './internal/json-schema.js';

/** Options for {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** `info.title`. Defaults to `Cellular gateway`. */
  readonly title?: string;
  /** `info.version`. Defaults to `1.0.0`. */
  readonly version?: string;
  /** `servers[].url` entries. Defaults to none. */
  readonly servers?: readonly string[];
}

/** An OpenAPI 3.1 document (plain JSON). */
export type OpenApiDocument = Record<string, unknown> & { readonly openapi: '3.1.0' };

const ERROR_REF = { $ref: '#/components/responses/Error' };
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/gu)].map((m) => m[1] ?? '');
}

function without(schema: JsonSchema, names: readonly string[]): JsonSchema {
  if (!isObjectSchema(schema) || names.length === 0) return schema;
  const props = { ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
  for (const n of names) delete props[n];
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((r) => !names.includes(r)) : undefined;
  return { ...schema, properties: props, ...(required === undefined ? {} : { required }) };
}

/** Build the document for a list of routes. */
export function buildOpenApiDocument(routes: readonly GatewayRoute[], options: OpenApiOptions = {}): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const c = r.contract;
    const params = pathParams(r.path);
    const input = jsonSchemaOf(c.schema, 'input');
    const props = (isObjectSchema(input) ? (input.properties as Record<string, JsonSchema> | undefined) : undefined) ?? {};
    const required = new Set(Array.isArray(input.required) ? (input.required as string[]) : []);
    const parameters: Record<string, unknown>[] = params.map((p) => ({ name: p, in: 'path', required: true, schema: props[p] ?? { type: 'string' } }));
    const op: Record<string, unknown> = {
      operationId: `${r.method.toLowerCase()}_${c.name.replace(/[^A-Za-z0-9_]/gu, '_')}`,
      summary: r.summary ?? c.description ?? c.name,
      'x-cellular-contract': { name: c.name, version: c.version, kind: c.kind },
      security: r.public === true ? [] : [{ apiKey: [] }, { bearer: [] }],
    };
    if (r.capabilities !== undefined) op['x-required-capabilities'] = [...r.capabilities];
    const errors = { '400': ERROR_REF, '401': ERROR_REF, '403': ERROR_REF, '429': ERROR_REF, '500': ERROR_REF, '503': ERROR_REF, '504': ERROR_REF };
    if (c.kind === 'event') {
      op.responses = {
        '200': { description: `Server-sent events: each \`data:\` line is one ${c.name} event`, content: { 'text/event-stream': { schema: jsonSchemaOf(c.schema, 'output') } } },
        ...errors,
      };
    } else {
      if (BODY_METHODS.has(r.method)) {
        op.requestBody = { required: true, content: { 'application/json': { schema: without(input, params) } } };
      } else {
        for (const [name, schema] of Object.entries(props)) {
          if (!params.includes(name)) parameters.push({ name, in: 'query', required: required.has(name), schema });
        }
      }
      const status = String(r.status ?? (c.response === undefined ? 204 : 200));
      op.responses = {
        [status]:
          c.response === undefined
            ? { description: 'Done' }
            : { description: 'The reply', content: { 'application/json': { schema: jsonSchemaOf(c.response, 'output') } } },
        ...errors,
      };
    }
    if (parameters.length > 0) op.parameters = parameters;
    const oaPath = r.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/gu, '{$1}');
    paths[oaPath] ??= {};
    paths[oaPath][r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title ?? 'Cellular gateway', version: options.version ?? '1.0.0' },
    ...(options.servers ? { servers: options.servers.map((url) => ({ url })) } : {}),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
      schemas: {
        ErrorBody: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
              },
            },
          },
        },
      },
      responses: {
        Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } },
      },
    },
  };
}
