/**
 * Broker gating for integration tests: a test that needs a broker SKIPS with a visible reason when the
 * broker is unreachable, except under CI (`CI=true`), where an unreachable broker is a FAILURE, so a
 * misconfigured pipeline can never pass by skipping everything.
 */
import { connect } from 'node:net';

/** Default ports by URL scheme, used when the URL names none. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'nats:': 4222, 'redis:': 6379, 'rediss:': 6379, 'tls:': 4222 };

/**
 * True when a TCP connection to the URL's host and port succeeds within `timeoutMs`.
 * Accepts `nats://host:port`, `redis://host:port`, or bare `host:port`.
 * @param timeoutMs connect timeout. Defaults to 1000 ms.
 */
export function brokerAvailable(url: string, timeoutMs = 1000): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url.includes('://') ? url : `tcp://${url}`);
    host = parsed.hostname.replace(/^\[|\]$/gu, '') || '127.0.0.1';
    port = parsed.port === '' ? (DEFAULT_PORTS[parsed.protocol] ?? 0) : Number(parsed.port);
  } catch {
    return Promise.resolve(false);
  }
  if (!Number.isInteger(port) || port <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => { done(false); });
    socket.once('connect', () => { done(true); });
    socket.once('error', () => { done(false); });
  });
}

/** Result of {@link requireBroker}. */
export interface BrokerCheck {
  /** True when the broker answered. */
  readonly available: boolean;
  /** Human-readable reason, suitable for a skip note or a describe title. */
  readonly reason: string;
}

/** Options for {@link requireBroker}. */
export interface RequireBrokerOptions {
  /** Name used in messages, e.g. `NATS`. Defaults to `broker`. */
  readonly name?: string;
  /** Connect timeout. Defaults to 1000 ms. */
  readonly timeoutMs?: number;
  /** Environment to read `CI` from. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Check a broker before an integration suite. Unreachable outside CI: resolves `{ available: false }`
 * with a reason to show in a skip. Unreachable with `CI=true`: rejects, so the run fails.
 *
 * @example
 * ```ts
 * const nats = await requireBroker(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', { name: 'NATS' });
 * describe.skipIf(!nats.available)(`nats transport (${nats.reason})`, () => { ... });
 * ```
 * @throws Error when the broker is unreachable and `CI` is `true`
 */
export async function requireBroker(url: string, options: RequireBrokerOptions = {}): Promise<BrokerCheck> {
  const name = options.name ?? 'broker';
  const env = options.env ?? process.env;
  const available = await brokerAvailable(url, options.timeoutMs ?? 1000);
  if (available) return { available, reason: `${name} at ${url}` };
  const reason = `${name} unreachable at ${url}`;
  if (env.CI === 'true') throw new Error(`${reason}, and CI=true: integration tests must not be skipped in CI`);
  return { available, reason: `skipped: ${reason}` };
}
