/**
 * Durable streams for the in-memory transport (STUB: owned by the "memory streams" work; the signatures
 * below are the seam the MemoryTransport delegates to and may only grow).
 */
import { CellularError } from '@cellular/core';
import type {
  Clock,
  ConsumerConfig,
  DurableHandler,
  Envelope,
  Logger,
  PublishAck,
  StreamConfig,
  TransportSubscription,
} from '@cellular/core';

/** What the MemoryTransport gives its streams. */
export interface MemoryStreamsOptions {
  /** Publishes on core pub/sub (used for dead letters). */
  readonly publishCore: (envelope: Envelope) => void;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Optional journal that makes streams survive a process restart (see journal work). */
  readonly journal?: unknown;
}

/** Stream store + durable consumers of one in-memory transport. */
export class MemoryStreams {
  constructor(readonly options: MemoryStreamsOptions) {}

  /** Create or verify a stream. */
  ensureStream(_config: StreamConfig): Promise<void> {
    return Promise.reject(new CellularError('UNSUPPORTED', 'memory streams not implemented yet'));
  }

  /** Store a message. */
  publishDurable(_envelope: Envelope, _options?: { readonly timeout?: number }): Promise<PublishAck> {
    return Promise.reject(new CellularError('UNSUPPORTED', 'memory streams not implemented yet'));
  }

  /** Start a durable consumer. */
  consume(_config: ConsumerConfig, _handler: DurableHandler): TransportSubscription {
    throw new CellularError('UNSUPPORTED', 'memory streams not implemented yet');
  }

  /** Stop handing out messages and wait for in-flight durable handlers. */
  drain(): Promise<void> {
    return Promise.resolve();
  }

  /** Stop everything now (timers included). */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
