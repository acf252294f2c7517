import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { createJwtVerifier } from './jwt-verifier.js';

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
