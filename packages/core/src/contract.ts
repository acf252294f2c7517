/**
 * A contract is the only thing two cells share: a name, a subject, a version and zod schemas. Types
 * are inferred from the schemas, never written twice. Contracts are plain data so that tools (topology,
 * semantic diff, boundary checks) can read them without running anything.
 */
import type { z } from 'zod';
import { CellularError } from './errors.js';
import { assertSubject } from './subject.js';
import { parseOrThrow } from './validation.js';

/** What a contract's messages are: a fact (event), an order (command) or a question (query). */
export type ContractKind = 'event' | 'command' | 'query';

/**
 * Where the bus validates a contract's payload: when publishing, when receiving, both, or never.
 * Defaults to `'publish'`: in one process a message validated at publish cannot change on the way.
 * Use `'both'` for contracts that cross a trust boundary (a remote transport with other publishers).
 */
export type ValidationMode = 'publish' | 'receive' | 'both' | 'off';

const KINDS: readonly ContractKind[] = ['event', 'command', 'query'];
const MODES: readonly ValidationMode[] = ['publish', 'receive', 'both', 'off'];
const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_.:-]*$/u;

/** What {@link defineContract} accepts. */
export interface ContractDefinition<
  N extends string,
  K extends ContractKind,
  P extends z.ZodType,
  R extends z.ZodType | undefined,
> {
  /** Unique, stable name (`orders.placed`). Letters, digits and `_ . : -`. */
  readonly name: N;
  /** The concrete subject messages travel on (NATS grammar, no wildcards). */
  readonly subject: string;
  /** Positive integer; bump it for a breaking schema change. */
  readonly version: number;
  /** event, command or query. */
  readonly kind: K;
  /** The payload schema. */
  readonly schema: P;
  /** The response schema: required for queries, optional for commands, refused for events. */
  readonly response?: R;
  /** Where the bus validates. Defaults to `'publish'`. */
  readonly validate?: ValidationMode;
  /** One line for humans and generated docs. */
  readonly description?: string;
}

/**
 * The typed handle returned by {@link defineContract}. `P`/`R` carry the schemas so that payload and
 * response types flow to `publish`, `handle` and `request`.
 */
export interface Contract<
  N extends string = string,
  K extends ContractKind = ContractKind,
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType | undefined = z.ZodType | undefined,
> {
  readonly name: N;
  readonly subject: string;
  readonly version: number;
  readonly kind: K;
  readonly schema: P;
  readonly response: R;
  readonly validate: ValidationMode;
  readonly description: string | undefined;
  /** Parse a payload, or throw VALIDATION naming the field path. Returns the parsed (possibly transformed) value. */
  parsePayload(value: unknown): z.output<P>;
  /** Parse a response, or throw VALIDATION. Throws UNSUPPORTED when the contract has no response. */
  parseResponse(value: unknown): R extends z.ZodType ? z.output<R> : never;
}

/** Any contract. */
export type AnyContract = Contract<string, ContractKind, z.ZodType, z.ZodType | undefined>;
/** A contract of kind event. */
export type EventContract = Contract<string, 'event', z.ZodType, undefined>;
/** A contract that can be requested: a command or a query. */
export type RequestContract = Contract<string, 'command' | 'query', z.ZodType, z.ZodType | undefined>;

/** The payload type a publisher passes (the schema's input). */
export type PayloadInput<C extends AnyContract> = z.input<C['schema']>;
/** The payload type a handler receives (the schema's output). */
export type PayloadOf<C extends AnyContract> = z.output<C['schema']>;
/** The response type a requester receives; `void` when the contract has no response schema. */
export type ResponseOf<C extends AnyContract> = C['response'] extends z.ZodType ? z.output<C['response']> : void;
/** The response type a handler returns. */
export type ResponseInput<C extends AnyContract> = C['response'] extends z.ZodType ? z.input<C['response']> : void;

function invalid(message: string, data: Record<string, unknown>): CellularError {
  return new CellularError('INVALID_CONTRACT', message, { data });
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

/**
 * Define a contract. Invalid definitions throw INVALID_CONTRACT (or INVALID_SUBJECT) at definition
 * time, so a typo fails at start, not at the first message.
 *
 * @example
 * ```ts
 * const GetUser = defineContract({
 *   name: 'users.get', subject: 'users.get', version: 1, kind: 'query',
 *   schema: z.object({ id: z.string() }),
 *   response: z.object({ id: z.string(), name: z.string() }),
 * });
 * ```
 */
export function defineContract<
  const N extends string,
  const K extends ContractKind,
  P extends z.ZodType,
  R extends z.ZodType | undefined = undefined,
>(definition: ContractDefinition<N, K, P, R>): Contract<N, K, P, R> {
  const d = definition as Partial<ContractDefinition<N, K, P, R>> | null;
  if (typeof d !== 'object' || d === null) throw invalid('A contract definition must be an object', {});
  const { name, subject, version, kind, schema, response, validate = 'publish', description } = d;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw invalid(`Contract name ${JSON.stringify(name)} is invalid: use letters, digits and _ . : -, starting with a letter`, {
      field: 'name',
    });
  }
  if (typeof subject !== 'string') throw invalid(`Contract "${name}": subject must be a string`, { field: 'subject' });
  try {
    assertSubject(subject);
  } catch (e) {
    throw new CellularError('INVALID_CONTRACT', `Contract "${name}": ${(e as Error).message}`, {
      data: { field: 'subject', subject },
      cause: e,
    });
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw invalid(`Contract "${name}": version must be a positive integer, got ${JSON.stringify(version)}`, { field: 'version' });
  }
  if (typeof kind !== 'string' || !KINDS.includes(kind)) {
    throw invalid(`Contract "${name}": kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`, { field: 'kind' });
  }
  if (!isZodSchema(schema)) throw invalid(`Contract "${name}": schema must be a zod schema`, { field: 'schema' });
  if (response !== undefined && !isZodSchema(response)) {
    throw invalid(`Contract "${name}": response must be a zod schema`, { field: 'response' });
  }
  if (kind === 'query' && response === undefined) {
    throw invalid(`Contract "${name}": a query must declare a response schema`, { field: 'response' });
  }
  if (kind === 'event' && response !== undefined) {
    throw invalid(`Contract "${name}": an event has no response; use a command or query`, { field: 'response' });
  }
  if (!MODES.includes(validate)) {
    throw invalid(`Contract "${name}": validate must be one of ${MODES.join(', ')}`, { field: 'validate' });
  }
  const label = `${name} v${version}`;
  const contract: Contract<N, K, P, R> = {
    name,
    subject,
    version,
    kind,
    schema,
    response: response as R,
    validate,
    description,
    parsePayload: (value) => parseOrThrow(schema, value, `payload of ${label}`),
    parseResponse: ((value: unknown) => {
      if (response === undefined) {
        throw new CellularError('UNSUPPORTED', `Contract "${name}" has no response schema`, { data: { contract: name } });
      }
      return parseOrThrow(response, value, `response of ${label}`);
    }) as Contract<N, K, P, R>['parseResponse'],
  };
  return Object.freeze(contract);
}

/** True when `value` is a contract made by {@link defineContract}. */
export function isContract(value: unknown): value is AnyContract {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<AnyContract>;
  return typeof v.name === 'string' && typeof v.subject === 'string' && typeof v.parsePayload === 'function' && typeof v.kind === 'string';
}
