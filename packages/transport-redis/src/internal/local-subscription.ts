/**
 * The subscription object handed back by `subscribe` and `consume`: it counts in-flight handler runs
 * so that `drain()` can wait for them, and exposes a `closed` promise that only ever resolves.
 * Handler failures are logged and swallowed here: a subscriber's throw is never the transport's.
 */
import type { Logger, TransportSubscription } from '@cellular/core';

/** A subscription with in-flight accounting. */
export class LocalSubscription<A> implements TransportSubscription {
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private active = true;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly pattern: string,
    readonly queue: string | undefined,
    private readonly handler: (arg: A) => void | Promise<void>,
    private readonly logger: Logger,
    /** Called once when delivery stops (remove from indexes, stop loops). */
    private readonly onStop: () => void | Promise<void>,
  ) {
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** True until unsubscribe/drain/close. */
  get isActive(): boolean {
    return this.active;
  }

  /** Number of handler runs not finished yet. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Run the handler. Returns a promise only when the handler is async (so sync handlers cost no
   * microtask); the promise never rejects.
   */
  deliver(arg: A): Promise<void> | undefined {
    if (!this.active) return undefined;
    let result: void | Promise<void>;
    try {
      result = this.handler(arg);
    } catch (e) {
      this.logger.warn('subscriber threw', { pattern: this.pattern, error: String(e) });
      return undefined;
    }
    if (!(result instanceof Promise)) return undefined;
    this.inFlight++;
    return result.then(
      () => {
        this.settle();
      },
      (e: unknown) => {
        this.logger.warn('subscriber rejected', { pattern: this.pattern, error: String(e) });
        this.settle();
      },
    );
  }

  /** Count an externally tracked piece of work (durable deliveries). */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    return work.finally(() => {
      this.settle();
    });
  }

  unsubscribe(): void {
    if (!this.active) return;
    this.active = false;
    void Promise.resolve(this.onStop()).finally(() => {
      this.resolveClosed();
    });
  }

  async drain(): Promise<void> {
    if (this.active) {
      this.active = false;
      await this.onStop();
    }
    await this.idle();
    this.resolveClosed();
    await this.closed;
  }

  /** Resolves when no handler is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
