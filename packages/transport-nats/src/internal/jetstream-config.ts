/**
 * Translation between Cellular's broker-neutral {@link StreamConfig}/{@link ConsumerConfig} and
 * JetStream's, plus the "is the existing one compatible?" comparison that makes `ensureStream` and
 * `consume` idempotent: equal configs are left alone, changed limits are updated in place, and
 * changes JetStream cannot make (storage type) are refused with CONFLICT instead of silently ignored.
 */
import { AckPolicy, DeliverPolicy, DiscardPolicy, StorageType } from '@nats-io/jetstream';
import type { ConsumerConfig as JsConsumerConfig, StreamConfig as JsStreamConfig } from '@nats-io/jetstream';
import { CellularError, assertPattern, type ConsumerConfig, type StreamConfig } from '@cellular/core';

/** Defaults shared with the other transports (see `StreamConfig` / `ConsumerConfig` in core). */
export const DEFAULTS = {
  maxMessages: 100_000,
  maxDeliver: 5,
  backoffMs: [1000] as readonly number[],
  ackWaitMs: 30_000,
  maxAckPending: 1000,
  duplicateWindowMs: 120_000,
} as const;

/**
 * Extra deliveries JetStream may make after the last one Cellular counts. A delivery numbered above
 * `maxDeliver` means the previous one timed out (consumer died or was too slow): it is dead-lettered
 * at once. The spare deliveries let a failed dead-letter publish be retried before JetStream gives up.
 */
export const DEAD_LETTER_GRACE = 3;

const NAME = /^[A-Za-z0-9_-]+$/;
const nanos = (ms: number): number => Math.round(ms * 1_000_000);

/** The JetStream stream config for `config`. @throws CellularError INVALID_CONFIG / INVALID_SUBJECT */
export function toJsStreamConfig(
  config: StreamConfig,
  storage: 'file' | 'memory',
  duplicateWindowMs: number,
): Partial<JsStreamConfig> & { name: string } {
  if (!NAME.test(config.name)) {
    throw new CellularError('INVALID_CONFIG', `Stream name "${config.name}" must use letters, digits, "_" and "-" only`, {
      data: { stream: config.name },
    });
  }
  if (config.subjects.length === 0) {
    throw new CellularError('INVALID_CONFIG', `Stream "${config.name}" needs at least one subject`, { data: { stream: config.name } });
  }
  for (const s of config.subjects) assertPattern(s);
  const maxAge = config.maxAgeMs ?? 0;
  const dupWindow = maxAge > 0 ? Math.min(duplicateWindowMs, maxAge) : duplicateWindowMs;
  return {
    name: config.name,
    subjects: [...config.subjects],
    max_msgs: config.maxMessages ?? DEFAULTS.maxMessages,
    max_bytes: config.maxBytes ?? -1,
    max_age: nanos(maxAge),
    discard: config.overflow === 'drop-oldest' ? DiscardPolicy.Old : DiscardPolicy.New,
    storage: storage === 'memory' ? StorageType.Memory : StorageType.File,
    duplicate_window: nanos(dupWindow),
  };
}

/** Fields of `desired` that differ from `existing` (empty when compatible and equal). */
export function streamDiff(existing: JsStreamConfig, desired: Partial<JsStreamConfig>): string[] {
  const diff: string[] = [];
  const a = [...existing.subjects].sort();
  const b = [...(desired.subjects ?? [])].sort();
  if (a.length !== b.length || a.some((s, i) => s !== b[i])) diff.push('subjects');
  if (existing.max_msgs !== desired.max_msgs) diff.push('max_msgs');
  if (existing.max_bytes !== desired.max_bytes) diff.push('max_bytes');
  if (existing.max_age !== desired.max_age) diff.push('max_age');
  if (existing.discard !== desired.discard) diff.push('discard');
  if (existing.duplicate_window !== desired.duplicate_window) diff.push('duplicate_window');
  if (existing.storage !== desired.storage) diff.push('storage');
  return diff;
}

/** Resolved consumer settings with defaults applied. */
export interface ResolvedConsumer {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject: string | undefined;
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly ackWaitMs: number;
  readonly deadLetterSubject: string;
  readonly maxAckPending: number;
  /** JetStream `inactive_threshold` (the server deletes the consumer after this long unused), if set. */
  readonly inactiveMs?: number | undefined;
}

/** Apply defaults and check a consumer config. @throws CellularError INVALID_CONFIG / INVALID_SUBJECT */
export function resolveConsumer(config: ConsumerConfig): ResolvedConsumer {
  if (!NAME.test(config.durable)) {
    throw new CellularError('INVALID_CONFIG', `Durable name "${config.durable}" must use letters, digits, "_" and "-" only`, {
      data: { durable: config.durable },
    });
  }
  if (!NAME.test(config.stream)) {
    throw new CellularError('INVALID_CONFIG', `Stream name "${config.stream}" must use letters, digits, "_" and "-" only`, {
      data: { stream: config.stream },
    });
  }
  if (config.filterSubject !== undefined) assertPattern(config.filterSubject);
  const maxDeliver = config.maxDeliver ?? DEFAULTS.maxDeliver;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 1) {
    throw new CellularError('INVALID_CONFIG', 'maxDeliver must be a positive integer', { data: { maxDeliver } });
  }
  const backoffMs = config.backoffMs !== undefined && config.backoffMs.length > 0 ? config.backoffMs : DEFAULTS.backoffMs;
  return {
    stream: config.stream,
    durable: config.durable,
    filterSubject: config.filterSubject,
    maxDeliver,
    backoffMs,
    ackWaitMs: config.ackWaitMs ?? DEFAULTS.ackWaitMs,
    deadLetterSubject: config.deadLetterSubject ?? `dlq.${config.stream}.${config.durable}`,
    maxAckPending: config.maxAckPending ?? DEFAULTS.maxAckPending,
  };
}

/**
 * The JetStream consumer config. Backoff is NOT given to JetStream: its `backoff` replaces `ack_wait`
 * for every delivery, which would redeliver slow-but-alive handlers after the first backoff step.
 * Cellular applies the backoff itself on nack (`nak(delay)`), and `ack_wait` stays the liveness timeout.
 */
export function toJsConsumerConfig(c: ResolvedConsumer): Partial<JsConsumerConfig> {
  const cfg: Partial<JsConsumerConfig> = {
    durable_name: c.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_deliver: c.maxDeliver + DEAD_LETTER_GRACE,
    ack_wait: nanos(c.ackWaitMs),
    max_ack_pending: c.maxAckPending,
  };
  if (c.filterSubject !== undefined) cfg.filter_subject = c.filterSubject;
  if (c.inactiveMs !== undefined) cfg.inactive_threshold = nanos(c.inactiveMs);
  return cfg;
}

/** Consumer fields that differ (only those JetStream lets us update). */
export function consumerDiff(existing: JsConsumerConfig, desired: Partial<JsConsumerConfig>): string[] {
  const diff: string[] = [];
  if (existing.max_deliver !== desired.max_deliver) diff.push('max_deliver');
  if (existing.ack_wait !== desired.ack_wait) diff.push('ack_wait');
  if (existing.max_ack_pending !== desired.max_ack_pending) diff.push('max_ack_pending');
  if ((existing.filter_subject ?? '') !== (desired.filter_subject ?? '')) diff.push('filter_subject');
  if ((existing.inactive_threshold ?? 0) !== (desired.inactive_threshold ?? 0)) diff.push('inactive_threshold');
  return diff;
}
