/**
 * Shared set-up for the integration tests: the broker URL (NATS_URL, default the loopback service),
 * broker gating (skip with a reason, fail under CI=true) and stream clean-up on the shared server.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { requireBroker } from '@cellular/testkit';
import type { Transport } from '@cellular/core';
import type { NatsTransport } from '../../src/index.js';

/** The NATS server the integration tests use. */
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Gate for the machine's NATS server. */
export const natsBroker = await requireBroker(NATS_URL, { name: 'NATS' });

/** Delete a stream created by a test (best effort). */
export async function deleteStream(transport: Transport, stream: string): Promise<void> {
  const nc = (transport as NatsTransport).connection;
  if (nc === undefined || nc.isClosed()) return;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => false);
}
