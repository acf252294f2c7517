import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from './support.js';
import { makeGateway } from './support.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<Redis | undefined> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
    return r;
  } catch {
    r.disconnect();
    return undefined;
  }
}

const redis = await reachable();
if (!redis && process.env.CI === 'true') throw new Error(`Redis unreachable at ${url} (required under CI)`);
if (!redis) process.stderr.write(`[gateway] skipping Redis rate-limit test: Redis unreachable at ${url}\n`);

describe.skipIf(!redis)('rate limits shared through Redis', () => {
  let a: Fixture;
  let b: Fixture;
  beforeAll(async () => {
    // Two gateway instances, one Redis: the per-IP budget is shared.
    const limits = { perIp: { max: 3, windowMs: 60_000 }, perPrincipal: false as const, rateLimitRedis: redis as object };
    a = await makeGateway({ limits });
    b = await makeGateway({ limits });
  });
  afterAll(async () => {
    await a.gateway.close();
    await b.gateway.close();
    await redis?.quit();
  });

  it('counts requests from both instances against one budget', async () => {
    const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
    const statuses: number[] = [];
    for (const g of [a, b, a, b]) statuses.push((await g.gateway.server.inject({ method: 'GET', url: '/orders/o-1', remoteAddress: ip, headers: { 'x-api-key': g.alice } })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
