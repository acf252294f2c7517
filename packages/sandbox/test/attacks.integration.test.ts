// The attack suite: real attempts from inside a periphery, on both tiers. Each one asserts that the
// attempt was refused (a CellularError with the expected code and reason, reaching the requester over
// the bus) and that the trusted core and the periphery keep answering afterwards.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellularError } from '@cellular/core';
import type { Periphery, SandboxTier } from '../src/index.js';
import { definePeriphery } from '../src/index.js';
import type { DataDirs, Harness, HostileServer } from './helpers.js';
import { Attack, Echo, FIXTURE, makeDataDirs, startHarness, startHostileServer } from './helpers.js';

const SECRET_ENV = 'CELLULAR_SANDBOX_TEST_SECRET';

async function refusal(h: Harness, payload: { kind: string } & Record<string, unknown>): Promise<CellularError> {
  const outcome = await h.bus.request(Attack, payload, { timeout: 20_000 }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`attack ${payload.kind} was not refused: ${JSON.stringify(outcome.value).slice(0, 300)}`);
  expect(outcome.error).toBeInstanceOf(CellularError);
  expect(await h.coreAlive()).toBe(true);
  return outcome.error as CellularError;
}

async function expectViolation(h: Harness, payload: { kind: string } & Record<string, unknown>, reason: string): Promise<void> {
  const err = await refusal(h, payload);
  expect({ code: err.code, reason: err.data?.reason }).toEqual({ code: 'SANDBOX_VIOLATION', reason });
}

describe.each<SandboxTier>(['worker', 'process'])('attacks from a %s-tier periphery', (tier) => {
  let server: HostileServer;
  let dirs: DataDirs;
  let strict: Periphery;
  let loopback: Periphery;
  let h: Harness;
  let hl: Harness;

  beforeAll(async () => {
    process.env[SECRET_ENV] = 'hunter2';
    server = await startHostileServer();
    dirs = makeDataDirs();
    strict = definePeriphery({
      name: 'strict',
      module: FIXTURE,
      handles: { attack: Attack, echo: Echo },
      cwd: dirs.root,
      capabilities: {
        net: { allow: ['*:*'], methods: ['GET', 'HEAD'] },
        fs: { read: ['data/in'], write: ['data/out'], maxFileBytes: 1024 * 1024 },
      },
      resolver: (host) => {
        if (host === 'internal.test') return Promise.resolve(['10.0.0.5']);
        if (host === 'mixed.test') return Promise.resolve(['93.184.216.34', '192.168.1.20']);
        if (host === 'localhost') return Promise.resolve(['127.0.0.1', '::1']);
        return Promise.reject(new Error('ENOTFOUND'));
      },
      limits: { tier, threads: 1, timeoutMs: 15_000 },
    });
    loopback = definePeriphery({
      name: 'loopback',
      module: FIXTURE,
      handles: { attack: Attack, echo: Echo },
      capabilities: {
        net: { allow: ['127.0.0.1:*', '[::1]:*', '169.254.169.254'], allowAddresses: ['127.0.0.1/32'], maxResponseBytes: 1024 * 1024, timeoutMs: 1_000 },
      },
      limits: { tier, threads: 1, timeoutMs: 15_000 },
    });
    h = await startHarness(strict);
    hl = await startHarness(loopback);
  });

  afterAll(async () => {
    delete process.env[SECRET_ENV];
    await h.close();
    await hl.close();
    await server.close();
    dirs.cleanup();
  });

  it('runs a benign task through the bus (sanity)', async () => {
    expect(await h.coreAlive()).toBe(true);
  });

  it('sees an empty process.env (no secret leaks from the host)', async () => {
    const res = (await h.bus.request(Attack, { kind: 'readEnv' })) as { env: Record<string, string> };
    expect(res.env[SECRET_ENV]).toBeUndefined();
    expect(res.env).toEqual({});
    expect(await h.coreAlive()).toBe(true);
  });

  it('cannot read /etc/passwd with node:fs', async () => {
    await expectViolation(h, { kind: 'readFsDirect', path: '/etc/passwd' }, 'permission-denied');
  });

  it('cannot read a secret next to the grant with node:fs', async () => {
    await expectViolation(h, { kind: 'readFsDirect', path: dirs.secret }, 'permission-denied');
  });

  it('cannot read even granted data with node:fs (data goes through the host guard only)', async () => {
    await expectViolation(h, { kind: 'readFsDirect', path: join(dirs.inDir, 'link-to-secret') }, 'permission-denied');
  });

  it('cannot write files with node:fs', async () => {
    await expectViolation(h, { kind: 'writeFsDirect', path: join(dirs.outDir, 'direct.txt') }, 'permission-denied');
  });

  it('cannot spawn a child process', async () => {
    await expectViolation(h, { kind: 'spawnChild' }, 'permission-denied');
  });

  it('cannot create a Worker with execArgv: []', async () => {
    await expectViolation(h, { kind: 'spawnWorker' }, 'permission-denied');
  });

  it('cannot load a native addon', async () => {
    const fake = join(dirs.inDir, 'evil.node');
    writeFileSync(fake, 'not really an addon');
    await expectViolation(h, { kind: 'loadAddon', path: fake }, 'permission-denied');
  });

  const literals: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['[::1]', 'loopback'],
    ['[::ffff:127.0.0.1]', 'ipv4Mapped'],
    ['0.0.0.0', 'unspecified'],
    ['[::]', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['172.16.0.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['[fe80::1]', 'linkLocal'],
    ['[fd00:ec2::254]', 'uniqueLocal'],
    ['[64:ff9b::7f00:1]', 'rfc6052'],
    ['[2002:7f00:1::1]', '6to4'],
    ['224.0.0.1', 'multicast'],
  ];
  it.each(literals)('cannot fetch http://%s (%s)', async (host, range) => {
    const err = await refusal(h, { kind: 'fetchUrl', url: `http://${host}:${server.port}/ok` });
    expect(err.code).toBe('SANDBOX_VIOLATION');
    expect(err.data?.reason).toBe('address');
    expect(err.data?.range).toBe(range);
  });

  it('cannot reach loopback through the global fetch either', async () => {
    await expectViolation(h, { kind: 'fetchUrl', url: `${server.url}/ok`, useGlobal: true }, 'address');
  });

  it('cannot fetch a name that resolves to a private address', async () => {
    await expectViolation(h, { kind: 'fetchUrl', url: `http://internal.test:${server.port}/ok` }, 'address');
  });

  it('cannot fetch a name with one private answer among public ones', async () => {
    await expectViolation(h, { kind: 'fetchUrl', url: 'http://mixed.test/ok' }, 'address');
  });

  it('cannot fetch localhost', async () => {
    await expectViolation(h, { kind: 'fetchUrl', url: `http://localhost:${server.port}/ok` }, 'address');
  });

  it('cannot use a scheme other than http(s)', async () => {
    await expectViolation(h, { kind: 'fetchUrl', url: 'file:///etc/passwd' }, 'scheme');
    await expectViolation(h, { kind: 'fetchUrl', url: 'ftp://example.com/x' }, 'scheme');
  });

  it('cannot use a method that is not granted', async () => {
    await expectViolation(h, { kind: 'fetchUrl', url: 'https://example.com/', method: 'DELETE' }, 'method');
  });

  it('cannot reach a host that is not granted', async () => {
    await expectViolation(hl, { kind: 'fetchUrl', url: 'https://example.com/' }, 'host');
  });

  it('may fetch the explicitly granted loopback server', async () => {
    const res = (await hl.bus.request(Attack, { kind: 'fetchUrl', url: `${server.url}/ok` })) as { status: number; text: string };
    expect(res).toMatchObject({ status: 200, text: 'hello GET' });
  });

  it('cannot follow a redirect from the granted server to 169.254.169.254 (granted as a host, refused as an address)', async () => {
    const to = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
    await expectViolation(hl, { kind: 'fetchUrl', url: `${server.url}/redirect?to=${to}` }, 'address');
  });

  it('cannot follow a redirect to a granted host whose address is not granted ([::1])', async () => {
    const to = encodeURIComponent(`http://[::1]:${server.port}/ok`);
    await expectViolation(hl, { kind: 'fetchUrl', url: `${server.url}/redirect?to=${to}` }, 'address');
  });

  it('gets a redirect it may follow re-checked and followed', async () => {
    const to = encodeURIComponent(`${server.url}/ok`);
    const res = (await hl.bus.request(Attack, { kind: 'fetchUrl', url: `${server.url}/redirect?to=${to}` })) as { redirected: boolean; text: string };
    expect(res).toMatchObject({ redirected: true, text: 'hello GET' });
  });

  it('cannot receive an oversized response (declared length)', async () => {
    await expectViolation(hl, { kind: 'fetchUrl', url: `${server.url}/big` }, 'response-too-large');
  });

  it('cannot receive an oversized response (chunked)', async () => {
    await expectViolation(hl, { kind: 'fetchUrl', url: `${server.url}/big-chunked` }, 'response-too-large');
  });

  it('cannot hold a never-ending response open', async () => {
    await expectViolation(hl, { kind: 'fetchUrl', url: `${server.url}/never` }, 'response-timeout');
  });

  it('reads a granted file through the host guard', async () => {
    const res = (await h.bus.request(Attack, { kind: 'readFile', path: join(dirs.inDir, 'hello.txt') })) as { text: string };
    expect(res.text).toBe('hello from the grant');
  });

  it('cannot read outside the grant by path traversal', async () => {
    await expectViolation(h, { kind: 'readFile', path: 'data/in/../../secret.txt' }, 'fs-outside-grant');
    await expectViolation(h, { kind: 'readFile', path: '/etc/passwd' }, 'fs-outside-grant');
  });

  it('cannot read through a symlink out of the grant', async () => {
    await expectViolation(h, { kind: 'readFile', path: join(dirs.inDir, 'link-to-secret') }, 'fs-symlink');
    await expectViolation(h, { kind: 'readFile', path: join(dirs.inDir, 'link-to-root', 'secret.txt') }, 'fs-symlink');
  });

  it('cannot list a folder through a symlink out of the grant', async () => {
    await expectViolation(h, { kind: 'listDir', path: join(dirs.inDir, 'link-to-root') }, 'fs-symlink');
  });

  it('cannot write outside the write grant', async () => {
    await expectViolation(h, { kind: 'writeFile', path: 'data/out/../in/hello.txt', data: 'x' }, 'fs-outside-grant');
    await expectViolation(h, { kind: 'writeFile', path: join(dirs.outDir, 'link-out'), data: 'x' }, 'fs-symlink');
  });

  it('cannot read a file above the size cap', async () => {
    await expectViolation(h, { kind: 'readFile', path: join(dirs.inDir, 'big.bin') }, 'fs-too-large');
  });

  it('counted every refusal and published each one on the bus', async () => {
    const stats = strict.stats();
    expect(stats.violations).toBeGreaterThanOrEqual(30);
    const published = h.incidents.filter((i) => i.code === 'SANDBOX_VIOLATION');
    expect(published.length).toBe(stats.violations);
    expect(published.every((i) => i.periphery === 'strict')).toBe(true);
    expect(stats.violationsByReason.address).toBeGreaterThanOrEqual(18);
  });
});
