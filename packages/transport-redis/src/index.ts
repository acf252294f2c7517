/**
 * `@cellular/transport-redis`: the Cellular `Transport` on Redis (pub/sub + Streams) through ioredis.
 * @packageDocumentation
 */
export { createRedisTransport, RedisTransport } from './redis-transport.js';
export type { RedisTransportOptions } from './redis-transport.js';
export { escapeGlob, toRedisSubscription } from './internal/subject-glob.js';
export type { RedisSubscriptionKey } from './internal/subject-glob.js';
