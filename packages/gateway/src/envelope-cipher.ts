/**
 * AES-256-GCM envelope encryption for records at rest (the secret store, optionally the audit log).
 * Each record gets a fresh random 32-byte data key and 12-byte nonce; the data key is itself encrypted
 * ("wrapped") with the master key named by `kid`, so rotating the master key only re-wraps data keys.
 * The record id is bound in as associated data (a record copied under another id fails), and the full
 * 16-byte tag is required on decrypt: Node 20–24 accept truncated GCM tags unless `authTagLength` is
 * given, which would make forgeries far cheaper.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { CellularError } from '@cellular/core';

/** An encrypted record as stored (all binary fields base64). */
export interface EncryptedRecord {
  /** Format version. */
  readonly v: 1;
  /** The record id, bound as associated data. */
  readonly id: string;
  /** Master key id used to wrap the data key. */
  readonly kid: string;
  /** The wrapped data key: nonce (12) + ciphertext (32) + tag (16). */
  readonly dk: string;
  /** Nonce of the payload (12 bytes). */
  readonly iv: string;
  /** Payload ciphertext. */
  readonly ct: string;
  /** Payload tag (16 bytes). */
  readonly tag: string;
}

const ALG = 'aes-256-gcm';
const KID_RE = /^[A-Za-z0-9_.-]{1,64}$/u;

function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; ct: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const c = createCipheriv(ALG, key, iv, { authTagLength: 16 });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv, ct, tag: c.getAuthTag() };
}

function gcmDecrypt(key: Buffer, iv: Buffer, ct: Buffer, tag: Buffer, aad: Buffer): Buffer {
  if (iv.length !== 12 || tag.length !== 16) throw new Error('bad nonce or tag length');
  const d = createDecipheriv(ALG, key, iv, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ct), d.final()]);
}

/** Master keys by id, and which one encrypts new records. */
export interface Keyring {
  /** Key id used for new records. Must be in `keys`. */
  readonly activeKeyId: string;
  /** 32-byte master keys by id. Keep old ids while records still use them. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/**
 * Parse a keyring from text: `kid:base64key` entries separated by commas or newlines; the first entry
 * is the active key. Throws INVALID_CONFIG naming the entry on a bad id or a key that is not 32 bytes.
 */
export function parseKeyring(text: string, source = 'keyring'): Keyring {
  const keys = new Map<string, Buffer>();
  let active: string | undefined;
  for (const entry of text.split(/[\n,]/u).map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('#'))) {
    const i = entry.indexOf(':');
    const kid = i < 0 ? '' : entry.slice(0, i);
    if (!KID_RE.test(kid)) throw new CellularError('INVALID_CONFIG', `${source}: each entry must be kid:base64key with a kid of [A-Za-z0-9_.-]`);
    const key = Buffer.from(entry.slice(i + 1), 'base64');
    if (key.length !== 32) throw new CellularError('INVALID_CONFIG', `${source}: key "${kid}" must be 32 bytes (base64), got ${key.length}`);
    keys.set(kid, key);
    active ??= kid;
  }
  if (active === undefined) throw new CellularError('INVALID_CONFIG', `${source}: no keys`);
  return { activeKeyId: active, keys };
}

/**
 * Encrypts and decrypts {@link EncryptedRecord}s under a {@link Keyring}.
 *
 * @example
 * ```ts
 * const cipher = EnvelopeCipher.fromEnv(); // CELLULAR_GATEWAY_KEYS="k2:<base64>,k1:<base64>"
 * const rec = cipher.encrypt('db-password', 's3cret');
 * cipher.decrypt(rec).toString(); // 's3cret'
 * ```
 */
export class EnvelopeCipher {
  readonly #ring: Keyring;

  constructor(ring: Keyring) {
    if (!ring.keys.has(ring.activeKeyId)) throw new CellularError('INVALID_CONFIG', `active key "${ring.activeKeyId}" is not in the keyring`);
    for (const [kid, k] of ring.keys) {
      if (k.length !== 32) throw new CellularError('INVALID_CONFIG', `key "${kid}" must be 32 bytes`);
    }
    this.#ring = ring;
  }

  /** Read the keyring from an environment variable. Defaults to `CELLULAR_GATEWAY_KEYS` in `process.env`. */
  static fromEnv(name = 'CELLULAR_GATEWAY_KEYS', env: Readonly<Record<string, string | undefined>> = process.env): EnvelopeCipher {
    const text = env[name];
    if (text === undefined || text === '') throw new CellularError('INVALID_CONFIG', `environment variable ${name} is not set`);
    return new EnvelopeCipher(parseKeyring(text, name));
  }

  /**
   * Read the keyring from a file (same format as {@link parseKeyring}). Refuses a file that group or
   * others can read or write, as ssh does for private keys.
   */
  static fromKeyFile(path: string): EnvelopeCipher {
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0) throw new CellularError('INVALID_CONFIG', `key file ${path} must not be accessible by group or others (chmod 600)`);
    return new EnvelopeCipher(parseKeyring(readFileSync(path, 'utf8'), path));
  }

  /** The key id new records are encrypted with. */
  get activeKeyId(): string {
    return this.#ring.activeKeyId;
  }

  /** Encrypt `plaintext` as record `id` under the active key. */
  encrypt(id: string, plaintext: string | Uint8Array): EncryptedRecord {
    const kid = this.#ring.activeKeyId;
    const master = this.#ring.keys.get(kid);
    if (!master) throw new CellularError('INVALID_CONFIG', `active key "${kid}" missing`);
    const aad = Buffer.from(id, 'utf8');
    const dataKey = randomBytes(32);
    const wrapped = gcmEncrypt(master, dataKey, Buffer.from(`${kid}\n${id}`, 'utf8'));
    const body = gcmEncrypt(dataKey, typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : Buffer.from(plaintext), aad);
    dataKey.fill(0);
    return {
      v: 1,
      id,
      kid,
      dk: Buffer.concat([wrapped.iv, wrapped.ct, wrapped.tag]).toString('base64'),
      iv: body.iv.toString('base64'),
      ct: body.ct.toString('base64'),
      tag: body.tag.toString('base64'),
    };
  }

  /**
   * Decrypt a record. When `expectedId` is given the record must carry it (and it is the AAD).
   * @throws CellularError INVALID_CONFIG when the record's key id is not in the keyring;
   *   VALIDATION (`data.reason: 'decrypt-failed'`) on a wrong key or altered record. Nothing is changed.
   */
  decrypt(record: EncryptedRecord, expectedId?: string): Buffer {
    const id = expectedId ?? record.id;
    if (record.v !== 1 || typeof record.kid !== 'string' || record.id !== id) {
      throw new CellularError('VALIDATION', `Record "${id}" is malformed or carries another id`, { data: { id, reason: 'malformed' } });
    }
    const master = this.#ring.keys.get(record.kid);
    if (!master) {
      throw new CellularError('INVALID_CONFIG', `Record "${id}" was encrypted with key "${record.kid}", which is not in the keyring`, {
        data: { id, kid: record.kid, reason: 'unknown-key' },
      });
    }
    try {
      const dk = Buffer.from(record.dk, 'base64');
      const dataKey = gcmDecrypt(master, dk.subarray(0, 12), dk.subarray(12, dk.length - 16), dk.subarray(dk.length - 16), Buffer.from(`${record.kid}\n${id}`, 'utf8'));
      const out = gcmDecrypt(dataKey, Buffer.from(record.iv, 'base64'), Buffer.from(record.ct, 'base64'), Buffer.from(record.tag, 'base64'), Buffer.from(id, 'utf8'));
      dataKey.fill(0);
      return out;
    } catch (e) {
      throw new CellularError('VALIDATION', `Cannot decrypt record "${id}" with key "${record.kid}": wrong key or altered record`, {
        data: { id, kid: record.kid, reason: 'decrypt-failed' },
        cause: e,
      });
    }
  }

  /** Re-encrypt a record under the active key (decrypts first; throws without side effects on failure). */
  rewrap(record: EncryptedRecord): EncryptedRecord {
    return this.encrypt(record.id, this.decrypt(record));
  }
}
