/**
 * Contract compatibility in the sense of schema-registry compatibility modes, computed on the JSON
 * Schemas that `z.toJSONSchema` produces. Design choice: a writer emits values of its schema's
 * *output* type (closed objects) and a reader accepts its schema's *input* type (zod strips unknown
 * keys, so input objects are open). Hence BACKWARD (a new reader reads old data) is
 * `old.output ⊆ new.input`, FORWARD (an old reader reads new data) is `new.output ⊆ old.input`, FULL
 * is both. Adding an optional field is FULL, adding a required field FORWARD only, removing one
 * BACKWARD only. A change that breaks the configured mode must come with a contract version bump.
 */
import { isContract } from '@cellular/core';
import { z } from 'zod';
import { isSubschema } from './internal/json-schema-subset.js';
import type { JsonSchema } from './internal/json-schema-subset.js';
import type { ChangeBump } from './internal/api-comparer.js';

export type { JsonSchema } from './internal/json-schema-subset.js';
export { isSubschema } from './internal/json-schema-subset.js';

/** Schema-registry compatibility level between two schemas. */
export type Compatibility = 'FULL' | 'BACKWARD' | 'FORWARD' | 'NONE';

/** The level a contract change must keep. `NONE` accepts anything. */
export type CompatibilityMode = 'FULL' | 'BACKWARD' | 'FORWARD' | 'NONE';

/** The JSON Schemas of one zod schema: what its parser accepts and what it produces. */
export interface SchemaPair {
  readonly input: JsonSchema;
  readonly output: JsonSchema;
}

/** A contract (or exported zod schema) reduced to plain data. */
export interface ContractSnapshot {
  /** The export name it was found under. */
  readonly exportName: string;
  /** Contract name; the export name for a bare zod schema. */
  readonly name: string;
  /** Contract version; undefined for a bare zod schema. */
  readonly version?: number;
  readonly kind?: string;
  readonly subject?: string;
  readonly payload: SchemaPair;
  readonly response?: SchemaPair;
}

/** One classified contract change. */
export interface ContractChange {
  readonly contract: string;
  readonly exportName: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly bump: ChangeBump;
  /** Compatibility of the payload (and response) schemas; absent for added/removed. */
  readonly payload?: Compatibility;
  readonly response?: Compatibility;
  /** True when the change breaks the configured mode. */
  readonly breaking: boolean;
  /** Set when a breaking change came without a contract version bump: the check must fail. */
  readonly violation?: string;
  readonly reason: string;
}

function isZodSchema(v: unknown): v is z.ZodType {
  return typeof v === 'object' && v !== null && '_zod' in v && typeof (v as { safeParse?: unknown }).safeParse === 'function';
}

/** The input and output JSON Schemas of a zod schema (unrepresentable parts become `{}`). */
export function schemaPair(schema: z.ZodType): SchemaPair {
  const opts = { unrepresentable: 'any', cycles: 'ref', reused: 'inline' } as const;
  return {
    input: z.toJSONSchema(schema, { ...opts, io: 'input' }),
    output: z.toJSONSchema(schema, { ...opts, io: 'output' }),
  };
}

/** Snapshot every contract and bare zod schema exported by a module namespace. */
export function snapshotContracts(namespace: Readonly<Record<string, unknown>>): ContractSnapshot[] {
  const out: ContractSnapshot[] = [];
  for (const exportName of Object.keys(namespace).sort()) {
    const v = namespace[exportName];
    if (isContract(v)) {
      out.push({
        exportName,
        name: v.name,
        version: v.version,
        kind: v.kind,
        subject: v.subject,
        payload: schemaPair(v.schema),
        ...(v.response ? { response: schemaPair(v.response) } : {}),
      });
    } else if (isZodSchema(v)) {
      out.push({ exportName, name: exportName, payload: schemaPair(v) });
    }
  }
  return out;
}

/** Compatibility level of a schema change. */
export function compatibility(before: SchemaPair, after: SchemaPair): Compatibility {
  const backward = isSubschema(before.output, after.input);
  const forward = isSubschema(after.output, before.input);
  return backward && forward ? 'FULL' : backward ? 'BACKWARD' : forward ? 'FORWARD' : 'NONE';
}

const satisfies = (level: Compatibility, mode: CompatibilityMode): boolean =>
  mode === 'NONE' || level === 'FULL' || level === mode;

const stable = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'object' && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

const ANNOTATION_KEYS = new Set(['description', 'title', 'examples', '$comment', 'deprecated']);

function withoutAnnotations(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutAnnotations);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !ANNOTATION_KEYS.has(k)).map(([k, x]) => [k, withoutAnnotations(x)]));
}

/**
 * Compare contract snapshots. Defaults to mode BACKWARD (new consumers read old messages), the
 * schema-registry default.
 */
export function diffContracts(
  before: readonly ContractSnapshot[],
  after: readonly ContractSnapshot[],
  mode: CompatibilityMode = 'BACKWARD',
): ContractChange[] {
  const changes: ContractChange[] = [];
  const oldBy = new Map(before.map((c) => [c.exportName, c]));
  const newBy = new Map(after.map((c) => [c.exportName, c]));
  for (const [exportName, o] of oldBy) {
    const n = newBy.get(exportName);
    if (!n) {
      changes.push({ contract: o.name, exportName, kind: 'removed', bump: 'major', breaking: true, reason: `contract ${o.name} was removed` });
      continue;
    }
    if (stable(o) === stable(n)) continue;
    const payload = compatibility(o.payload, n.payload);
    let response: Compatibility | undefined;
    if (o.response && n.response) response = compatibility(o.response, n.response);
    else if (o.response || n.response) response = 'NONE';
    const routing = o.subject !== n.subject || o.kind !== n.kind || o.name !== n.name;
    const ok = !routing && satisfies(payload, mode) && (response === undefined || satisfies(response, mode));
    const full = payload === 'FULL' && (response === undefined || response === 'FULL') && !routing;
    const schemasEqual =
      stable(withoutAnnotations(o.payload)) === stable(withoutAnnotations(n.payload)) &&
      stable(withoutAnnotations(o.response)) === stable(withoutAnnotations(n.response));
    const versionBumped = o.version !== undefined && n.version !== undefined && n.version > o.version;
    const bump: ChangeBump = !ok ? 'major' : full && schemasEqual ? 'patch' : 'minor';
    const reasons = [
      `payload ${payload}`,
      ...(response !== undefined ? [`response ${response}`] : []),
      ...(routing ? ['name, subject or kind changed'] : []),
      ...(versionBumped ? [`version ${String(o.version)} -> ${String(n.version)}`] : []),
    ];
    const violation =
      !ok && !versionBumped && o.version !== undefined
        ? `breaking change to contract ${n.name} (${reasons.join(', ')}) under mode ${mode} without a version bump`
        : undefined;
    changes.push({
      contract: n.name,
      exportName,
      kind: 'changed',
      bump,
      payload,
      ...(response !== undefined ? { response } : {}),
      breaking: !ok,
      ...(violation !== undefined ? { violation } : {}),
      reason: `contract ${n.name} changed: ${reasons.join(', ')}`,
    });
  }
  for (const [exportName, n] of newBy) {
    if (!oldBy.has(exportName)) changes.push({ contract: n.name, exportName, kind: 'added', bump: 'minor', breaking: false, reason: `contract ${n.name} was added` });
  }
  return changes;
}
