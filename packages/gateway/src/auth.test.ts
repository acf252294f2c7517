import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ApiKeyStore, hashApiKey } from './api-key-store.js';
import { findUnknownKeys } from './internal/unknown-keys.js';
import { createJwtVerifier } from './jwt-verifier.js';
import { createRbac } from './rbac.js';
import { GatewayStats } from './gateway-stats.js';

describe('ApiKeyStore', () => {
  it('keeps only hashes and authenticates, rotates, revokes and expires keys', () => {
    let now = 1000;
    const s = new ApiKeyStore([], { now: () => now });
    const a = s.issue('svc', { roles: ['r'], ttlMs: 500 });
    const b = s.issue('svc');
    expect(JSON.stringify(s.records())).not.toContain(a.key.split('_')[2]);
    expect(hashApiKey(a.key)).toBe(a.record.hash);
    expect(s.authenticate(a.key)).toMatchObject({ id: 'svc', roles: ['r'], method: 'api-key', credentialId: a.record.id });
    expect(s.authenticate(b.key)?.id).toBe('svc');
    expect(s.authenticate(`${a.key.slice(0, -2)}xx`)).toBeUndefined();
    expect(s.authenticate('garbage')).toBeUndefined();
    expect(s.authenticate('x'.repeat(10_000))).toBeUndefined();
    now = 2000;
    expect(s.authenticate(a.key)).toBeUndefined();
    expect(s.revokePrincipal('svc')).toBe(2);
    expect(s.authenticate(b.key)).toBeUndefined();
    const restored = new ApiKeyStore([{ ...b.record }]);
    expect(restored.authenticate(b.key)?.id).toBe('svc');
  });
});

describe('createJwtVerifier', () => {
  const ed = generateKeyPairSync('ed25519');
  const ed2 = generateKeyPairSync('ed25519');
  const base = { issuer: 'iss', audience: 'aud', algorithms: ['EdDSA'] };
  const sign = (claims: Record<string, unknown>, kid: string, key = ed.privateKey, alg = 'EdDSA') =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuer('iss').setAudience('aud').setExpirationTime('1m').sign(key);

  it('verifies with key rotation by kid and maps roles', async () => {
    const v = createJwtVerifier({ ...base, keys: [{ kid: 'old', key: ed.publicKey }, { kid: 'new', key: ed2.publicKey }] });
    expect(await v.verify(await sign({ sub: 'u', roles: ['a', 'b'] }, 'old'))).toMatchObject({ id: 'u', roles: ['a', 'b'], method: 'jwt' });
    expect((await v.verify(await sign({ sub: 'u', roles: 'a b' }, 'new', ed2.privateKey))).roles).toEqual(['a', 'b']);
    await expect(v.verify(await sign({ sub: 'u' }, 'new'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses algorithms outside the allow-list, including HS256 signed with the public key bytes', async () => {
    const secret = new Uint8Array(ed.publicKey.export({ format: 'der', type: 'spki' }));
    const v = createJwtVerifier({ ...base, keys: [{ key: ed.publicKey }] });
    const hs = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('iss').setAudience('aud').setExpirationTime('1m').sign(secret);
    await expect(v.verify(hs)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('requires exp and sub', async () => {
    const v = createJwtVerifier({ ...base, keys: [{ key: ed.publicKey }] });
    const noExp = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('iss').setAudience('aud').sign(ed.privateKey);
    await expect(v.verify(noExp)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('iss').setAudience('aud').setExpirationTime('1m').sign(ed.privateKey);
    await expect(v.verify(noSub)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('verifies against a local JWKS', async () => {
    const jwk = { ...ed.publicKey.export({ format: 'jwk' }), kid: 'j1', alg: 'EdDSA' };
    const v = createJwtVerifier({ ...base, jwks: { keys: [jwk] } });
    expect((await v.verify(await sign({ sub: 'u' }, 'j1'))).id).toBe('u');
  });

  it('refuses unsafe configuration', () => {
    expect(() => createJwtVerifier({ ...base, algorithms: [] , keys: [{ key: ed.publicKey }] })).toThrow(/at least one/u);
    expect(() => createJwtVerifier({ ...base, algorithms: ['none'], keys: [{ key: ed.publicKey }] })).toThrow(/none/u);
    expect(() => createJwtVerifier({ ...base })).toThrow(/exactly one/u);
    expect(() => createJwtVerifier({ ...base, keys: [{ key: ed.publicKey }, { key: ed2.publicKey }] })).toThrow(/kid/u);
  });
});

describe('createRbac', () => {
  it('grants only what roles list, with prefix wildcards, and ignores prototype names', () => {
    const r = createRbac({ roles: { reader: ['orders:read'], admin: ['orders:*'] } });
    expect(r.capabilitiesOf(['reader', 'unknown', 'constructor', '__proto__', 'toString'])).toEqual(['orders:read']);
    expect(r.allows(['orders:read'], ['orders:read'])).toBe(true);
    expect(r.allows(['orders:read'], ['orders:write'])).toBe(false);
    expect(r.allows(['orders:*'], ['orders:write', 'orders:read'])).toBe(true);
    expect(r.allows(['orders:*'], ['ordersx:read'])).toBe(false);
    expect(r.allows([], [])).toBe(true);
    expect(() => createRbac({ roles: { bad: ['a,b'] } })).toThrow(/invalid capability/u);
  });
});

describe('findUnknownKeys', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'string' },
      o: { type: 'object', properties: { x: { type: 'number' } } },
      arr: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
      rec: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'number' } },
      u: { anyOf: [{ type: 'object', properties: { p: {} } }, { type: 'object', properties: { q: {} } }] },
    },
  };
  it('names undeclared properties at any depth and allows records and union members', () => {
    expect(findUnknownKeys({ a: 'x', o: { x: 1 }, arr: [{ k: 'a' }], rec: { any: 1 }, u: { q: 1 } }, schema)).toEqual([]);
    expect(findUnknownKeys({ a: 'x', z: 1 }, schema)).toEqual(['z']);
    expect(findUnknownKeys({ o: { x: 1, y: 2 } }, schema)).toEqual(['o.y']);
    expect(findUnknownKeys({ arr: [{ k: 'a' }, { k: 'b', evil: 1 }] }, schema)).toEqual(['arr.1.evil']);
    expect(findUnknownKeys({ u: { r: 1 } }, schema)).toEqual(['u.r']);
  });
});

describe('GatewayStats', () => {
  it('counts distinct principals in a sliding window', () => {
    let now = 0;
    const s = new GatewayStats({ windowMs: 1000, clock: { now: () => now } });
    s.seen('a');
    s.seen('b');
    now = 600;
    s.seen('a');
    expect(s.snapshot().concurrentUsers).toBe(2);
    now = 1500;
    expect(s.snapshot().concurrentUsers).toBe(1);
    now = 3000;
    expect(s.snapshot().concurrentUsers).toBe(0);
    for (let i = 1; i <= 100; i++) s.request(i, i === 100 ? 500 : 200);
    expect(s.snapshot().latencyMs).toMatchObject({ samples: 100, p50: 51, p99: 100, max: 100 });
    expect(s.snapshot().serverErrors).toBe(1);
  });
});
