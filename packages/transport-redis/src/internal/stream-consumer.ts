/**
 * A durable consumer on a Redis Stream consumer group. Design choices, each for a reason:
 *
 * - Its own connection for `XREADGROUP ... COUNT n BLOCK ms`, so a blocking read never stalls other
 *   commands; stopping the consumer disconnects it, which ends the block at once.
 * - Batches everywhere (the Redis anchor: 22x): reads take up to `readBatch` entries, acks are
 *   collected and sent as one `XACK id...` per tick on the shared command connection.
 * - Redelivery is XAUTOCLAIM of entries idle longer than `ackWaitMs`, run on a timer by every live
 *   consumer of the group: a consumer that died mid-batch leaves entries pending, and another one
 *   claims them. The delivery attempt is the group's delivery counter (XPENDING).
 * - `nack(delay)` needs no extra structure: `XCLAIM ... IDLE (ackWait - delay) JUSTID` makes the entry
 *   look idle for exactly the right time, so XAUTOCLAIM (ours or, if we die, another consumer's)
 *   picks it up after `delay`; a local timer triggers our XAUTOCLAIM right then. Delays longer than
 *   ackWait are held by refreshing the idle time until the remainder fits.
 * - After `maxDeliver` deliveries (or on `term`) the message goes to the dead-letter subject, then is
 *   acknowledged (dead-letter first, so a crash in between re-dead-letters the same id, which the
 *   dead-letter stream deduplicates).
 */
import {
  CellularError,
  subjectMatches,
  type ConsumerConfig,
  type DurableHandler,
  type DurableMessage,
  type Envelope,
  type Logger,
} from '@cellular/core';
import type { Redis } from 'ioredis';
import type { KeyLayout } from './keys.js';
import { LocalSubscription } from './local-subscription.js';
import type { StreamStore } from './stream-store.js';
import type { EnvelopeWire } from './envelope-wire.js';

/** Tunables shared by all consumers of a transport. */
export interface ConsumerRuntime {
  readonly cmd: Redis;
  /** Creates the dedicated blocking connection. */
  readonly connectBlocking: () => Redis;
  readonly keys: KeyLayout;
  readonly store: StreamStore;
  readonly wire: EnvelopeWire;
  readonly logger: Logger;
  readonly readBatch: number;
  readonly blockMs: number;
  /** A consumer of the group idle this long with nothing pending is removed (at least 10 x blockMs). */
  readonly deadConsumerIdleMs: number;
}

/** A stream entry as XREADGROUP (Buffer replies) or XAUTOCLAIM (string replies) return it. */
type Entry = [Buffer | string, (Buffer | string)[]];

/**
 * Removes this consumer from its group if nothing is pending on it (atomic: the check and the
 * DELCONSUMER, which would drop pending entries, cannot interleave with a claim). KEYS: stream.
 * ARGV: group, consumer. Returns 1 when removed, 0 when entries are still pending.
 */
const DELETE_IF_IDLE = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

interface BufferCommands {
  xautoclaimBuffer(...args: (string | number)[]): Promise<unknown>;
}

const isBusyGroup = (e: unknown): boolean => e instanceof Error && e.message.includes('BUSYGROUP');
const isNoGroup = (e: unknown): boolean => e instanceof Error && e.message.includes('NOGROUP');

/** One durable consumer (one member of a consumer group). */
export class StreamConsumer {
  readonly subscription: LocalSubscription<never>;
  private readonly streamKey: string;
  private readonly maxDeliver: number;
  private readonly backoff: readonly number[];
  private readonly ackWaitMs: number;
  private readonly maxAckPending: number;
  private readonly deadLetterSubject: string;
  private blocking: Redis | undefined;
  private active = true;
  private inFlight = 0;
  private roomWaiter: (() => void) | undefined;
  private reclaimTimer: NodeJS.Timeout | undefined;
  private reclaiming: Promise<void> | undefined;
  private reclaimAgain = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private acks: string[] = [];
  private ackWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private ackScheduled = false;
  private readonly ackFlights = new Set<Promise<void>>();
  private stopped: Promise<void> | undefined;
  private lastJanitor = 0;
  private loop: Promise<void> | undefined;
  private blockingId: number | undefined;

  constructor(
    private readonly rt: ConsumerRuntime,
    private readonly config: ConsumerConfig,
    private readonly consumerName: string,
    private readonly handler: DurableHandler,
  ) {
    this.streamKey = rt.keys.stream(config.stream);
    this.maxDeliver = config.maxDeliver ?? 5;
    this.backoff = config.backoffMs && config.backoffMs.length > 0 ? config.backoffMs : [1000];
    this.ackWaitMs = config.ackWaitMs ?? 30_000;
    this.maxAckPending = config.maxAckPending ?? 1000;
    this.deadLetterSubject = config.deadLetterSubject ?? `dlq.${config.stream}.${config.durable}`;
    this.subscription = new LocalSubscription<never>(
      config.filterSubject ?? `stream:${config.stream}`,
      config.durable,
      () => undefined,
      rt.logger,
      () => this.stop(),
    );
  }

  /** Start reading; failures to start close the subscription and are logged. */
  start(): void {
    this.loop = this.run().catch((e: unknown) => {
      this.rt.logger.error('durable consumer stopped', { stream: this.config.stream, durable: this.config.durable, error: String(e) });
      this.subscription.unsubscribe();
    });
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.rt.cmd.xgroup('CREATE', this.streamKey, this.config.durable, '0', 'MKSTREAM');
    } catch (e) {
      if (!isBusyGroup(e)) throw e;
    }
  }

  private async run(): Promise<void> {
    const stream = await this.rt.store.byName(this.config.stream);
    if (!stream) {
      throw new CellularError('NOT_FOUND', `Stream "${this.config.stream}" does not exist; call ensureStream first`, {
        data: { stream: this.config.stream },
      });
    }
    await this.ensureGroup();
    if (!this.active) return;
    this.blocking = this.rt.connectBlocking();
    this.blockingId = (await this.blocking.client('ID'));
    const interval = Math.max(20, Math.min(this.ackWaitMs / 2, 5000));
    this.reclaimTimer = setInterval(() => {
      this.triggerReclaim();
    }, interval);
    this.triggerReclaim();
    while (this.active) {
      const room = this.maxAckPending - this.inFlight;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.roomWaiter = resolve));
        continue;
      }
      let reply: unknown;
      try {
        reply = await this.blocking.callBuffer(
          'XREADGROUP',
          'GROUP',
          this.config.durable,
          this.consumerName,
          'COUNT',
          Math.min(this.rt.readBatch, room),
          'BLOCK',
          this.rt.blockMs,
          'STREAMS',
          this.streamKey,
          '>',
        );
      } catch (e) {
        if (!this.active) break;
        if (isNoGroup(e)) await this.ensureGroup().catch(() => undefined);
        else {
          this.rt.logger.warn('XREADGROUP failed; retrying', { stream: this.config.stream, error: String(e) });
          await this.sleep(200);
        }
        continue;
      }
      if (!Array.isArray(reply) || reply.length === 0) continue;
      const entries = (reply[0] as [Buffer, Entry[]])[1];
      if (!this.active) {
        // Read just as we stopped (the reply raced the disconnect): hand the entries back to the group.
        this.handBack(entries.map((e) => e[0].toString()));
        break;
      }
      for (const entry of entries) this.deliver(entry, 1);
    }
  }

  /** Make entries this consumer holds claimable by the rest of the group at once. */
  private handBack(ids: string[]): void {
    if (ids.length === 0) return;
    void this.rt.cmd
      .xclaim(this.streamKey, this.config.durable, this.consumerName, 0, ...ids, 'IDLE', this.ackWaitMs, 'JUSTID')
      .catch(() => undefined); // if this fails they are reclaimed after ackWait anyway
  }

  /** Run the reclaim loop now (coalesced). */
  private triggerReclaim(): void {
    if (!this.active) return;
    if (this.reclaiming) {
      this.reclaimAgain = true;
      return;
    }
    this.reclaiming = this.reclaim()
      .catch((e: unknown) => {
        if (isNoGroup(e)) return this.ensureGroup().catch(() => undefined);
        if (this.active) this.rt.logger.warn('XAUTOCLAIM failed', { stream: this.config.stream, error: String(e) });
        return undefined;
      })
      .finally(() => {
        this.reclaiming = undefined;
        if (this.reclaimAgain) {
          this.reclaimAgain = false;
          this.triggerReclaim();
        }
      });
  }

  /**
   * Remove consumers of the group that are long gone (idle for more than `deadConsumerIdleMs` with
   * nothing pending), so instance restarts do not grow the group's consumer list forever. A live
   * consumer calls XREADGROUP every `blockMs`, so its idle time stays near zero.
   */
  private async removeDeadConsumers(): Promise<void> {
    const now = Date.now();
    const threshold = Math.max(this.rt.deadConsumerIdleMs, this.rt.blockMs * 10);
    if (now - this.lastJanitor < threshold) return;
    this.lastJanitor = now;
    const consumers = (await this.rt.cmd.xinfo('CONSUMERS', this.streamKey, this.config.durable)) as (string | number)[][];
    for (const c of consumers) {
      const info = new Map<string, string | number>();
      for (let i = 0; i + 1 < c.length; i += 2) info.set(String(c[i]), c[i + 1]!);
      const name = String(info.get('name'));
      if (name !== this.consumerName && Number(info.get('pending')) === 0 && Number(info.get('idle')) > threshold) {
        await this.rt.cmd.eval(DELETE_IF_IDLE, 1, this.streamKey, this.config.durable, name);
      }
    }
  }

  private async reclaim(): Promise<void> {
    await this.removeDeadConsumers().catch(() => undefined);
    let start = '0-0';
    do {
      const room = this.maxAckPending - this.inFlight;
      if (!this.active || room <= 0) return;
      // ioredis generates `<command>Buffer` for every command at run time (its .d.ts omits this one);
      // `callBuffer` cannot be used: auto-pipelining drops its command name.
      const reply = (await (this.rt.cmd as unknown as BufferCommands).xautoclaimBuffer(
        this.streamKey,
        this.config.durable,
        this.consumerName,
        this.ackWaitMs,
        start,
        'COUNT',
        Math.min(this.rt.readBatch, room),
      )) as [Buffer, (Entry | null)[]];
      start = reply[0].toString();
      // Entries still in a local handler past ackWait are redelivered too (that is what ackWait means).
      const entries = reply[1].filter((e): e is Entry => e !== null);
      if (entries.length === 0) continue;
      const first = entries[0]![0].toString();
      const last = entries[entries.length - 1]![0].toString();
      const pending = (await this.rt.cmd.xpending(
        this.streamKey,
        this.config.durable,
        first,
        last,
        entries.length + this.inFlight + 100,
        this.consumerName,
      )) as [string, string, number, number][];
      const counts = new Map(pending.map((p) => [p[0], p[3]]));
      for (const entry of entries) this.deliver(entry, counts.get(entry[0].toString()) ?? 2);
    } while (start !== '0-0' && this.active);
  }

  private deliver(entry: Entry, attempt: number): void {
    const id = entry[0].toString();
    const fields = entry[1];
    let subject: string | undefined;
    let body: Buffer | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i]!.toString();
      const value = fields[i + 1]!;
      if (name === 's') subject = value.toString();
      else if (name === 'e') body = typeof value === 'string' ? Buffer.from(value) : value;
    }
    const filter = this.config.filterSubject;
    if (filter !== undefined && subject !== undefined && !subjectMatches(filter, subject)) {
      void this.ack(id).catch(() => undefined);
      return;
    }
    let envelope: Envelope;
    try {
      if (!body) throw new CellularError('VALIDATION', 'stream entry has no envelope field');
      envelope = this.rt.wire.decode(body);
    } catch (e) {
      this.rt.logger.error('dropping undecodable stream entry', { stream: this.config.stream, id, error: String(e) });
      void this.ack(id).catch(() => undefined);
      return;
    }
    envelope.attempt = attempt;
    this.inFlight++;
    const work = this.handle(id, envelope, attempt);
    if (work) {
      void this.subscription.track(work).finally(() => {
        this.release();
      });
    }
    else this.release();
  }

  private release(): void {
    this.inFlight--;
    const w = this.roomWaiter;
    if (w && this.inFlight < this.maxAckPending) {
      this.roomWaiter = undefined;
      w();
    }
  }

  /** Returns a promise only when the handler is async. */
  private handle(id: string, envelope: Envelope, attempt: number): Promise<void> | undefined {
    const message = new Delivery(this, id, envelope, attempt);
    let result: void | Promise<void>;
    try {
      result = this.handler(message);
    } catch (e) {
      void message.fail(e);
      return undefined;
    }
    if (result instanceof Promise) {
      return result.then(
        () => {
          message.done();
        },
        (e: unknown) => message.fail(e),
      );
    }
    message.done();
    return undefined;
  }

  /** @internal used by {@link Delivery} */
  settleAck(id: string, wait: boolean): Promise<void> | undefined {
    if (wait) return this.ack(id);
    this.queueAck(id);
    return undefined;
  }

  /** @internal used by {@link Delivery} */
  settleNack(id: string, envelope: Envelope, attempt: number, delayMs?: number): Promise<void> {
    return this.nack(id, envelope, attempt, delayMs);
  }

  /** @internal used by {@link Delivery} */
  settleTerm(id: string, envelope: Envelope, reason: string): Promise<void> {
    return this.terminate(id, envelope, reason);
  }

  /** @internal used by {@link Delivery} */
  handlerFailed(id: string, attempt: number, error: unknown): void {
    this.rt.logger.warn('durable handler failed', { stream: this.config.stream, id, attempt, error: String(error) });
  }

  private backoffFor(attempt: number): number {
    return this.backoff[Math.min(attempt - 1, this.backoff.length - 1)] ?? 1000;
  }

  private async nack(id: string, envelope: Envelope, attempt: number, delayMs?: number): Promise<void> {
    if (attempt >= this.maxDeliver) {
      await this.terminate(id, envelope, `max deliveries (${this.maxDeliver}) exhausted`);
      return;
    }
    await this.hold(id, Date.now() + Math.max(0, delayMs ?? this.backoffFor(attempt)));
  }

  /** Keep `id` pending and unclaimable until `dueAt`, then trigger a reclaim. */
  private async hold(id: string, dueAt: number): Promise<void> {
    if (!this.active) return; // pending entries are reclaimed by the group after ackWait
    const remaining = dueAt - Date.now();
    const idle = remaining <= this.ackWaitMs ? Math.max(0, this.ackWaitMs - remaining) : 0;
    await this.rt.cmd.xclaim(this.streamKey, this.config.durable, this.consumerName, 0, id, 'IDLE', idle, 'JUSTID');
    if (remaining <= this.ackWaitMs) this.after(Math.max(0, remaining) + 5, () => {
        this.triggerReclaim();
      });
    else {
      this.after(Math.min(this.ackWaitMs / 2, remaining - this.ackWaitMs), () => {
        void this.hold(id, dueAt).catch(() => undefined);
      });
    }
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private async terminate(id: string, envelope: Envelope, reason: string): Promise<void> {
    await this.rt.store.deadLetter(envelope, this.deadLetterSubject, reason);
    await this.ack(id);
  }

  /** Queue an XACK and resolve once it is sent; all acks of one tick go in one command. */
  private ack(id: string): Promise<void> {
    const p = new Promise<void>((resolve, reject) => this.ackWaiters.push({ resolve, reject }));
    this.queueAck(id);
    return p;
  }

  /** Queue an XACK nobody waits for (automatic ack after a handler returns). */
  private queueAck(id: string): void {
    this.acks.push(id);
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      setImmediate(() => {
        void this.flushAcks();
      });
    }
  }

  private flushAcks(): Promise<void> {
    this.ackScheduled = false;
    const ids = this.acks;
    const waiters = this.ackWaiters;
    this.acks = [];
    this.ackWaiters = [];
    if (ids.length === 0) return Promise.resolve();
    const flight = this.rt.cmd.xack(this.streamKey, this.config.durable, ...ids).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (e: unknown) => {
        const err = new CellularError('TRANSPORT_ERROR', `XACK failed: ${String(e)}`, { cause: e });
        if (waiters.length === 0) this.rt.logger.warn('XACK failed; the messages will be redelivered', { error: String(e) });
        for (const w of waiters) w.reject(err);
      },
    );
    this.ackFlights.add(flight);
    void flight.finally(() => this.ackFlights.delete(flight));
    return flight;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.after(ms, resolve);
    });
  }

  /**
   * End the blocking read without losing what it may be returning: CLIENT UNBLOCK makes the pending
   * XREADGROUP return at once (entries it got are handed back to the group by the loop), then the
   * connection quits. Disconnecting instead could drop a reply whose entries Redis already assigned to
   * us, leaving them pending until ackWait.
   */
  private async stopReading(): Promise<void> {
    const conn = this.blocking;
    if (!conn) return;
    try {
      if (this.blockingId !== undefined && conn.status === 'ready') {
        await this.rt.cmd.client('UNBLOCK', this.blockingId);
        const exited = this.loop ?? Promise.resolve();
        await Promise.race([exited, new Promise((r) => setTimeout(r, this.rt.blockMs + 1000))]);
      }
    } catch {
      // fall through to disconnect
    }
    conn.disconnect();
  }

  /** Stop reading and timers; in-flight handlers may still ack. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.active = false;
      if (this.reclaimTimer) clearInterval(this.reclaimTimer);
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.roomWaiter?.();
      await this.stopReading();
      await this.subscription.idle();
      await this.flushAcks();
      await Promise.all(this.ackFlights);
      await this.reclaiming;
      // Leave the group unless entries are still pending on us (another consumer claims those after
      // ackWait, and the janitor removes us later): restarts must not grow the consumer list.
      if (this.rt.cmd.status === 'ready') {
        await this.rt.cmd.eval(DELETE_IF_IDLE, 1, this.streamKey, this.config.durable, this.consumerName).catch((e: unknown) => {
          // not fatal: live instances remove consumers idle for deadConsumerIdleMs
          this.rt.logger.warn('could not leave the consumer group; it is removed after deadConsumerIdleMs', {
            stream: this.config.stream,
            durable: this.config.durable,
            error: String(e),
          });
        });
      }
    })();
    return this.stopped;
  }
}

/**
 * One delivery handed to a durable handler. A class rather than an object of closures: a consumer
 * creates one per message, and methods on a prototype cost nothing per message. The first of
 * ack/nack/term (or the automatic ack/nack after the handler) wins; later calls are no-ops.
 */
class Delivery implements DurableMessage {
  private settled = false;

  constructor(
    private readonly consumer: StreamConsumer,
    private readonly id: string,
    readonly envelope: Envelope,
    readonly deliveryAttempt: number,
  ) {}

  ack(): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.consumer.settleAck(this.id, true) ?? Promise.resolve();
  }

  nack(delayMs?: number): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.consumer.settleNack(this.id, this.envelope, this.deliveryAttempt, delayMs);
  }

  term(reason?: string): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.settled = true;
    return this.consumer.settleTerm(this.id, this.envelope, `terminated${reason ? `: ${reason}` : ''}`);
  }

  /** The handler returned: ack unless it settled itself (no promise, batched). */
  done(): void {
    if (this.settled) return;
    this.settled = true;
    void this.consumer.settleAck(this.id, false);
  }

  /** The handler threw: nack with the backoff. */
  fail(error: unknown): Promise<void> {
    this.consumer.handlerFailed(this.id, this.deliveryAttempt, error);
    return this.nack().catch(() => undefined);
  }
}
