import { describe, expect, it } from 'vitest';
import { defineContract } from '@cellular/core';
import { z } from 'zod';
import { definePeriphery } from './define-periphery.js';
import { SandboxIncident } from './sandbox-incident.js';

const FIXTURE = new URL('../test/fixtures/tasks.mjs', import.meta.url);
const Echo = defineContract({ name: 'u.echo', subject: 'u.echo', version: 1, kind: 'query', schema: z.object({ n: z.number() }), response: z.object({ n: z.number() }) });

describe('definePeriphery', () => {
  it('declares a periphery cell with its grants as plain data, without starting anything', () => {
    const p = definePeriphery({
      name: 'pages',
      module: FIXTURE,
      handles: { echo: Echo },
      capabilities: { net: { allow: ['*.wikipedia.org:443'] }, fs: { read: ['./in'], write: ['./out'] } },
      cwd: '/srv',
      facts: { untrusted: true },
    });
    expect(p.kind).toBe('periphery');
    expect(p.handles).toEqual([Echo]);
    expect(p.publishes).toEqual([SandboxIncident]);
    expect(p.capabilities).toEqual(['net:outbound', 'fs:read', 'fs:write']);
    expect(p.facts).toEqual({ untrusted: true });
    expect(JSON.parse(JSON.stringify(p.grants))).toEqual(p.grants);
    expect(p.grants).toMatchObject({ tier: 'worker', net: { allow: ['*.wikipedia.org:443'] }, fs: { read: ['/srv/in'], write: ['/srv/out'] } });
    expect(p.stats()).toMatchObject({ tasks: 0, alive: 0 });
  });

  it('refuses a missing module and an empty handles map', () => {
    expect(() => definePeriphery({ name: 'x', module: '/nope/missing.mjs', handles: { echo: Echo } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', data: { field: 'module' } }),
    );
    expect(() => definePeriphery({ name: 'x', module: FIXTURE, handles: {} })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('refuses an invalid cell name', () => {
    expect(() => definePeriphery({ name: 'Bad Name', module: FIXTURE, handles: { echo: Echo } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONTRACT' }),
    );
  });
});
