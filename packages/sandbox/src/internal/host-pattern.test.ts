import { describe, expect, it } from 'vitest';
import { hostAllowed } from './host-pattern.js';

describe('hostAllowed', () => {
  it('matches subdomains with *. but not the apex', () => {
    expect(hostAllowed(['*.wikipedia.org:443'], 'en.wikipedia.org', 443, 443)).toBe(true);
    expect(hostAllowed(['*.wikipedia.org:443'], 'wikipedia.org', 443, 443)).toBe(false);
    expect(hostAllowed(['*.wikipedia.org:443'], 'evilwikipedia.org', 443, 443)).toBe(false);
    expect(hostAllowed(['*.wikipedia.org:443'], 'en.wikipedia.org.evil.com', 443, 443)).toBe(false);
  });

  it('uses the default port when the pattern has none, any port with :*', () => {
    expect(hostAllowed(['example.com'], 'example.com', 443, 443)).toBe(true);
    expect(hostAllowed(['example.com'], 'example.com', 8443, 443)).toBe(false);
    expect(hostAllowed(['example.com:*'], 'example.com', 8443, 443)).toBe(true);
    expect(hostAllowed(['example.com:8080'], 'example.com', 8080, 80)).toBe(true);
  });

  it('is case-insensitive and ignores a trailing dot', () => {
    expect(hostAllowed(['example.com'], 'EXAMPLE.com.', 80, 80)).toBe(true);
  });

  it('matches bracketed IPv6 and the * wildcard', () => {
    expect(hostAllowed(['[::1]:8080'], '[::1]', 8080, 80)).toBe(true);
    expect(hostAllowed(['*'], 'anything.test', 80, 80)).toBe(true);
    expect(hostAllowed(['*'], 'anything.test', 81, 80)).toBe(false);
    expect(hostAllowed(['*:*'], 'anything.test', 81, 80)).toBe(true);
  });

  it('refuses everything with no patterns', () => {
    expect(hostAllowed([], 'example.com', 443, 443)).toBe(false);
  });
});
