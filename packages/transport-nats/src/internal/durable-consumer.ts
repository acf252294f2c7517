/**
 * A durable pull consumer on JetStream behind Cellular's {@link DurableMessage} contract.
 *
 * Dead-lettering is done here, not by listening to JetStream's MAX_DELIVERIES advisory: the advisory
 * carries only the stream sequence (the message would have to be fetched back, and advisories are
 * core NATS, so one missed while disconnected is lost). Instead:
 * - a nack or handler failure on delivery `maxDeliver` publishes the message to the dead-letter
 *   subject (with reason headers) and then terminates it;
 * - JetStream's `max_deliver` is set a few deliveries higher than Cellular's ({@link DEAD_LETTER_GRACE}),
 *   so a message whose last counted delivery timed out (the consumer died) comes back once more and is
 *   dead-lettered at once without calling the handler;
 * - a message is terminated only after its dead-letter publish succeeded; if that publish fails the
 *   message is nacked and the dead-letter step is retried on the next delivery. Nothing is lost.
 * Handlers start in delivery order but run concurrently (bounded by `maxAckPending`, which JetStream
 * enforces too), so one hung handler cannot hold back the redelivery of its own message or the rest of
 * the stream. Acks are fire-and-forget publishes (at-least-once: a lost ack means a redelivery).
 */
import type { Consumer, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import {
  CellularError,
  HEADERS,
  toCellularError,
  type Codec,
  type DurableHandler,
  type DurableMessage,
  type Logger,
  type TransportSubscription,
} from '@cellular/core';
import { NATS_HEADERS, decodeMessage } from './envelope-message.js';
import { consumerDiff, toJsConsumerConfig, type ResolvedConsumer } from './jetstream-config.js';
import { isNotFound } from './nats-errors.js';

/** What a consumer needs from its transport. */
export interface DurableConsumerDeps {
  readonly js: JetStreamClient;
  readonly jsm: () => Promise<JetStreamManager>;
  readonly codec: Codec;
  readonly logger: Logger;
  /** Publish `msg` (with extra headers) to `subject`, durably if a stream captures it. */
  readonly deadLetter: (msg: JsMsg, subject: string, extra: Record<string, string>) => Promise<void>;
}

/** One `consume()` call: a pull loop over a durable JetStream consumer. */
export class DurableConsumer implements TransportSubscription {
  readonly pattern: string;
  readonly queue: string;
  readonly closed: Promise<void>;
  readonly #deps: DurableConsumerDeps;
  readonly #cfg: ResolvedConsumer;
  readonly #handler: DurableHandler;
  #messages: ConsumerMessages | undefined;
  #stopped = false;
  readonly #inflight = new Set<Promise<void>>();
  #slotFree: (() => void) | undefined;

  constructor(deps: DurableConsumerDeps, cfg: ResolvedConsumer, handler: DurableHandler) {
    this.#deps = deps;
    this.#cfg = cfg;
    this.#handler = handler;
    this.pattern = cfg.filterSubject ?? '>';
    this.queue = cfg.durable;
    this.closed = this.#run().catch((e: unknown) => {
      const err = toCellularError(e, 'TRANSPORT_ERROR');
      deps.logger.error('nats: durable consumer stopped', { stream: cfg.stream, durable: cfg.durable, code: err.code, error: err.message });
    });
  }

  unsubscribe(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    // Unacked deliveries are redelivered after ackWait to another member of the durable.
    void this.#messages?.close();
  }

  async drain(): Promise<void> {
    this.unsubscribe();
    await this.closed;
    await Promise.all(this.#inflight);
  }

  async #ensureConsumer(): Promise<Consumer> {
    const jsm = await this.#deps.jsm();
    const desired = toJsConsumerConfig(this.#cfg);
    const { stream, durable } = this.#cfg;
    try {
      const info = await jsm.consumers.info(stream, durable);
      const diff = consumerDiff(info.config, desired);
      if (diff.length > 0) {
        try {
          await jsm.consumers.update(stream, durable, desired);
        } catch (e) {
          this.#deps.logger.warn('nats: could not update durable consumer; using it as it is', {
            stream,
            durable,
            fields: diff,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await jsm.consumers.add(stream, desired);
      } catch (addErr) {
        if (isNotFound(addErr)) {
          throw new CellularError('NOT_FOUND', `Stream "${stream}" does not exist; call ensureStream first`, { cause: addErr, data: { stream } });
        }
        throw addErr;
      }
    }
    return this.#deps.js.consumers.get(stream, durable);
  }

  async #run(): Promise<void> {
    const consumer = await this.#ensureConsumer();
    if (this.#stopped) return;
    const batch = Math.max(1, Math.min(this.#cfg.maxAckPending, 256));
    const messages = await consumer.consume({ max_messages: batch });
    this.#messages = messages;
    if (this.#stopped) {
      await messages.close();
      return;
    }
    for await (const m of messages) {
      if (this.#stopped) {
        // Pulled but not handled: release it for redelivery now instead of after ackWait.
        m.nak();
        continue;
      }
      const p: Promise<void> = this.#handle(m)
        .catch((e: unknown) => {
          // Only settling calls can land here (connection closed under us): JetStream redelivers.
          this.#deps.logger.warn('nats: could not settle a durable message', { subject: m.subject, error: String(e) });
        })
        .finally(() => {
        this.#inflight.delete(p);
        const free = this.#slotFree;
        this.#slotFree = undefined;
        free?.();
      });
      this.#inflight.add(p);
      if (this.#inflight.size >= this.#cfg.maxAckPending) {
        await new Promise<void>((resolve) => (this.#slotFree = resolve));
      }
    }
  }

  #backoff(attempt: number): number {
    const b = this.#cfg.backoffMs;
    return b[Math.min(attempt - 1, b.length - 1)] ?? 1000;
  }

  async #handle(m: JsMsg): Promise<void> {
    const attempt = m.info.deliveryCount;
    const cfg = this.#cfg;
    if (attempt > cfg.maxDeliver) {
      await this.#deadLetter(m, attempt, `max-deliveries: delivery ${attempt - 1} was not acknowledged within ackWait`);
      return;
    }
    let envelope;
    try {
      envelope = decodeMessage(m, this.#deps.codec, undefined, attempt);
    } catch (e) {
      await this.#deadLetter(m, attempt, `malformed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    let settled = false;
    const message: DurableMessage = {
      envelope,
      deliveryAttempt: attempt,
      ack: () => {
        if (settled) return Promise.resolve();
        settled = true;
        m.ack();
        return Promise.resolve();
      },
      nack: (delayMs?: number) => {
        if (settled) return Promise.resolve();
        settled = true;
        return this.#nack(m, attempt, delayMs, 'nacked');
      },
      term: (reason?: string) => {
        if (settled) return Promise.resolve();
        settled = true;
        return this.#deadLetter(m, attempt, `terminated: ${reason ?? 'no reason given'}`);
      },
    };
    try {
      await this.#handler(message);
      if (!settled) {
        settled = true;
        m.ack();
      }
    } catch (e) {
      if (settled) {
        this.#deps.logger.warn('nats: durable handler threw after settling its message', { subject: m.subject, error: String(e) });
        return;
      }
      settled = true;
      await this.#nack(m, attempt, undefined, `handler-error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async #nack(m: JsMsg, attempt: number, delayMs: number | undefined, reason: string): Promise<void> {
    if (attempt >= this.#cfg.maxDeliver) {
      await this.#deadLetter(m, attempt, `max-deliveries: ${reason}`);
      return;
    }
    m.nak(delayMs ?? this.#backoff(attempt));
  }

  async #deadLetter(m: JsMsg, attempt: number, reason: string): Promise<void> {
    try {
      await this.#deps.deadLetter(m, this.#cfg.deadLetterSubject, {
        [HEADERS.deadLetterReason]: reason,
        [HEADERS.originalSubject]: m.subject,
        [NATS_HEADERS.attempt]: String(attempt),
      });
      // No reason payload: nats-server 2.9 only recognises a bare +TERM (the reason is in the headers).
      m.term();
    } catch (e) {
      this.#deps.logger.warn('nats: dead-letter publish failed; message will be redelivered', {
        subject: m.subject,
        deadLetterSubject: this.#cfg.deadLetterSubject,
        error: e instanceof Error ? e.message : String(e),
      });
      m.nak(this.#backoff(attempt));
    }
  }
}
