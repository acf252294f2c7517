/**
 * Durable streams on Redis Streams: the registry of stream configs (a hash, so any instance can find
 * the stream that captures a subject without having called `ensureStream` itself), durable publish
 * through one atomic Lua script (duplicate detection + bound + XADD, see publish-script.ts), and
 * dead-lettering. Consumers live in stream-consumer.ts.
 */
import {
  assertPattern,
  CellularError,
  HEADERS,
  subjectMatches,
  type Envelope,
  type PublishAck,
  type StreamConfig,
} from '@cellular/core';
import type { Redis } from 'ioredis';
import type { DeadlineEntry, DeadlineQueue } from './deadline-queue.js';
import type { KeyLayout } from './keys.js';
import type { PublishBatcher, PublishSlot } from './publish-batcher.js';
import { PUBLISH_SCRIPT } from './publish-script.js';
import { escapeGlob } from './subject-glob.js';

const STREAM_NAME_RE = /^[A-Za-z0-9_-]+$/u;
const DEFAULT_MAX_MESSAGES = 100_000;
/** Bound of the fallback dead-letter streams (approximate, MAXLEN ~). */
const DEAD_LETTER_MAX = 100_000;

/** Most messages stored by one script call (bounds the time one call holds the Redis thread). */
const SCRIPT_CHUNK = 256;

/**
 * One message waiting for this tick's script call. It is its own deadline entry, and it settles the one
 * promise its publisher holds: a durable publish costs one promise, whatever the retries and the timeout.
 */
class QueuedPublish implements DeadlineEntry {
  /** Deadline slot (DeadlineQueue.schedule); the entry is removed from it when it settles. */
  slot = 0;
  settled = false;

  constructor(
    readonly stream: StoredStream,
    readonly envelope: Envelope,
    readonly bytes: string | Buffer,
    /** Epoch ms after which the publish fails with TIMEOUT. */
    readonly deadline: number,
    readonly timeoutMs: number,
    /** Backoff before the next try when the stream is full (overflow `block`). */
    readonly wait: number,
    readonly resolve: (ack: PublishAck | Promise<PublishAck>) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  onExpire(): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(publishTimeout(this.stream.name, this.timeoutMs));
  }

  /** Take the settling over from the deadline; false when it expired (or settled) already. */
  claim(deadlines: DeadlineQueue): boolean {
    if (this.settled) return false;
    this.settled = true;
    deadlines.unschedule(this.slot, this);
    return true;
  }
}

function publishTimeout(stream: string, timeoutMs: number): CellularError {
  return new CellularError('TIMEOUT', `Durable publish to "${stream}" timed out after ${timeoutMs} ms`, { data: { stream } });
}

/** The result of one batched command, or its error. */
function resultOf<T>(slot: PublishSlot): Promise<T> {
  return slot.results.then((results) => {
    const r = results[slot.index];
    if (!r) throw new CellularError('INTERNAL', 'batched command has no result');
    if (r[0]) throw r[0];
    return r[1] as T;
  });
}

/** Normalised stream config. */
export interface StoredStream {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly maxMessages: number;
  readonly maxAgeMs: number;
  readonly overflow: 'reject' | 'drop-oldest' | 'block';
}

/** What the store needs from the transport. */
export interface StreamStoreOptions {
  readonly redis: Redis;
  readonly keys: KeyLayout;
  readonly duplicateWindowMs: number;
  readonly publishTimeoutMs: number;
  /** Encodes an envelope, enforcing maxPayload. */
  readonly encode: (envelope: Envelope) => string | Buffer;
  /** The transport's deadline queue (one timer for all publish timeouts). */
  readonly deadlines: DeadlineQueue;
  /** Batches commands into pipelines (shared with core publish). */
  readonly batcher: PublishBatcher;
  /** Core publish (dead letters are also announced on core pub/sub). */
  readonly publishCore: (envelope: Envelope) => Promise<void>;
}

/** Validate and normalise a StreamConfig. @throws CellularError INVALID_CONFIG / INVALID_SUBJECT */
export function normaliseStream(config: StreamConfig): StoredStream {
  const subjects: unknown = config.subjects;
  if (typeof config.name !== 'string' || !STREAM_NAME_RE.test(config.name)) {
    throw new CellularError('INVALID_CONFIG', `Stream name ${JSON.stringify(config.name)} is invalid: use letters, digits, _ and -`, {
      data: { field: 'name' },
    });
  }
  if (!Array.isArray(subjects) || subjects.length === 0) {
    throw new CellularError('INVALID_CONFIG', `Stream "${config.name}" needs at least one subject`, { data: { field: 'subjects' } });
  }
  for (const s of config.subjects) assertPattern(s);
  const maxMessages = config.maxMessages ?? DEFAULT_MAX_MESSAGES;
  if (!Number.isInteger(maxMessages) || maxMessages <= 0) {
    throw new CellularError('INVALID_CONFIG', `Stream "${config.name}": maxMessages must be a positive integer`, {
      data: { field: 'maxMessages', value: maxMessages },
    });
  }
  const maxAgeMs = config.maxAgeMs ?? 0;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
    throw new CellularError('INVALID_CONFIG', `Stream "${config.name}": maxAgeMs must be >= 0`, { data: { field: 'maxAgeMs' } });
  }
  return { name: config.name, subjects: [...config.subjects], maxMessages, maxAgeMs, overflow: config.overflow ?? 'reject' };
}

/** Registry + durable publish + dead letters. */
export class StreamStore {
  private readonly streams = new Map<string, StoredStream>();
  private readonly bySubject = new Map<string, StoredStream | null>();
  private refreshing: Promise<void> | undefined;
  private readonly queued = new Map<string, { stream: StoredStream; items: QueuedPublish[] }>();
  private flushScheduled = false;

  constructor(private readonly options: StreamStoreOptions) {
    options.redis.defineCommand('cellularPublish', { lua: PUBLISH_SCRIPT }); // numkeys passed per call
  }

  /** Create or verify a stream. A second call with a different config updates it (last writer wins). */
  async ensureStream(config: StreamConfig): Promise<void> {
    const stream = normaliseStream(config);
    for (const other of this.streams.values()) {
      if (other.name !== stream.name && other.subjects.some((s) => stream.subjects.includes(s))) {
        throw new CellularError('CONFLICT', `Stream "${other.name}" already captures a subject of "${stream.name}"`, {
          data: { stream: stream.name, other: other.name },
        });
      }
    }
    await this.options.redis.hset(this.options.keys.streamRegistry(), stream.name, JSON.stringify(stream));
    this.remember(stream);
  }

  /** Remove a stream, its sequence, duplicate markers and registry entry. Consumers on it stop receiving. */
  async deleteStream(name: string): Promise<void> {
    const { redis, keys } = this.options;
    const pattern = `${escapeGlob(keys.duplicate(name, ''))}*`;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await redis.unlink(...found);
    } while (cursor !== '0');
    await redis.unlink(keys.stream(name), keys.streamSeq(name));
    await redis.hdel(keys.streamRegistry(), name);
    this.streams.delete(name);
    this.bySubject.clear();
  }

  /** The stream that captures `subject`, reloading the registry once on a miss. */
  async streamFor(subject: string): Promise<StoredStream | undefined> {
    const cached = this.bySubject.get(subject);
    if (cached) return cached;
    await this.refresh();
    return this.match(subject);
  }

  /** A stream by name, reloading the registry once on a miss. */
  async byName(name: string): Promise<StoredStream | undefined> {
    const s = this.streams.get(name);
    if (s) return s;
    await this.refresh();
    return this.streams.get(name);
  }

  /** Store an envelope in the stream that captures its subject. */
  publishDurable(envelope: Envelope, timeoutMs = this.options.publishTimeoutMs): Promise<PublishAck> {
    const stream = this.bySubject.get(envelope.subject);
    if (stream) return this.store(stream, envelope, timeoutMs);
    return this.streamFor(envelope.subject).then((found) => {
      if (!found) {
        throw new CellularError('NOT_FOUND', `No durable stream captures subject "${envelope.subject}"`, {
          data: { subject: envelope.subject },
        });
      }
      return this.store(found, envelope, timeoutMs);
    });
  }

  /** Store into a known stream, honouring overflow and the timeout. */
  store(stream: StoredStream, envelope: Envelope, timeoutMs: number): Promise<PublishAck> {
    let bytes: string | Buffer;
    try {
      bytes = this.options.encode(envelope);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return this.enqueue(stream, envelope, bytes, Date.now() + timeoutMs, timeoutMs);
  }

  /** Queue a message for this tick's script call on its stream; rejects TIMEOUT at `deadline`. */
  private enqueue(stream: StoredStream, envelope: Envelope, bytes: string | Buffer, deadline: number, timeoutMs: number, wait = 10): Promise<PublishAck> {
    const ms = deadline - Date.now();
    if (ms <= 0) return Promise.reject(publishTimeout(stream.name, timeoutMs));
    let queue = this.queued.get(stream.name);
    if (!queue) {
      queue = { stream, items: [] };
      this.queued.set(stream.name, queue);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => {
          this.flushQueued();
        });
      }
    }
    const items = queue.items;
    return new Promise((resolve, reject) => {
      const item = new QueuedPublish(stream, envelope, bytes, deadline, timeoutMs, wait, resolve, reject);
      item.slot = this.options.deadlines.schedule(ms, item);
      items.push(item);
    });
  }

  /** Settle a queued message with the script's answer: stored, duplicate, or full (2). */
  private settle(it: QueuedPublish, seq: number, status: number): void {
    if (!it.claim(this.options.deadlines)) return; // timed out already; the message may still have been stored
    if (status !== 2) {
      it.resolve({ stream: it.stream.name, seq, duplicate: status === 1 });
      return;
    }
    it.resolve(this.retryFull(it));
  }

  /** A full stream: `block` waits (backoff 10 ms doubling to 250 ms) and tries again until the deadline; the others refuse. */
  private async retryFull(it: QueuedPublish): Promise<PublishAck> {
    const { stream, wait } = it;
    if (stream.overflow !== 'block' || Date.now() + wait > it.deadline) {
      throw new CellularError('BACKPRESSURE', `Stream "${stream.name}" is full (${stream.maxMessages} unacknowledged messages)`, {
        data: { stream: stream.name, maxMessages: stream.maxMessages },
      });
    }
    await new Promise((r) => setTimeout(r, wait));
    return this.enqueue(stream, it.envelope, it.bytes, it.deadline, it.timeoutMs, Math.min(wait * 2, 250));
  }

  /** One script call per stream and chunk of queued messages. */
  private flushQueued(): void {
    this.flushScheduled = false;
    const { keys, duplicateWindowMs, batcher } = this.options;
    for (const { stream, items } of this.queued.values()) {
      for (let from = 0; from < items.length; from += SCRIPT_CHUNK) {
        const chunk = items.slice(from, from + SCRIPT_CHUNK);
        const args: (string | number | Buffer)[] = [chunk.length + 2, keys.stream(stream.name), keys.streamSeq(stream.name)];
        for (const it of chunk) args.push(keys.duplicate(stream.name, it.envelope.id));
        args.push(stream.maxMessages, stream.overflow, Math.max(0, duplicateWindowMs), stream.maxAgeMs);
        for (const it of chunk) args.push(it.bytes, it.envelope.subject, it.envelope.id);
        resultOf<number[]>(batcher.command('cellularPublish', args)).then(
          (flat) => {
            for (let k = 0; k < chunk.length; k++) this.settle(chunk[k]!, flat[2 * k] ?? 0, flat[2 * k + 1] ?? 2);
          },
          (e: unknown) => {
            for (const it of chunk) {
              if (it.claim(this.options.deadlines)) it.reject(e instanceof Error ? e : new Error(String(e)));
            }
          },
        );
      }
    }
    this.queued.clear();
  }

  /**
   * Move an exhausted or terminated message to `subject`: stored durably when a stream captures that
   * subject (deduplicated by envelope id), otherwise appended to the fallback stream
   * `<prefix>dlq:<subject>` (bounded), and announced on core pub/sub either way.
   */
  async deadLetter(envelope: Envelope, subject: string, reason: string): Promise<void> {
    const dead: Envelope = {
      ...envelope,
      subject,
      headers: { ...envelope.headers, [HEADERS.deadLetterReason]: reason, [HEADERS.originalSubject]: envelope.subject },
    };
    const stream = await this.streamFor(subject);
    if (stream) await this.store(stream, dead, this.options.publishTimeoutMs);
    else {
      await this.options.redis.xadd(
        this.options.keys.deadLetter(subject),
        'MAXLEN',
        '~',
        DEAD_LETTER_MAX,
        '*',
        's',
        subject,
        'i',
        dead.id,
        'e',
        this.options.encode(dead),
      );
    }
    await this.options.publishCore(dead).catch(() => undefined);
  }

  private remember(stream: StoredStream): void {
    this.streams.set(stream.name, stream);
    this.bySubject.clear();
  }

  private match(subject: string): StoredStream | undefined {
    for (const s of this.streams.values()) {
      if (s.subjects.some((p) => subjectMatches(p, subject))) {
        if (this.bySubject.size > 10_000) this.bySubject.clear();
        this.bySubject.set(subject, s);
        return s;
      }
    }
    return undefined;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.options.redis
      .hgetall(this.options.keys.streamRegistry())
      .then((all) => {
        for (const json of Object.values(all)) {
          try {
            this.remember(normaliseStream(JSON.parse(json) as StreamConfig));
          } catch {
            // a foreign or corrupt registry entry is ignored, never fatal
          }
        }
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

