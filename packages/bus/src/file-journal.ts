/**
 * An append-only file journal for the in-memory transport's durable streams: JSON lines, one record
 * per line, fsync'd in batches (group commit). A durable publish or an explicit ack resolves once the
 * batch holding its record is on disk, so many concurrent publishes share one fsync instead of paying
 * one each. When the file has grown well past the live state it is compacted: the live state is
 * written to a temporary file, fsync'd and renamed over the journal (atomic on POSIX), so a crash
 * during compaction leaves either the old or the new journal, never a mix. A torn last line (the
 * process died mid-write) is cut off at load; anything after it was never acknowledged.
 *
 * JSON lines rather than a binary format: a journal can be read with `cat` and `jq` when something
 * goes wrong, and envelopes are JSON already.
 */
import { closeSync, existsSync, mkdirSync, fdatasync, fsyncSync, openSync, readFileSync, renameSync, rmSync, truncateSync, write, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { CellularError, silentLogger } from '@cellular/core';
import type { Logger } from '@cellular/core';
import type { JournalRecord, StreamJournal } from './stream-journal.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/** Options for {@link createFileJournal}. */
export interface FileJournalOptions {
  /** Path of the journal file; created when missing. A `<path>.compact` file is used while compacting. */
  readonly path: string;
  /** Longest time a record waits before its batch is written and synced. Defaults to 10 ms. */
  readonly flushIntervalMs?: number;
  /** A batch is written as soon as it holds this many records. Defaults to 512. */
  readonly flushEveryRecords?: number;
  /**
   * Compact once the file exceeds this many bytes and twice its size after the last compaction.
   * Defaults to 64 MiB.
   */
  readonly compactAfterBytes?: number;
  /** Call fdatasync after each batch. Turning it off trades crash safety for speed. Defaults to true. */
  readonly fsync?: boolean;
  /** Where problems (skipped corrupt lines, failed writes) are reported. Defaults to silent. */
  readonly logger?: Logger;
}

interface Batch {
  readonly lines: string[];
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => undefined); // callers get the rejection through append(); never unhandled here
  return { lines: [], done, resolve, reject };
}

/** Statistics of a {@link FileJournal}. */
export interface FileJournalStats {
  /** Current file size in bytes (as written by this process). */
  readonly bytes: number;
  /** Records written since start. */
  readonly records: number;
  /** Batches written (each one write and one fsync). */
  readonly batches: number;
  /** Compactions done. */
  readonly compactions: number;
}

/** The file journal returned by {@link createFileJournal}. */
export interface FileJournal extends StreamJournal {
  /** The journal file. */
  readonly path: string;
  /** Sizes and counters, for metrics and tests. */
  readonly stats: FileJournalStats;
  /** Rewrite the journal as the live state now (normally automatic). */
  compact(): Promise<void>;
}

class FileJournalImpl implements FileJournal {
  private fd: number | undefined;
  private batch = newBatch();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private snapshot: (() => Iterable<JournalRecord>) | undefined;
  private closed = false;
  private bytes = 0;
  private bytesAfterCompaction = 0;
  private records = 0;
  private batches = 0;
  private compactions = 0;
  private compactRequested = false;
  private readonly logger: Logger;
  private readonly interval: number;
  private readonly maxBatch: number;
  private readonly compactAfter: number;
  private readonly sync: boolean;

  constructor(readonly path: string, options: FileJournalOptions) {
    this.logger = options.logger ?? silentLogger;
    this.interval = options.flushIntervalMs ?? 10;
    this.maxBatch = options.flushEveryRecords ?? 512;
    this.compactAfter = options.compactAfterBytes ?? 64 * 1024 * 1024;
    this.sync = options.fsync ?? true;
  }

  get stats(): FileJournalStats {
    return { bytes: this.bytes, records: this.records, batches: this.batches, compactions: this.compactions };
  }

  load(): JournalRecord[] {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      return this.read();
    } catch (error) {
      throw new CellularError('TRANSPORT_ERROR', `Cannot open the journal ${this.path}`, { cause: error, data: { path: this.path } });
    }
  }

  private read(): JournalRecord[] {
    const tmp = `${this.path}.compact`;
    if (existsSync(tmp)) rmSync(tmp, { force: true }); // an interrupted compaction; the journal itself is intact
    const out: JournalRecord[] = [];
    if (existsSync(this.path)) {
      const text = readFileSync(this.path, 'utf8');
      let offset = 0;
      let lineNo = 0;
      while (offset < text.length) {
        const nl = text.indexOf('\n', offset);
        const line = nl === -1 ? text.slice(offset) : text.slice(offset, nl);
        lineNo++;
        if (nl === -1) {
          // No newline: the process died while writing this record; it was never acknowledged.
          this.logger.warn('journal: cutting off a torn last record', { path: this.path, line: lineNo });
          truncateSync(this.path, Buffer.byteLength(text.slice(0, offset)));
          break;
        }
        offset = nl + 1;
        if (line.length === 0) continue;
        try {
          out.push(JSON.parse(line) as JournalRecord);
        } catch {
          this.logger.warn('journal: skipping a corrupt record', { path: this.path, line: lineNo });
        }
      }
      this.bytes = Buffer.byteLength(text.slice(0, offset));
    }
    this.bytesAfterCompaction = this.bytes;
    this.compactRequested = this.bytes > this.compactAfter;
    this.fd = openSync(this.path, 'a');
    return out;
  }

  setSnapshot(snapshot: () => Iterable<JournalRecord>): void {
    this.snapshot = snapshot;
    if (this.compactRequested) this.schedule(0);
  }

  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new CellularError('TRANSPORT_CLOSED', 'journal is closed', { data: { path: this.path } }));
    if (this.fd === undefined) this.load();
    const batch = this.batch;
    batch.lines.push(`${JSON.stringify(record)}\n`);
    this.schedule(batch.lines.length >= this.maxBatch ? 0 : this.interval);
    return batch.done;
  }

  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return this.enqueueWrite();
  }

  async compact(): Promise<void> {
    this.compactRequested = true;
    await this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private schedule(delay: number): void {
    if (this.timer !== undefined) {
      if (delay > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueueWrite();
    }, delay);
  }

  /** Writes are serialised: one batch (or compaction) at a time, in order. */
  private enqueueWrite(): Promise<void> {
    this.chain = this.chain.then(() => this.writeBatch());
    return this.chain;
  }

  private async writeBatch(): Promise<void> {
    const batch = this.batch;
    const wantsCompaction =
      this.snapshot !== undefined &&
      (this.compactRequested || (this.bytes > this.compactAfter && this.bytes > 2 * this.bytesAfterCompaction));
    if (batch.lines.length === 0 && !wantsCompaction) return;
    this.batch = newBatch();
    try {
      if (wantsCompaction) this.rewrite();
      else await this.appendLines(batch.lines);
      batch.resolve();
    } catch (error) {
      this.logger.error('journal write failed', { path: this.path, error: error instanceof Error ? error.message : String(error) });
      batch.reject(new CellularError('TRANSPORT_ERROR', `journal write to ${this.path} failed`, { cause: error }));
    }
  }

  private async appendLines(lines: readonly string[]): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) throw new CellularError('TRANSPORT_CLOSED', 'journal is closed');
    const buf = Buffer.from(lines.join(''), 'utf8');
    let written = 0;
    while (written < buf.length) {
      const { bytesWritten } = await writeAsync(fd, buf, written, buf.length - written);
      written += bytesWritten;
    }
    if (this.sync) await fdatasyncAsync(fd);
    this.bytes += buf.length;
    this.records += lines.length;
    this.batches++;
  }

  /**
   * Replace the journal by the live state. Synchronous on purpose: the snapshot must match the state
   * at one instant, and records appended meanwhile belong to the next batch (after the snapshot).
   */
  private rewrite(): void {
    const snapshot = this.snapshot;
    if (snapshot === undefined) return;
    const lines: string[] = [];
    for (const rec of snapshot()) lines.push(`${JSON.stringify(rec)}\n`);
    const text = lines.join('');
    const tmp = `${this.path}.compact`;
    writeFileSync(tmp, text);
    const tfd = openSync(tmp, 'r+');
    try {
      fsyncSync(tfd);
    } finally {
      closeSync(tfd);
    }
    renameSync(tmp, this.path);
    try {
      const dfd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // directory fsync is not possible everywhere; the rename itself is atomic
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.bytes = Buffer.byteLength(text);
    this.bytesAfterCompaction = this.bytes;
    this.records += lines.length;
    this.compactions++;
    this.compactRequested = false;
    this.logger.info('journal compacted', { path: this.path, bytes: this.bytes, records: lines.length });
  }
}

/**
 * Create an append-only file journal for the in-memory transport: pass it as
 * `createMemoryTransport({ journal: createFileJournal({ path }) })` and durable streams survive a
 * process restart (capabilities.durability becomes `persistent`). Unacknowledged messages are
 * redelivered after a restart, with their delivery count kept.
 *
 * One journal belongs to one transport in one process at a time.
 *
 * @example
 * ```ts
 * const transport = createMemoryTransport({ journal: createFileJournal({ path: './data/bus.journal' }) });
 * ```
 */
export function createFileJournal(options: FileJournalOptions): FileJournal {
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw new CellularError('INVALID_CONFIG', 'createFileJournal needs a path');
  }
  return new FileJournalImpl(options.path, options);
}
