/**
 * The append-only, hash-chained audit log. Every request that reaches authorisation is appended as one
 * JSON line carrying the hash of the line before it; lines are buffered and written + fsync'd in
 * batches (a request does not wait for the disk), and after each batch the new chain head is signed
 * (Ed25519 or HMAC) into a separate checkpoint file, so cutting entries off the end is detected too.
 * Appends are synchronous and ordered; if the disk fails the log turns unavailable and `append` throws,
 * which makes the gateway fail closed (503) instead of serving unaudited requests.
 *
 * Loss bound: `close()` writes everything appended before it finishes; an abrupt stop loses only the
 * entries appended since the last finished batch (about `flushIntervalMs` plus one write + fsync, at
 * most `maxPending`). A batch is reported (`onCheckpoint`) only once it is fsync'd.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import type { Logger } from '@cellular/core';
import { CellularError, silentLogger } from '@cellular/core';
import type { EnvelopeCipher } from './envelope-cipher.js';
import type { Checkpoint, EntryData } from './internal/audit-format.js';
import { EntryBuffer, GENESIS, signCheckpoint, splitEntry } from './internal/audit-format.js';

/** What the gateway records for one authorisation decision. */
export interface AuditEvent {
  /** Request id (also sent to the client as `x-request-id`). */
  readonly requestId: string;
  /** `route` (capability check) or `object` (per-object check). */
  readonly stage: 'route' | 'object';
  readonly decision: 'allow' | 'deny';
  /** Why: `ok`, `public`, `unauthenticated`, `missing-capability`, `object-denied`, a token error code, … */
  readonly reason: string;
  readonly principal: string | null;
  /** `api-key`, `jwt` or `none`. */
  readonly authMethod: string;
  readonly credentialId?: string;
  readonly ip: string;
  readonly method: string;
  /** The route template (`/orders/:id`), never the raw URL. */
  readonly route: string;
  readonly contract: string;
  /** Present when the decision was about one object. */
  readonly objectId?: string;
}

/** Anything the gateway can write audit events to. `append` must throw when it cannot record. */
export interface AuditSink {
  append(event: AuditEvent): void;
}

/** Options for {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** The JSON-lines file. Created if absent; an existing chain is continued. */
  readonly path: string;
  /**
   * Key that signs checkpoints: an Ed25519 private `KeyObject`, or secret bytes for HMAC-SHA256. Keep it
   * apart from the log (another volume, a KMS, an env var): whoever holds it can forge checkpoints.
   * Without a key no checkpoints are written and truncation of the tail goes undetected.
   */
  readonly checkpointKey?: KeyObject | Uint8Array;
  /** Checkpoint file. Defaults to `<path>.checkpoints`. */
  readonly checkpointPath?: string;
  /** Called with each new checkpoint, e.g. to ship it off the machine. Errors are logged, not thrown. */
  readonly onCheckpoint?: (checkpoint: Checkpoint) => void;
  /** Write and fsync at least this often while entries are pending. Defaults to 100 ms. */
  readonly flushIntervalMs?: number;
  /** Write at once when this many entries are pending. Defaults to 512. */
  readonly maxBatch?: number;
  /** Refuse appends (BACKPRESSURE) when this many entries wait for the disk. Defaults to 100,000. */
  readonly maxPending?: number;
  /** Encrypt each entry's `data` (record id `audit:<seq>`); the chain stays verifiable without the key. */
  readonly cipher?: EnvelopeCipher;
  /** Defaults to silent. */
  readonly logger?: Logger;
  /** Milliseconds since the epoch. Defaults to `Date.now`. */
  readonly now?: () => number;
}

const TAIL_BYTES = 1 << 20;

async function readHead(fh: FileHandle, path: string): Promise<{ seq: number; hash: string }> {
  const { size } = await fh.stat();
  if (size === 0) return { seq: 0, hash: GENESIS };
  const len = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(len);
  await fh.read(buf, 0, len, size - len);
  const text = buf.toString('utf8');
  if (!text.endsWith('\n')) {
    throw new CellularError('INVALID_CONFIG', `Audit log ${path} ends with a partial line; run "cellular-audit verify" before appending`);
  }
  const lines = text.slice(0, -1).split('\n');
  const last = lines[lines.length - 1] ?? '';
  const parts = splitEntry(last);
  let seq: unknown;
  try {
    seq = parts ? (JSON.parse(parts.body) as { seq?: unknown }).seq : undefined;
  } catch {
    seq = undefined;
  }
  if (!parts || typeof seq !== 'number') {
    throw new CellularError('INVALID_CONFIG', `Audit log ${path} does not end with a valid entry; run "cellular-audit verify"`);
  }
  return { seq, hash: parts.hash };
}

/**
 * The file-backed audit log. Implements {@link AuditSink}.
 *
 * @example
 * ```ts
 * const audit = await AuditLog.open({ path: '/var/log/gw/audit.jsonl', checkpointKey: ed25519PrivateKey });
 * const gateway = await createGateway({ ..., audit });
 * // later: await verifyAuditLog('/var/log/gw/audit.jsonl', { key: ed25519PublicKey })
 * ```
 */
export class AuditLog implements AuditSink {
  readonly #opts: AuditLogOptions;
  readonly #fh: FileHandle;
  readonly #cpFh: FileHandle | undefined;
  readonly #logger: Logger;
  readonly #now: () => number;
  #seq: number;
  /** Lines appended but not yet written; its head is always the chain's head (the hash of entry `#seq`). */
  readonly #pending: EntryBuffer;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #failed: unknown;
  #closed = false;
  #batchQueued = false;

  private constructor(opts: AuditLogOptions, fh: FileHandle, cpFh: FileHandle | undefined, head: { seq: number; hash: string }) {
    this.#opts = opts;
    this.#fh = fh;
    this.#cpFh = cpFh;
    this.#logger = opts.logger ?? silentLogger;
    this.#now = opts.now ?? Date.now;
    this.#seq = head.seq;
    this.#pending = new EntryBuffer(head.hash);
  }

  /** Open (or create) the log and continue its chain. Throws INVALID_CONFIG when its last line is damaged. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const fh = await open(options.path, 'a+', 0o600);
    let cpFh: FileHandle | undefined;
    try {
      const head = await readHead(fh, options.path);
      if (options.checkpointKey !== undefined) cpFh = await open(options.checkpointPath ?? `${options.path}.checkpoints`, 'a', 0o600);
      return new AuditLog(options, fh, cpFh, head);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Sequence number and hash of the last appended entry (not necessarily on disk yet). */
  get head(): { seq: number; hash: string } {
    return { seq: this.#seq, hash: this.#pending.head };
  }

  /** Append an event. Returns its sequence number. Throws INTERNAL once the log has failed or closed. */
  append(event: AuditEvent | Readonly<Record<string, unknown>>): number {
    return this.appendJson(JSON.stringify(event));
  }

  /**
   * Append an event given as its JSON text, or as an object that produces that text when the entry is
   * sealed: the gateway's path, which serialises its own events faster than `JSON.stringify` and byte for
   * byte the same (`internal/audit-json.ts`), in the sealing run. Same checks and errors as {@link append}.
   * @internal
   */
  appendJson(json: string | EntryData): number {
    if (this.#failed !== undefined || this.#closed) {
      throw new CellularError('INTERNAL', 'Audit log unavailable', { cause: this.#failed });
    }
    if (this.#pending.count >= (this.#opts.maxPending ?? 100_000)) {
      throw new CellularError('BACKPRESSURE', 'Audit log is behind');
    }
    const seq = this.#seq + 1;
    const cipher = this.#opts.cipher;
    const data = cipher ? JSON.stringify({ enc: cipher.encrypt(`audit:${seq}`, typeof json === 'string' ? json : json.json()) }) : json;
    this.#pending.append(seq, this.#now(), data);
    this.#seq = seq;
    if (this.#pending.count >= (this.#opts.maxBatch ?? 512)) {
      // One flush per full batch, not one per append while the disk is busy.
      if (!this.#batchQueued) {
        this.#batchQueued = true;
        this.flush().catch(() => undefined); // failure is recorded in #failed and logged
      }
    } else this.#timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.#opts.flushIntervalMs ?? 100);
    return seq;
  }

  /** Write, fsync and checkpoint everything appended so far. Rejects if the disk failed. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#flushing.then(async () => {
      this.#batchQueued = false;
      if (this.#pending.count === 0 || this.#failed !== undefined) return;
      const batch = this.#pending.take();
      // Appends are synchronous, so the head now is the head of exactly this batch.
      const head = { seq: this.#seq, hash: this.#pending.head };
      try {
        for (let off = 0; off < batch.length; ) off += (await this.#fh.write(batch, off)).bytesWritten;
        this.#pending.recycle(batch);
        await this.#fh.sync();
        if (this.#cpFh && this.#opts.checkpointKey !== undefined) {
          const cp = signCheckpoint(this.#opts.checkpointKey, head.seq, head.hash, this.#now());
          await this.#cpFh.write(`${JSON.stringify(cp)}\n`);
          await this.#cpFh.sync();
          try {
            this.#opts.onCheckpoint?.(cp);
          } catch (e) {
            this.#logger.error('audit onCheckpoint failed', { error: (e as Error).message });
          }
        }
      } catch (e) {
        this.#failed = e;
        this.#logger.error('audit log write failed; refusing further appends', { error: (e as Error).message });
        throw new CellularError('INTERNAL', 'Audit log write failed', { cause: e });
      }
    });
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  /** Flush and close. Further appends throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      await this.#fh.close();
      await this.#cpFh?.close();
    }
  }
}
