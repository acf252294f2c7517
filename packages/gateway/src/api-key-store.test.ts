import { describe, expect, it } from 'vitest';
import { ApiKeyStore, hashApiKey } from './api-key-store.js';

describe('ApiKeyStore', () => {
  it('keeps only hashes and authenticates, rotates, revokes and expires keys', () => {
    let now = 1000;
    const s = new ApiKeyStore([], { now: () => now });
    const a = s.issue('svc', { roles: ['r'], ttlMs: 500 });
    const b = s.issue('svc');
    // The secret is everything after `ck_<16-char id>_`; it may itself contain `_` (base64url), so no split.
    const secret = a.key.slice('ck_'.length + 16 + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(s.records())).not.toContain(secret);
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
