/**
 * A bus subscription: wraps one transport subscription and adds async iteration. Without a handler,
 * messages go to a bounded buffer that `for await` drains; when the buffer is full the oldest message
 * is dropped (and counted), so a consumer that stops iterating cannot grow memory without bound. The
 * transport subscription may be attached later (durable consumers wait for their stream to exist).
 */
import { CellularError } from '@cellular/core';
import type { BusSubscription, MessageContext, TransportSubscription } from '@cellular/core';

/** One iterated item. */
export interface IteratedMessage<T> {
  readonly payload: T;
  readonly context: MessageContext;
}

/** Hooks the bus gives a subscription. */
export interface SubscriptionHooks {
  /** Called once when the subscription ends (to forget it). */
  readonly onEnd: (sub: BusSubscriptionImpl<unknown>) => void;
  /** Called when the iteration buffer drops a message. */
  readonly onDrop: () => void;
}

/** Implementation of core's {@link BusSubscription}. */
export class BusSubscriptionImpl<T> implements BusSubscription<T> {
  private inner: TransportSubscription | undefined;
  private ended = false;
  private endRequested: 'unsubscribe' | 'drain' | undefined;
  private readonly buffer: IteratedMessage<T>[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<IteratedMessage<T>>) => void) | undefined;
  private iterating = false;
  private resolveClosed!: () => void;
  /** Resolves (never rejects) when the subscription has ended. */
  readonly closed: Promise<void>;

  constructor(
    readonly target: string,
    private readonly iterable: boolean,
    private readonly bufferSize: number,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  }

  /** True once the subscription ended (or was asked to end before it was attached). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Attach the transport subscription (once). */
  attach(inner: TransportSubscription): void {
    this.inner = inner;
    if (this.endRequested === 'unsubscribe') inner.unsubscribe();
    else if (this.endRequested === 'drain') void inner.drain();
    void inner.closed.then(() => {
      this.end();
    });
  }

  /** End without a transport subscription (for example when its stream could not be created). */
  fail(): void {
    this.end();
  }

  /** Queue a message for iteration (no-handler mode). */
  push(payload: T, context: MessageContext): void {
    if (this.ended) return;
    const item = { payload, context };
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w({ value: item, done: false });
      return;
    }
    if (this.buffer.length - this.head >= this.bufferSize) {
      this.head++;
      this.hooks.onDrop();
    }
    this.buffer.push(item);
  }

  unsubscribe(): void {
    if (this.inner === undefined) {
      this.endRequested = 'unsubscribe';
      this.end();
      return;
    }
    this.inner.unsubscribe();
    this.end();
  }

  async drain(): Promise<void> {
    if (this.inner === undefined) {
      this.endRequested = 'drain';
      this.end();
      return;
    }
    await this.inner.drain();
    this.end();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.drain();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.hooks.onEnd(this as BusSubscriptionImpl<unknown>);
    const w = this.waiter;
    if (w !== undefined && this.buffer.length === this.head) {
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
    this.resolveClosed();
  }

  [Symbol.asyncIterator](): AsyncIterator<IteratedMessage<T>> {
    if (!this.iterable) {
      throw new CellularError('INVALID_CONFIG', `The subscription to "${this.target}" has a handler; subscribe without one to iterate`, {
        data: { target: this.target },
      });
    }
    if (this.iterating) {
      throw new CellularError('INVALID_CONFIG', `The subscription to "${this.target}" is already being iterated`, {
        data: { target: this.target },
      });
    }
    this.iterating = true;
    return {
      next: () => {
        if (this.head < this.buffer.length) {
          const value = this.buffer[this.head]!;
          this.buffer[this.head] = undefined as unknown as IteratedMessage<T>;
          this.head++;
          if (this.head === this.buffer.length) {
            this.buffer.length = 0;
            this.head = 0;
          } else if (this.head > 1024 && this.head * 2 > this.buffer.length) {
            this.buffer.splice(0, this.head);
            this.head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.unsubscribe();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
