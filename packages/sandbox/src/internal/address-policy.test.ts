import { describe, expect, it } from 'vitest';
import { createAddressPolicy, isIpLiteral } from './address-policy.js';

describe('address policy', () => {
  const strict = createAddressPolicy([]);

  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::1', '6to4'],
    ['2001::1', 'teredo'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['ff02::1', 'multicast'],
  ])('refuses %s as %s', (address, range) => {
    expect(strict.refusal(address)).toBe(range);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111'])('allows public unicast %s', (address) => {
    expect(strict.refusal(address)).toBeNull();
  });

  it('refuses what is not an address', () => {
    expect(strict.refusal('example.com')).toBe('invalid');
  });

  it('allows a granted CIDR only, of the same family', () => {
    const p = createAddressPolicy(['127.0.0.1/32']);
    expect(p.refusal('127.0.0.1')).toBeNull();
    expect(p.refusal('127.0.0.2')).toBe('loopback');
    expect(p.refusal('::1')).toBe('loopback');
  });

  it('recognises IP literals', () => {
    expect(isIpLiteral('::1')).toBe(true);
    expect(isIpLiteral('10.0.0.1')).toBe(true);
    expect(isIpLiteral('example.com')).toBe(false);
  });
});
