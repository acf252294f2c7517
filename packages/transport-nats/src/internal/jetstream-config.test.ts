import { describe, expect, it } from 'vitest';
import { CellularError } from '@cellular/core';
import type { ConsumerConfig as JsConsumerConfig, StreamConfig as JsStreamConfig } from '@nats-io/jetstream';
import { DEAD_LETTER_GRACE, consumerDiff, resolveConsumer, streamDiff, toJsConsumerConfig, toJsStreamConfig } from './jetstream-config.js';

describe('stream config mapping', () => {
  it('applies the shared defaults (100,000 messages, reject = discard new, file storage)', () => {
    const c = toJsStreamConfig({ name: 'ORDERS', subjects: ['orders.>'] }, 'file', 120_000);
    expect(c).toMatchObject({ name: 'ORDERS', subjects: ['orders.>'], max_msgs: 100_000, max_bytes: -1, max_age: 0, discard: 'new', storage: 'file' });
    expect(c.duplicate_window).toBe(120_000 * 1e6);
  });

  it('maps drop-oldest to discard old and clamps the duplicate window to maxAge', () => {
    const c = toJsStreamConfig({ name: 'S', subjects: ['a.*'], overflow: 'drop-oldest', maxAgeMs: 1000 }, 'memory', 120_000);
    expect(c).toMatchObject({ discard: 'old', storage: 'memory', max_age: 1e9, duplicate_window: 1e9 });
  });

  it('refuses bad names and subjects with typed errors', () => {
    expect(() => toJsStreamConfig({ name: 'bad name', subjects: ['a'] }, 'file', 1)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }) as Error);
    expect(() => toJsStreamConfig({ name: 'S', subjects: [] }, 'file', 1)).toThrow(CellularError);
    expect(() => toJsStreamConfig({ name: 'S', subjects: ['a.>.b'] }, 'file', 1)).toThrow(expect.objectContaining({ code: 'INVALID_SUBJECT' }) as Error);
  });

  it('streamDiff is empty for an equal config (subject order ignored) and names changed fields', () => {
    const desired = toJsStreamConfig({ name: 'S', subjects: ['a.>', 'b.>'] }, 'file', 1000);
    const existing = { ...desired, subjects: ['b.>', 'a.>'] } as JsStreamConfig;
    expect(streamDiff(existing, desired)).toEqual([]);
    expect(streamDiff({ ...existing, max_msgs: 5, storage: 'memory' }, desired)).toEqual(['max_msgs', 'storage']);
  });
});

describe('consumer config mapping', () => {
  it('applies defaults: maxDeliver 5, backoff [1000], ackWait 30 s, DLQ dlq.<stream>.<durable>', () => {
    const r = resolveConsumer({ stream: 'S', durable: 'd' });
    expect(r).toMatchObject({ maxDeliver: 5, backoffMs: [1000], ackWaitMs: 30_000, deadLetterSubject: 'dlq.S.d', maxAckPending: 1000 });
  });

  it('gives JetStream explicit acks, extra grace deliveries and no backoff (backoff would replace ack_wait)', () => {
    const js = toJsConsumerConfig(resolveConsumer({ stream: 'S', durable: 'd', maxDeliver: 3, ackWaitMs: 500, filterSubject: 'a.*' }));
    expect(js).toMatchObject({ durable_name: 'd', ack_policy: 'explicit', max_deliver: 3 + DEAD_LETTER_GRACE, ack_wait: 500e6, filter_subject: 'a.*' });
    expect(js).not.toHaveProperty('backoff');
  });

  it('refuses bad durable names and maxDeliver', () => {
    expect(() => resolveConsumer({ stream: 'S', durable: 'a.b' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }) as Error);
    expect(() => resolveConsumer({ stream: 'S', durable: 'd', maxDeliver: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }) as Error);
  });

  it('consumerDiff names the fields that changed', () => {
    const desired = toJsConsumerConfig(resolveConsumer({ stream: 'S', durable: 'd' }));
    expect(consumerDiff(desired as JsConsumerConfig, desired)).toEqual([]);
    expect(consumerDiff({ ...desired, ack_wait: 1 } as JsConsumerConfig, desired)).toEqual(['ack_wait']);
  });

  it('inactiveMs becomes inactive_threshold (nanoseconds) and a change of it is an update', () => {
    const plain = toJsConsumerConfig(resolveConsumer({ stream: 'S', durable: 'd' }));
    expect(plain.inactive_threshold).toBeUndefined();
    const idle = toJsConsumerConfig({ ...resolveConsumer({ stream: 'S', durable: 'd' }), inactiveMs: 1500 });
    expect(idle.inactive_threshold).toBe(1_500_000_000);
    expect(consumerDiff(plain as JsConsumerConfig, idle)).toEqual(['inactive_threshold']);
  });
});
