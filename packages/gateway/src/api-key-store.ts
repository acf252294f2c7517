/**
 * API keys stored only as hashes. A key is `ck_<id>_<secret>`: the public id finds the record, the
 * 256-bit random secret is checked by comparing SHA-256 digests with `timingSafeEqual`. A slow KDF
 * (scrypt) adds nothing for 256 bits of entropy and would make every request pay for it; SHA-256 of a
 * high-entropy secret cannot be brute-forced. A principal may hold several active keys (rotation: issue
 * the new one, move clients, revoke the old one); revocation and expiry take effect on the next request.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@cellular/core';
import { CellularError, systemClock } from '@cellular/core';
import { ID_END, ID_START, isKeyShape, SECRET_START } from './internal/api-key-shape.js';
import type { Principal } from './principal.js';

/** The stored form of an API key: no secret, only its SHA-256 digest. Safe to persist. */
export interface ApiKeyRecord {
  /** Public key id (the part between `ck_` and the secret). */
  readonly id: string;
  /** The principal the key authenticates. */
  readonly principal: string;
  /** Roles granted to requests made with this key. */
  readonly roles: readonly string[];
  /** Hex SHA-256 of the secret part. */
  readonly hash: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Milliseconds since the epoch after which the key is refused; none when absent. */
  readonly expiresAt?: number;
  /** Set when the key was revoked (ms since the epoch). */
  readonly revokedAt?: number;
}

/** Options for {@link ApiKeyStore.issue}. */
export interface IssueApiKeyOptions {
  /** Roles for requests made with the key. Defaults to none. */
  readonly roles?: readonly string[];
  /** Lifetime in ms. Defaults to no expiry. */
  readonly ttlMs?: number;
}

const ID_RE = /^[A-Za-z0-9]{16}$/u;
const HASH_RE = /^[0-9a-f]{64}$/u;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DUMMY_HASH = Buffer.alloc(32);

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer'); // one-shot: no Hash object per request
}

/** The presented key's digest, reused by every `authenticate` (synchronous: filled and compared before anything else runs). */
const presentedDigest = Buffer.alloc(32);

/**
 * SHA-256 of `text` into {@link presentedDigest}. The digest comes back as a latin1 (`'binary'`) string (one char per
 * byte) and is written into the reused buffer: on Node 20 a `'buffer'` result costs a new ArrayBuffer per
 * call, about twice the time of the hash itself for a key.
 */
function sha256Presented(text: string): Buffer {
  presentedDigest.write(hash('sha256', text, 'binary'), 0, 'latin1'); // 'binary' is latin1
  return presentedDigest;
}

function newId(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += ALNUM.charAt(b % ALNUM.length);
  return out;
}

/** The hex SHA-256 digest stored for a full API key (`ck_<id>_<secret>`). */
export function hashApiKey(key: string): string {
  if (!isKeyShape(key)) throw new CellularError('VALIDATION', 'Not an API key of the form ck_<id>_<secret>');
  return sha256(key.slice(SECRET_START)).toString('hex');
}

/**
 * Holds API key records (hashes only) and authenticates presented keys.
 *
 * @example
 * ```ts
 * const keys = new ApiKeyStore();
 * const { key } = keys.issue('svc-billing', { roles: ['billing'] }); // show `key` once, never store it
 * keys.authenticate(key); // -> { id: 'svc-billing', roles: ['billing'], method: 'api-key', credentialId }
 * ```
 */
export class ApiKeyStore {
  readonly #records = new Map<string, ApiKeyRecord>();
  /** The stored digests decoded once (per record), not on every request. */
  readonly #digests = new WeakMap<ApiKeyRecord, Buffer>();
  readonly #clock: Clock;

  /** @param records previously exported records ({@link ApiKeyStore.records}); @param clock defaults to the system clock */
  constructor(records: Iterable<ApiKeyRecord> = [], clock: Clock = systemClock) {
    this.#clock = clock;
    for (const r of records) this.add(r);
  }

  /** Add a stored record (for example loaded from the secret store). Throws VALIDATION on a malformed one. */
  add(record: ApiKeyRecord): void {
    if (!ID_RE.test(record.id) || !HASH_RE.test(record.hash) || typeof record.principal !== 'string' || record.principal === '') {
      throw new CellularError('VALIDATION', 'Malformed API key record', { data: { id: JSON.stringify(record.id) } });
    }
    this.#store(Object.freeze({ ...record, roles: Object.freeze([...record.roles]) }));
  }

  #store(record: ApiKeyRecord): void {
    this.#digests.set(record, Buffer.from(record.hash, 'hex'));
    this.#records.set(record.id, record);
  }

  /**
   * Create a key for `principal`. Returns the full key (show it once; only its hash is kept) and the
   * stored record. Earlier keys of the principal stay valid until revoked: that is rotation.
   */
  issue(principal: string, options: IssueApiKeyOptions = {}): { key: string; record: ApiKeyRecord } {
    if (typeof principal !== 'string' || principal === '' || principal.length > 200) {
      throw new CellularError('VALIDATION', 'principal must be a non-empty string of at most 200 characters');
    }
    const id = newId();
    const secret = randomBytes(32).toString('base64url');
    const now = this.#clock.now();
    const record: ApiKeyRecord = {
      id,
      principal,
      roles: [...(options.roles ?? [])],
      hash: sha256(secret).toString('hex'),
      createdAt: now,
      ...(options.ttlMs === undefined ? {} : { expiresAt: now + options.ttlMs }),
    };
    this.add(record);
    return { key: `ck_${id}_${secret}`, record };
  }

  /** Revoke one key by id. Returns false when no such key. */
  revoke(id: string): boolean {
    const r = this.#records.get(id);
    if (!r) return false;
    this.#store(Object.freeze({ ...r, revokedAt: this.#clock.now() }));
    return true;
  }

  /** Revoke every key of a principal; returns how many were revoked. */
  revokePrincipal(principal: string): number {
    let n = 0;
    for (const r of this.#records.values()) {
      if (r.principal === principal && r.revokedAt === undefined && this.revoke(r.id)) n++;
    }
    return n;
  }

  /** All records (hashes only), for persisting. */
  records(): ApiKeyRecord[] {
    return [...this.#records.values()];
  }

  /**
   * The principal a presented key authenticates, or `undefined` (unknown, wrong secret, revoked or
   * expired). The digest comparison runs in constant time and also runs for unknown ids.
   */
  authenticate(presented: string): Principal | undefined {
    const shaped = isKeyShape(presented);
    const digest = sha256Presented(shaped ? presented.slice(SECRET_START) : presented.slice(0, 80));
    const record = shaped ? this.#records.get(presented.slice(ID_START, ID_END)) : undefined;
    const expected = (record && this.#digests.get(record)) ?? DUMMY_HASH;
    const same = timingSafeEqual(digest, expected);
    if (!record || !same) return undefined;
    if (record.revokedAt !== undefined) return undefined;
    if (record.expiresAt !== undefined && this.#clock.now() >= record.expiresAt) return undefined;
    return { id: record.principal, roles: record.roles, method: 'api-key', credentialId: record.id };
  }
}
