import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContract, isContract } from './contract.js';
import { CellularError } from './errors.js';

const GetUser = defineContract({
  name: 'users.get',
  subject: 'users.get',
  version: 1,
  kind: 'query',
  schema: z.object({ id: z.string().min(1), opts: z.object({ deep: z.boolean() }).optional() }),
  response: z.object({ id: z.string(), name: z.string(), age: z.number().int() }),
});

const UserCreated = defineContract({
  name: 'users.created',
  subject: 'users.created',
  version: 2,
  kind: 'event',
  schema: z.object({ id: z.string(), tags: z.array(z.string()).default([]) }),
  description: 'A user was created',
});

const thrown = (fn: () => unknown): CellularError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof CellularError) return e;
    throw e;
  }
  throw new Error('expected a throw');
};

describe('defineContract', () => {
  it('returns a frozen handle with the definition and defaults', () => {
    expect(GetUser).toMatchObject({ name: 'users.get', subject: 'users.get', version: 1, kind: 'query', validate: 'publish' });
    expect(UserCreated.description).toBe('A user was created');
    expect(Object.isFrozen(GetUser)).toBe(true);
    expect(isContract(GetUser)).toBe(true);
    expect(isContract({ name: 'x' })).toBe(false);
  });

  it('parses good payloads, applying schema transforms and defaults', () => {
    expect(GetUser.parsePayload({ id: 'u1' })).toEqual({ id: 'u1' });
    expect(UserCreated.parsePayload({ id: 'u1' })).toEqual({ id: 'u1', tags: [] });
    expect(GetUser.parseResponse({ id: 'u1', name: 'Ada', age: 36 })).toEqual({ id: 'u1', name: 'Ada', age: 36 });
  });

  it('names the field path and what was expected on bad payloads', () => {
    const e = thrown(() => GetUser.parsePayload({ id: 'u1', opts: { deep: 'yes' } }));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toContain('opts.deep');
    expect(e.message).toContain('expected boolean');
    expect(e.message).toContain('users.get v1');
    expect(e.data?.issues).toEqual([expect.objectContaining({ path: 'opts.deep', code: 'invalid_type', expected: 'boolean' })]);
  });

  it('reports every issue and the root path', () => {
    const e = thrown(() => GetUser.parseResponse({ id: 1, age: 1.5 }));
    const issues = e.data?.issues as { path: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(['age', 'id', 'name']);
    expect(e.message).toContain('(+2 more)');
    expect(thrown(() => GetUser.parsePayload('nope')).data?.issues).toEqual([expect.objectContaining({ path: '(root)' })]);
  });

  it('refuses parseResponse on contracts without a response', () => {
    expect(thrown(() => UserCreated.parseResponse({})).code).toBe('UNSUPPORTED');
  });

  const base = { name: 'x.y', subject: 'x.y', version: 1, kind: 'event' as const, schema: z.string() };
  it.each([
    ['bad name', { ...base, name: '1abc' }, 'INVALID_CONTRACT', 'name'],
    ['name with space', { ...base, name: 'a b' }, 'INVALID_CONTRACT', 'name'],
    ['wildcard subject', { ...base, subject: 'x.*' }, 'INVALID_CONTRACT', 'subject'],
    ['empty token', { ...base, subject: 'x..y' }, 'INVALID_CONTRACT', 'subject'],
    ['version 0', { ...base, version: 0 }, 'INVALID_CONTRACT', 'version'],
    ['version 1.5', { ...base, version: 1.5 }, 'INVALID_CONTRACT', 'version'],
    ['bad kind', { ...base, kind: 'rpc' }, 'INVALID_CONTRACT', 'kind'],
    ['schema not zod', { ...base, schema: { type: 'string' } }, 'INVALID_CONTRACT', 'schema'],
    ['query without response', { ...base, kind: 'query' }, 'INVALID_CONTRACT', 'response'],
    ['event with response', { ...base, response: z.string() }, 'INVALID_CONTRACT', 'response'],
    ['bad validate', { ...base, validate: 'sometimes' }, 'INVALID_CONTRACT', 'validate'],
  ])('refuses %s', (_label, def, code, field) => {
    const e = thrown(() => defineContract(def as never));
    expect(e.code).toBe(code);
    expect(e.data?.field).toBe(field);
  });

  it('accepts commands with and without responses', () => {
    expect(defineContract({ ...base, kind: 'command' }).response).toBeUndefined();
    expect(defineContract({ ...base, kind: 'command', response: z.object({ ok: z.boolean() }) }).kind).toBe('command');
  });
});
