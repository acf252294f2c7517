import { describe, expect, it } from 'vitest';
import { resolveFsGrant, resolveLimits, resolveNetGrant } from './capabilities.js';

describe('grants', () => {
  it('fills network defaults', () => {
    expect(resolveNetGrant({ allow: ['*.Wikipedia.org:443'] })).toEqual({
      allow: ['*.wikipedia.org:443'],
      methods: ['GET', 'HEAD'],
      schemes: ['http', 'https'],
      allowAddresses: [],
      maxResponseBytes: 5 * 1024 * 1024,
      maxRequestBytes: 1024 * 1024,
      timeoutMs: 10_000,
      maxRedirects: 5,
    });
  });

  it.each([
    [{ allow: ['http://example.com'] }, 'capabilities.net.allow'],
    [{ allow: ['exa mple.com'] }, 'capabilities.net.allow'],
    [{ allow: 'example.com' as unknown as string[] }, 'capabilities.net.allow'],
    [{ allow: [], schemes: ['ftp' as 'http'] }, 'capabilities.net.schemes'],
    [{ allow: [], allowAddresses: ['127.0.0.1'] }, 'capabilities.net.allowAddresses'],
    [{ allow: [], timeoutMs: -1 }, 'capabilities.net.timeoutMs'],
  ])('refuses a bad network grant %j', (grant, field) => {
    expect(() => resolveNetGrant(grant)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', data: { field } }));
  });

  it('resolves file grants against cwd', () => {
    expect(resolveFsGrant({ read: ['./data/in', '/abs/x/../y'], write: ['out'] }, '/srv/app')).toEqual({
      read: ['/srv/app/data/in', '/abs/y'],
      write: ['/srv/app/out'],
      maxFileBytes: 10 * 1024 * 1024,
    });
  });

  it('fills limit defaults per tier', () => {
    expect(resolveLimits(undefined, '/')).toMatchObject({ tier: 'worker', threads: 2, maxQueue: 256, timeoutMs: 30_000, maxRssMb: undefined });
    expect(resolveLimits({ tier: 'process' }, '/')).toMatchObject({ tier: 'process', maxRssMb: 1024 });
  });

  it('refuses bad limits', () => {
    expect(() => resolveLimits({ tier: 'vm' as 'worker' }, '/')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => resolveLimits({ threads: 1.5 }, '/')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
