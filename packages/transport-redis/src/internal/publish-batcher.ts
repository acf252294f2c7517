/**
 * Batches publishing commands (PUBLISH, and the durable-publish script): everything issued in one
 * synchronous run goes out as one explicit ioredis pipeline (one socket write), flushed in a microtask
 * or every `maxBatch` commands. This is the "pipelined x1000" case of the Redis anchor (5x over
 * awaited commands) without asking callers to batch, and it costs no promise per message: all
 * commands of a batch share the batch's promises and read their own result by index.
 */
import type { ChainableCommander, Redis } from 'ioredis';

type Results = [error: Error | null, result: unknown][];

/** One batch in flight or being filled. */
export interface PublishSlot {
  /** Resolves with the per-command results once the batch is written and answered. */
  readonly results: Promise<Results>;
  /** Resolves when the batch succeeded, rejects with the first command error. */
  readonly done: Promise<void>;
  /** Index of this command in `results`. */
  readonly index: number;
}

interface Batch {
  readonly pipeline: ChainableCommander;
  readonly results: Promise<Results>;
  readonly done: Promise<void>;
  count: number;
  start: () => void;
}

/** The publish batcher of one command connection. */
export class PublishBatcher {
  private current: Batch | undefined;

  /**
   * @param redis the command connection
   * @param wrapError turns a Redis error into the error callers see
   * @param maxBatch commands per pipeline before it is sent at once. Defaults to 1000.
   */
  constructor(
    private readonly redis: Redis,
    private readonly wrapError: (e: unknown) => Error,
    private readonly maxBatch = 1000,
  ) {}

  /** Queue `PUBLISH channel message`. */
  publish(channel: string, message: string | Buffer): PublishSlot {
    const batch = this.current ?? this.open();
    batch.pipeline.publish(channel, message);
    return this.added(batch);
  }

  /** Queue any pipeline method by name (including scripts defined with `defineCommand`). */
  command(method: string, args: readonly (string | number | Buffer)[]): PublishSlot {
    const batch = this.current ?? this.open();
    (batch.pipeline as unknown as Record<string, (...a: readonly (string | number | Buffer)[]) => unknown>)[method]!(...args);
    return this.added(batch);
  }

  private added(batch: Batch): PublishSlot {
    const index = batch.count++;
    if (batch.count >= this.maxBatch) this.flush();
    return { results: batch.results, done: batch.done, index };
  }

  private open(): Batch {
    let start!: () => void;
    const gate = new Promise<void>((resolve) => {
      start = resolve;
    });
    const pipeline = this.redis.pipeline();
    const results = gate.then(() => pipeline.exec()).then((r) => r ?? []);
    const done = results.then((r) => {
      for (const [err] of r) if (err) throw this.wrapError(err);
    });
    done.catch(() => undefined); // callers that ignore the promise must not cause an unhandled rejection
    const batch: Batch = { pipeline, results, done, count: 0, start };
    this.current = batch;
    queueMicrotask(() => {
      if (this.current === batch) this.flush();
    });
    return batch;
  }

  /** Send the batch being filled now. */
  flush(): void {
    const batch = this.current;
    if (!batch) return;
    this.current = undefined;
    batch.start();
  }
}
