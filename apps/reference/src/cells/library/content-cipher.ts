/**
 * Optional encryption at rest of document content (title, text, summary) in library.db, with the
 * gateway's {@link EnvelopeCipher} (AES-256-GCM, a fresh data key per value, wrapped by the master key
 * named in the keyring). A sealed value is stored as `\u0001enc1:<kid>:<dk>:<iv>:<tag>:<ct>`; the record
 * id bound in as associated data is `<document id>:<field>`, so a value copied to another row or column
 * does not decrypt. Unsealed values are read as they are, so turning encryption on needs no migration:
 * `pnpm ops rotate-encryption-key` seals the existing rows.
 *
 * The keyring comes from a source function the caller memoises (app.ts re-reads the key file when it
 * changes): writes ask it for the current keyring, and a read that meets an unknown key id asks again
 * once, so a rotation done by another process while the app runs is picked up without a restart.
 */
import { CellularError } from '@cellular/core';
import type { EncryptedRecord, EnvelopeCipher } from '@cellular/gateway';

const PREFIX = '\u0001enc1:';

/** The content fields that are sealed. */
export type SealedField = 'title' | 'text' | 'summary';

/** Where the keyring comes from: returns the current cipher, or undefined when encryption is off. */
export type KeyringSource = () => EnvelopeCipher | undefined;

/** Seals and opens document content fields. */
export class ContentCipher {
  readonly #source: KeyringSource;
  #cipher: EnvelopeCipher | undefined;

  constructor(source: KeyringSource) {
    this.#source = source;
    this.#cipher = source();
  }

  /** True when `stored` is a sealed value. */
  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** The key id of a sealed value, or undefined for plaintext. */
  static keyIdOf(stored: string): string | undefined {
    return ContentCipher.isSealed(stored) ? stored.slice(PREFIX.length).split(':', 1)[0] : undefined;
  }

  /** The active key id, or undefined when encryption is off. */
  get activeKeyId(): string | undefined {
    this.#cipher = this.#source();
    return this.#cipher?.activeKeyId;
  }

  /** Seal `plaintext` as field `field` of document `docId` (returned as is when encryption is off or it is empty). */
  seal(docId: string, field: SealedField, plaintext: string): string {
    this.#cipher = this.#source();
    if (!this.#cipher || plaintext === '') return plaintext;
    const r = this.#cipher.encrypt(`${docId}:${field}`, plaintext);
    return `${PREFIX}${r.kid}:${r.dk}:${r.iv}:${r.tag}:${r.ct}`;
  }

  /**
   * Open a stored value (plaintext passes through).
   * @throws CellularError INVALID_CONFIG when the value is sealed and no keyring (or not its key) is
   *   configured; VALIDATION when it does not decrypt (wrong key, altered, or moved to another row).
   */
  open(docId: string, field: SealedField, stored: string): string {
    if (!ContentCipher.isSealed(stored)) return stored;
    const [kid = '', dk = '', iv = '', tag = '', ct = ''] = stored.slice(PREFIX.length).split(':');
    const record: EncryptedRecord = { v: 1, id: `${docId}:${field}`, kid, dk, iv, tag, ct };
    const attempt = (): string => {
      if (!this.#cipher) {
        throw new CellularError('INVALID_CONFIG', `Document ${docId} is encrypted (key "${kid}") but no encryption key is configured`, {
          data: { id: docId, kid, reason: 'no-keyring' },
        });
      }
      return this.#cipher.decrypt(record).toString('utf8');
    };
    try {
      return attempt();
    } catch (e) {
      if (!CellularError.is(e, 'INVALID_CONFIG')) throw e;
      this.#cipher = this.#source(); // the keyring may have been rotated by another process
      return attempt();
    }
  }
}
