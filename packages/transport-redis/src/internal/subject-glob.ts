/**
 * Translates NATS-style subjects and patterns into Redis pub/sub channels and PSUBSCRIBE globs.
 *
 * Redis globs do not know tokens: `*` matches any run of characters, dots included, and `?`, `[`, `]`
 * and `\` are special. So the translation is deliberately *broader* than the NATS pattern (a `*` or
 * `>` token becomes a glob `*`) and every literal part is escaped; the receiving side then filters
 * each message with core's `subjectMatches`, which restores exact NATS semantics (`*` exactly one
 * token, `>` one or more trailing tokens). A pattern without wildcards becomes a plain SUBSCRIBE.
 */
import { isWildcardPattern } from '@cellular/core';

/** Where a pattern is listened to on Redis. */
export interface RedisSubscriptionKey {
  /** `channel` = SUBSCRIBE, `pattern` = PSUBSCRIBE. */
  readonly kind: 'channel' | 'pattern';
  /** The channel name or the glob. */
  readonly key: string;
}

const GLOB_SPECIAL = /[*?[\]\\]/gu;

/** Escape every Redis glob metacharacter (`* ? [ ] \`) so the text matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, (c) => `\\${c}`);
}

/** The Redis channel a concrete subject is published on. */
export function channelFor(prefix: string, subject: string): string {
  return prefix + subject;
}

/**
 * The Redis subscription for a (valid) NATS pattern under `prefix`. Wildcard tokens become `*`, so the
 * glob matches a superset of the pattern; receivers must filter with `subjectMatches`.
 */
export function toRedisSubscription(prefix: string, pattern: string): RedisSubscriptionKey {
  if (!isWildcardPattern(pattern)) return { kind: 'channel', key: channelFor(prefix, pattern) };
  const glob = pattern
    .split('.')
    .map((token) => (token === '*' || token === '>' ? '*' : escapeGlob(token)))
    .join('.');
  return { kind: 'pattern', key: escapeGlob(prefix) + glob };
}

/**
 * The subject a channel carries, or undefined when the channel is not under `prefix`.
 */
export function subjectOfChannel(prefix: string, channel: string): string | undefined {
  return channel.startsWith(prefix) ? channel.slice(prefix.length) : undefined;
}
