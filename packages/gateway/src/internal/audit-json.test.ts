import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditDecision } from './audit-json.js';
import { auditEventJson, auditEventOf, auditRoute, jsonString } from './audit-json.js';

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
        const ad: AuditDecision = { ...d, principal };
        const route = auditRoute(method, path, contract);
        const json = auditEventJson(ad, route);
        expect(json).toBe(JSON.stringify(auditEventOf(ad, route)));
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(auditEventOf(ad, route))));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the gateway event shape: key order, null principal, optional keys only when given', () => {
    const route = auditRoute('POST', '/orders/:id', 'orders.place');
    const base: AuditDecision = { requestId: 'r-1', stage: 'route', decision: 'deny', reason: 'no-credentials', principal: undefined, authMethod: 'none', ip: '10.0.0.7' };
    expect(auditEventJson(base, route)).toBe(
      '{"requestId":"r-1","stage":"route","decision":"deny","reason":"no-credentials","principal":null,"authMethod":"none","ip":"10.0.0.7","method":"POST","route":"/orders/:id","contract":"orders.place"}',
    );
    const full: AuditDecision = { ...base, stage: 'object', decision: 'allow', reason: 'ok', objectId: 'o-"1"', principal: { id: 'alice', roles: [], method: 'api-key', credentialId: 'k1' }, authMethod: 'api-key' };
    expect(auditEventJson(full, route)).toBe(
      '{"requestId":"r-1","stage":"object","decision":"allow","reason":"ok","objectId":"o-\\"1\\"","principal":"alice","authMethod":"api-key","credentialId":"k1","ip":"10.0.0.7","method":"POST","route":"/orders/:id","contract":"orders.place"}',
    );
  });
});
