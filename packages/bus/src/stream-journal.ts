/**
 * The journal contract of the in-memory transport's durable streams. Streams stay in memory (that is
 * what makes them fast); the journal is a write-ahead log of what changed — streams, consumer groups,
 * publishes, delivery attempts, settlements — that is replayed at start, so that unacknowledged
 * messages are redelivered after a process restart (the idea of Spring Modulith's event publication
 * registry). `createFileJournal` is the implementation shipped here; anything with this shape works.
 */
import type { Envelope, StreamConfig } from '@cellular/core';

/** One change to the durable state. */
export type JournalRecord =
  /** A stream was created or reconfigured; `lastSeq` is set in compacted journals. */
  | { readonly t: 'stream'; readonly config: StreamConfig; readonly lastSeq?: number }
  /** A consumer group exists (its filter decides which messages it must settle). */
  | { readonly t: 'group'; readonly stream: string; readonly durable: string; readonly filter?: string }
  /** A message was stored. */
  | { readonly t: 'pub'; readonly stream: string; readonly seq: number; readonly at: number; readonly env: Envelope }
  /** Delivery attempt `n` of a message to a group started. */
  | { readonly t: 'try'; readonly stream: string; readonly durable: string; readonly seq: number; readonly n: number }
  /** A group settled a message (ack, term or dead letter): never redeliver it to that group. */
  | { readonly t: 'ack'; readonly stream: string; readonly durable: string; readonly seq: number }
  /** A message left the stream because of its limits (drop-oldest, max age). */
  | { readonly t: 'del'; readonly stream: string; readonly seq: number };

/** Where durable stream changes are persisted. */
export interface StreamJournal {
  /** The records to replay, read once when the streams start. Synchronous so that start-up is atomic. */
  load(): JournalRecord[];
  /** Append a record; resolves once it is durable (fsync'd), which may wait for the batch it joins. */
  append(record: JournalRecord): Promise<void>;
  /**
   * Give the journal a way to read the live state as records, used to compact it (rewrite it as just
   * the live state) when it has grown.
   */
  setSnapshot(snapshot: () => Iterable<JournalRecord>): void;
  /** Write and sync everything appended so far. */
  flush(): Promise<void>;
  /** Flush, then release the file. Further appends reject TRANSPORT_CLOSED. */
  close(): Promise<void>;
}

/** True when `value` has the {@link StreamJournal} methods. */
export function isStreamJournal(value: unknown): value is StreamJournal {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['load', 'append', 'setSnapshot', 'flush', 'close'].every((k) => typeof v[k] === 'function');
}
