/**
 * Which IP addresses a granted fetch may connect to. Ranges come from ipaddr.js (a well-kept table of
 * special-purpose ranges) instead of hand-written masks: only `unicast` (public) addresses pass, so
 * loopback, private, CGNAT, link-local (169.254.169.254), unique-local, IPv4-mapped, NAT64 (rfc6052),
 * 6to4, teredo, unspecified, multicast and reserved ranges are all refused unless a CIDR is granted.
 */
import ipaddr from 'ipaddr.js';

/** A compiled address policy. */
export interface AddressPolicy {
  /** The ipaddr.js range name when refused, or null when the address may be reached. */
  refusal(address: string): string | null;
}

/** Compile the policy for a list of granted CIDRs. */
export function createAddressPolicy(allowCidrs: readonly string[]): AddressPolicy {
  const granted = allowCidrs.map((c) => ipaddr.parseCIDR(c));
  return {
    refusal(address) {
      if (!ipaddr.isValid(address)) return 'invalid';
      const addr = ipaddr.parse(address);
      for (const [net, bits] of granted) {
        if (net.kind() === addr.kind() && addr.match(net, bits)) return null;
      }
      const range = addr.range();
      return range === 'unicast' ? null : range;
    },
  };
}

/** True when `host` (a URL hostname, brackets removed) is an IP literal. */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host);
}
