import { describeTransportConformance } from '@cellular/testkit';
import { afterAll, describe, it } from 'vitest';
import { createRedisTransport, RedisTransport } from '../src/index.js';
import { deletePrefix, shouldSkipRedis, uniquePrefix } from './redis-helpers.js';

const skip = await shouldSkipRedis();
// One prefix for the whole run: checks that open a second transport from the factory must reach the first.
const prefix = uniquePrefix('conformance');

if (skip) {
  describe('transport conformance: redis', () => {
    it.skip('skipped: Redis unreachable (see warning above)', () => undefined);
  });
} else {
  describeTransportConformance('redis', () => createRedisTransport({ keyPrefix: prefix, blockMs: 250 }), {
    deleteStream: async (transport, stream) => {
      if (transport instanceof RedisTransport && transport.status !== 'closed') await transport.deleteStream(stream);
    },
  });
  afterAll(async () => {
    await deletePrefix(prefix);
  });
}
