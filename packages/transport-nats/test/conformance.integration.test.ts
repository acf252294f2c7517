import { describe, it } from 'vitest';
import { describeTransportConformance } from '@cellular/testkit';
import { createNatsTransport } from '../src/index.js';
import { NATS_URL, deleteStream, natsBroker } from './support/nats-env.js';

if (natsBroker.available) {
  describeTransportConformance('nats', () => createNatsTransport({ servers: NATS_URL, name: 'conformance' }), { deleteStream });
} else {
  describe('transport conformance: nats', () => {
    it.skip(natsBroker.reason, () => undefined);
  });
}
