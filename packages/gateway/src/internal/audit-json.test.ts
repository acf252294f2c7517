import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditDecision } from './audit-json.js';
import { AuditRecord, auditEventJson, auditEventOf, auditRoute, jsonString } from './audit-json.js';

/** Strings JSON treats specially, alone and inside others. */
const TRICKY = ['', '"', '\\', '\\"', '\u0000', '\u0001', '\b', '\f', '\n', '\r', '\t', '\u001f', '\u007f', '\u2028', '\u2029', '\ud800', '\udfff', '\udc00\ud800', '\ud83d\ude00', 'é', '€', '</script>', '{"a":1}', 'null'];
const tricky = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: 'binary' }), // any code point, including astral ones
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), // any UTF-16 unit: lone surrogates
  fc.tuple(fc.string(), fc.constantFrom(...TRICKY), fc.string()).map(([a, b, c]) => a + b + c),
);

describe('audit event JSON', () => {
  it('jsonString is JSON.stringify for every kind of string', () => {
    for (const s of TRICKY) expect(jsonString(s)).toBe(JSON.stringify(s));
    fc.assert(fc.property(tricky, (s) => jsonString(s) === JSON.stringify(s)), { numRuns: 5000 });
  });

  it('auditEventJson is JSON.stringify of auditEventOf, byte for byte', () => {
    const decision = fc.record(
      {
        requestId: tricky,
        stage: fc.constantFrom('route' as const, 'object' as const),
        decision: fc.constantFrom('allow' as const, 'deny' as const),
        reason: tricky,
        objectId: fc.option(tricky, { nil: undefined }),
        principal: fc.option(fc.record({ id: tricky, roles: fc.constant([] as string[]), method: fc.constant('api-key' as const), credentialId: fc.option(tricky, { nil: undefined }) }), { nil: undefined }),
        authMethod: tricky,
        ip: tricky,
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(decision, tricky, tricky, tricky, (d, method, path, contract) => {
        const principal = d.principal === undefined ? undefined : { id: d.principal.id, roles: d.principal.roles, method: d.principal.method, ...(d.principal.credentialId === undefined ? {} : { credentialId: d.principal.credentialId }) };
        const route = auditRoute(method, path, contract);
        const record = new AuditRecord(d.requestId, d.stage, d.decision, d.reason, d.objectId, principal, d.authMethod, d.ip, route);
        const json = auditEventJson(record, route);
        expect(json).toBe(JSON.stringify(auditEventOf(record, route)));
        expect(record.json()).toBe(json);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(auditEventOf(record, route))));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the gateway event shape: key order, null principal, optional keys only when given', () => {
    const route = auditRoute('POST', '/orders/:id', 'orders.place');
    const base: AuditDecision = { requestId: 'r-1', stage: 'route', decision: 'deny', reason: 'no-credentials', principalId: undefined, authMethod: 'none', ip: '10.0.0.7' };
    expect(auditEventJson(base, route)).toBe(
      '{"requestId":"r-1","stage":"route","decision":"deny","reason":"no-credentials","principal":null,"authMethod":"none","ip":"10.0.0.7","method":"POST","route":"/orders/:id","contract":"orders.place"}',
    );
    const full: AuditDecision = { ...base, stage: 'object', decision: 'allow', reason: 'ok', objectId: 'o-"1"', principalId: 'alice', credentialId: 'k1', authMethod: 'api-key' };
    expect(auditEventJson(full, route)).toBe(
      '{"requestId":"r-1","stage":"object","decision":"allow","reason":"ok","objectId":"o-\\"1\\"","principal":"alice","authMethod":"api-key","credentialId":"k1","ip":"10.0.0.7","method":"POST","route":"/orders/:id","contract":"orders.place"}',
    );
  });

  it('an AuditRecord keeps the principal as it was when the decision was made', () => {
    const route = auditRoute('POST', '/orders', 'orders.place');
    const principal = { id: 'alice', roles: [] as string[], method: 'api-key' as const, credentialId: 'k1' };
    const record = new AuditRecord('r-2', 'route', 'allow', 'ok', undefined, principal, 'api-key', '127.0.0.1', route);
    const before = record.json();
    Object.assign(principal, { id: 'mallory', credentialId: 'k2' }); // a later change must not reach the entry
    expect(record.json()).toBe(before);
    expect(JSON.parse(before)).toMatchObject({ principal: 'alice', credentialId: 'k1' });
  });
});
