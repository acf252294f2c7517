/**
 * A transport that is not the memory transport (so the bus builds plain envelopes, as it does for NATS
 * or Redis) but delegates every call to one: tests use it to prove behaviour holds on any transport.
 */
import type { Transport } from '@cellular/core';
import { createMemoryTransport } from '../../src/memory-transport.js';

/** A delegating, non-memory transport named `foreign`. */
export function foreignTransport(): Transport {
  const inner = createMemoryTransport();
  return {
    name: 'foreign',
    get capabilities() {
      return inner.capabilities;
    },
    get status() {
      return inner.status;
    },
    connect: () => inner.connect(),
    close: () => inner.close(),
    drain: () => inner.drain(),
    publish: (e) => {
      inner.publish(e);
    },
    subscribe: (p, h, o) => inner.subscribe(p, h, o),
    request: (e, o) => inner.request(e, o),
    ensureStream: (c) => inner.ensureStream(c),
    publishDurable: (e, o) => inner.publishDurable(e, o),
    consume: (c, h) => inner.consume(c, h),
  };
}
