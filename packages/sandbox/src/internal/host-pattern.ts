/**
 * Matching a URL's host and port against `net.allow` patterns. Patterns are lowercase `host[:port]`;
 * `*.example.org` matches subdomains only (not the apex); a missing port means the scheme's default
 * port, `:*` any port; `*` alone matches any host on its default port, `*:*` anything.
 */

/** True when `hostname` (as in `URL.hostname`) and `port` match one of `patterns`. */
export function hostAllowed(patterns: readonly string[], hostname: string, port: number, defaultPort: number): boolean {
  const host = hostname.toLowerCase().replace(/\.$/u, '');
  for (const pattern of patterns) {
    const { hostPart, portPart } = splitPattern(pattern);
    const portOk = portPart === '*' ? true : portPart === undefined ? port === defaultPort : Number(portPart) === port;
    if (!portOk) continue;
    if (hostPart === '*') return true;
    if (hostPart.startsWith('*.')) {
      if (host.endsWith(hostPart.slice(1)) && host.length > hostPart.length - 1) return true;
    } else if (hostPart === host) return true;
  }
  return false;
}

function splitPattern(pattern: string): { hostPart: string; portPart: string | undefined } {
  if (pattern.startsWith('[')) {
    const end = pattern.indexOf(']');
    const rest = pattern.slice(end + 1);
    return { hostPart: pattern.slice(0, end + 1), portPart: rest.startsWith(':') ? rest.slice(1) : undefined };
  }
  const colon = pattern.lastIndexOf(':');
  return colon === -1 ? { hostPart: pattern, portPart: undefined } : { hostPart: pattern.slice(0, colon), portPart: pattern.slice(colon + 1) };
}
