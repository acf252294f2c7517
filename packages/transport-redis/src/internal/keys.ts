/**
 * The Redis key and channel layout of one transport namespace (`keyPrefix`). Kept in one place so
 * that tests, cleanup and the README agree on it. Pub/sub channels and keys live in separate Redis
 * namespaces, but both carry the prefix so one prefix isolates one deployment (or one test).
 */

/** Key builders for one prefix. */
export class KeyLayout {
  constructor(readonly prefix: string) {}

  /** Pub/sub channel of a subject. */
  channel(subject: string): string {
    return this.prefix + subject;
  }

  /** Claim of a queue group for one message: the owning member (SET PX, see queue-groups.ts). */
  queueClaim(group: string, messageId: string): string {
    return `${this.prefix}q:${group}:${messageId}`;
  }

  /** Sorted set of a queue group's members (`<instance>:<n> <pattern>`), scored by last heartbeat (ms). */
  queueMembers(group: string): string {
    return `${this.prefix}qm:${group}`;
  }

  /** Rotation counter of a queue group. */
  queueCounter(group: string): string {
    return `${this.prefix}qn:${group}`;
  }

  /** Hash of stream name -> JSON StreamConfig. */
  streamRegistry(): string {
    return `${this.prefix}streams`;
  }

  /** The Redis stream holding a durable stream's messages. */
  stream(name: string): string {
    return `${this.prefix}s:${name}`;
  }

  /** Monotonic sequence counter of a stream (PublishAck.seq). */
  streamSeq(name: string): string {
    return `${this.prefix}s:${name}:seq`;
  }

  /** Duplicate-detection marker of one envelope id in one stream (value: its seq, with a TTL). */
  duplicate(name: string, messageId: string): string {
    return `${this.prefix}s:${name}:d:${messageId}`;
  }

  /** Fallback dead-letter stream for a dead-letter subject no durable stream captures. */
  deadLetter(subject: string): string {
    return `${this.prefix}dlq:${subject}`;
  }
}
