import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerAvailable, requireBroker } from './broker.js';

describe('brokerAvailable / requireBroker', () => {
  const server = createServer((s) => s.end());
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => { resolve(); })));

  it('probes host:port of nats://, redis:// and bare URLs', async () => {
    expect(await brokerAvailable(`nats://127.0.0.1:${port}`)).toBe(true);
    expect(await brokerAvailable(`127.0.0.1:${port}`)).toBe(true);
    expect(await brokerAvailable('redis://127.0.0.1:1', 200)).toBe(false);
    expect(await brokerAvailable('not a url at all', 200)).toBe(false);
  });
  it('skips with a reason outside CI and fails under CI=true', async () => {
    await expect(requireBroker(`nats://127.0.0.1:${port}`, { name: 'X', env: {} })).resolves.toMatchObject({ available: true });
    await expect(requireBroker('nats://127.0.0.1:1', { name: 'X', env: {} })).resolves.toEqual({ available: false, reason: 'skipped: X unreachable at nats://127.0.0.1:1' });
    await expect(requireBroker('nats://127.0.0.1:1', { name: 'X', env: { CI: 'true' } })).rejects.toThrow(/CI=true/u);
  });
});
