import { newMessageId } from '@cellular/core';
import type { DurableMessage, Transport } from '@cellular/core';
import { describeTransportConformance, runConformanceCheck } from '@cellular/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileJournal, createMemoryTransport } from '@cellular/bus';

const options = { settleMs: 50, ackWaitMs: 200 };

// The in-memory transport passes the whole conformance suite unchanged, with and without a journal.
describeTransportConformance('memory', () => createMemoryTransport(), options);

const dir = mkdtempSync(join(tmpdir(), 'cellular-conformance-'));
let journals = 0;
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });
describeTransportConformance('memory + file journal', () => createMemoryTransport({ journal: createFileJournal({ path: join(dir, `j${++journals}`), flushIntervalMs: 1 }) }), options);

// The durable checks can fail: wrap the real transport with one fault each and expect the check to catch it.
type DurableFault = 'never-duplicate' | 'nack-acks' | 'ignores-filter' | 'no-dead-letter-headers' | 'attempt-not-incremented';

function faulty(fault: DurableFault): Transport {
  const t = createMemoryTransport();
  const wrapMessage = (m: DurableMessage): DurableMessage => {
    switch (fault) {
      case 'nack-acks':
        return { ...m, nack: () => m.ack() };
      case 'attempt-not-incremented':
        return { ...m, envelope: { ...m.envelope, attempt: 1 }, deliveryAttempt: 1 };
      case 'never-duplicate':
      case 'ignores-filter':
      case 'no-dead-letter-headers':
        return m;
    }
  };
  return {
    name: t.name,
    capabilities: t.capabilities,
    get status() {
      return t.status;
    },
    connect: () => t.connect(),
    close: () => t.close(),
    drain: () => t.drain(),
    publish: (e) => t.publish(e),
    subscribe: (p, h, o) => t.subscribe(p, fault === 'no-dead-letter-headers' && p.startsWith('dlq.') ? (e) => h({ ...e, headers: {} }) : h, o),
    request: (e, o) => t.request(e, o),
    ensureStream: (c) => t.ensureStream(c),
    publishDurable: async (e, o) => {
      if (fault !== 'never-duplicate') return t.publishDurable(e, o);
      const ack = await t.publishDurable({ ...e, id: newMessageId() }, o); // forgets the id: duplicates go unnoticed
      return { ...ack, duplicate: false };
    },
    consume: (c, h) => {
      const config = fault === 'ignores-filter' ? { stream: c.stream, durable: c.durable } : c;
      return t.consume(config, (m) => h(wrapMessage(m)));
    },
  };
}

describe('the durable checks catch broken streams', () => {
  const cases: readonly [DurableFault, string][] = [
    ['never-duplicate', 'durable.duplicate'],
    ['nack-acks', 'durable.nack'],
    ['nack-acks', 'durable.dead-letter'],
    ['ignores-filter', 'durable.filter'],
    ['no-dead-letter-headers', 'durable.dead-letter'],
    ['attempt-not-incremented', 'durable.throw'],
  ];
  for (const [fault, check] of cases) {
    it(`${check} fails when the transport ${fault}`, async () => {
      await expect(runConformanceCheck(check, () => faulty(fault), { ...options, waitTimeoutMs: 1000 })).rejects.toThrow();
    });
  }
});
