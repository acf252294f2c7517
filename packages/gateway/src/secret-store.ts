/**
 * The gateway's secrets (API key records, signing keys, upstream credentials) in one encrypted JSON
 * file. Every value is an {@link EncryptedRecord} under the {@link EnvelopeCipher}; writes go to a temp
 * file that is fsync'd and renamed over the old one, so a crash leaves the old or the new file, never a
 * torn one. A wrong key fails the read with a clear error and never rewrites the file: no data loss.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { CellularError } from '@cellular/core';
import type { EncryptedRecord, EnvelopeCipher } from './envelope-cipher.js';

interface StoreFile {
  readonly v: 1;
  readonly records: Record<string, EncryptedRecord>;
}

const NAME_RE = /^[A-Za-z0-9_.:/-]{1,200}$/u;

/**
 * An encrypted key-value file.
 *
 * @example
 * ```ts
 * const store = await SecretStore.open('/var/lib/gw/secrets.json', EnvelopeCipher.fromEnv());
 * await store.set('jwt-hmac', secretBytes);
 * const value = store.get('jwt-hmac');
 * ```
 */
export class SecretStore {
  readonly #path: string;
  readonly #cipher: EnvelopeCipher;
  #records: Map<string, EncryptedRecord>;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, cipher: EnvelopeCipher, records: Map<string, EncryptedRecord>) {
    this.#path = path;
    this.#cipher = cipher;
    this.#records = records;
  }

  /** Open (or start) a store. Throws VALIDATION when the file is not a secret store. */
  static async open(path: string, cipher: EnvelopeCipher): Promise<SecretStore> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new SecretStore(path, cipher, new Map());
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new CellularError('VALIDATION', `Secret store ${path} is not valid JSON`, { cause: e });
    }
    const file = parsed as Partial<StoreFile> | null;
    if (typeof file !== 'object' || file === null || file.v !== 1 || typeof file.records !== 'object') {
      throw new CellularError('VALIDATION', `Secret store ${path} has an unknown format`);
    }
    return new SecretStore(path, cipher, new Map(Object.entries(file.records)));
  }

  /** Names of stored secrets. */
  names(): string[] {
    return [...this.#records.keys()];
  }

  /** Key id each record is encrypted with (to see what a rotation still has to cover). */
  keyIds(): Map<string, string> {
    return new Map([...this.#records].map(([n, r]) => [n, r.kid]));
  }

  /** Decrypt a secret, or `undefined` when absent. Throws (see {@link EnvelopeCipher.decrypt}) on a wrong key. */
  get(name: string): Buffer | undefined {
    const r = this.#records.get(name);
    return r === undefined ? undefined : this.#cipher.decrypt(r, name);
  }

  /** Encrypt and store a secret under the active key, then persist. */
  async set(name: string, value: string | Uint8Array): Promise<void> {
    if (!NAME_RE.test(name)) throw new CellularError('VALIDATION', `Invalid secret name ${JSON.stringify(name)}`);
    const next = new Map(this.#records);
    next.set(name, this.#cipher.encrypt(name, value));
    await this.#persist(next);
  }

  /** Remove a secret and persist. Returns false when it was absent. */
  async delete(name: string): Promise<boolean> {
    if (!this.#records.has(name)) return false;
    const next = new Map(this.#records);
    next.delete(name);
    await this.#persist(next);
    return true;
  }

  /**
   * Re-encrypt every record under the active key. All records are decrypted first: if any fails, the
   * error is thrown and the file is left exactly as it was.
   */
  async rotate(): Promise<number> {
    const next = new Map<string, EncryptedRecord>();
    for (const [name, r] of this.#records) next.set(name, this.#cipher.rewrap(r));
    await this.#persist(next);
    return next.size;
  }

  async #persist(next: Map<string, EncryptedRecord>): Promise<void> {
    const run = this.#writing.then(async () => {
      const body: StoreFile = { v: 1, records: Object.fromEntries(next) };
      const tmp = `${this.#path}.${process.pid}.tmp`;
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(JSON.stringify(body));
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, this.#path);
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      }
      this.#records = next;
    });
    this.#writing = run.catch(() => undefined);
    await run;
  }
}
