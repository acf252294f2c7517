/**
 * Queue groups on Redis pub/sub, balanced across instances.
 *
 * Redis pub/sub has no queue groups: every instance with a member receives every message. A plain
 * "first `SET NX` wins" claim is skewed: the instance Redis writes to first (or the least loaded one)
 * wins most messages (measured 67% / 23% / 10% over three instances). So the claim picks the OWNER:
 * - each queue subscription is a member, `<instanceId>:<n> <pattern>`, in the sorted set
 *   `<prefix>qm:<group>` scored by its last heartbeat (added once its SUBSCRIBE is active, refreshed
 *   every `memberTtlMs / 3`, removed on unsubscribe and close);
 * - every instance that receives a message for the group runs {@link CLAIM_SCRIPT}; the first call
 *   chooses the owner by rotation (a per-group counter) among the live members whose pattern matches
 *   the subject, stores it under `<prefix>q:<group>:<id>` (`PX claimTtlMs`) and every call returns it;
 * - the instance owning the member delivers to it (or, if it just went away, to another local member).
 * Guarantee: each message reaches at most one member; exactly one while the owner is alive. A member
 * whose instance died without closing keeps its turns for up to `memberTtlMs` (those messages are
 * lost: core pub/sub is at-most-once). No live member listed (e.g. heartbeats lagging) → the caller
 * claims for itself, as before.
 */
import type { Redis } from 'ioredis';
import type { Envelope, Logger } from '@cellular/core';
import type { KeyLayout } from './keys.js';
import type { LocalSubscription } from './local-subscription.js';

/**
 * KEYS: claim, members, counter. ARGV: subject, claimTtlMs, memberTtlMs, fallback member. Returns the
 * owning member. Liveness is judged on Redis's clock (`TIME`), the clock the heartbeats score with, so
 * clock skew between hosts cannot make a live member look dead or a dead one live. Stale members are
 * skipped here and deleted by the heartbeats, so a claim only reads the member set.
 */
export const CLAIM_SCRIPT = `
local owner = redis.call('GET', KEYS[1])
if owner then return owner end
local subj = {}
for tok in string.gmatch(ARGV[1], '[^.]+') do subj[#subj + 1] = tok end
local function matches(p)
  local i = 0
  for tok in string.gmatch(p, '[^.]+') do
    i = i + 1
    if tok == '>' then return i <= #subj end
    if i > #subj or (tok ~= '*' and tok ~= subj[i]) then return false end
  end
  return i == #subj
end
local now = redis.call('TIME')
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[3])
local cands = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], oldest, '+inf')) do
  local sp = string.find(m, ' ', 1, true)
  if sp and matches(string.sub(m, sp + 1)) then cands[#cands + 1] = m end
end
if #cands == 0 then
  owner = ARGV[4]
else
  table.sort(cands)
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('PEXPIRE', KEYS[3], 86400000) end
  owner = cands[(n % #cands) + 1]
end
redis.call('SET', KEYS[1], owner, 'PX', ARGV[2])
return owner
`;

interface Member {
  readonly id: string;
  readonly group: string;
  readonly sub: LocalSubscription<Envelope>;
  joined: boolean;
}

type ClaimRedis = Redis & {
  cellularQueueClaim(claim: string, members: string, counter: string, subject: string, ttl: number, memberTtl: number, fallback: string): Promise<string>;
};

/** The queue-group members of one transport instance and their claims. */
export class QueueGroups {
  readonly #redis: ClaimRedis;
  readonly #keys: KeyLayout;
  readonly #instanceId: string;
  readonly #claimTtl: number;
  readonly #memberTtl: number;
  readonly #logger: Logger;
  readonly #members = new Map<LocalSubscription<Envelope>, Member>();
  #counter = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Round-robin cursor per group, when the owner member is gone locally. */
  readonly #cursors = new Map<string, number>();

  constructor(redis: Redis, keys: KeyLayout, instanceId: string, claimTtlMs: number, memberTtlMs: number, logger: Logger) {
    redis.defineCommand('cellularQueueClaim', { lua: CLAIM_SCRIPT, numberOfKeys: 3 });
    this.#redis = redis as ClaimRedis;
    this.#keys = keys;
    this.#instanceId = instanceId;
    this.#claimTtl = claimTtlMs;
    this.#memberTtl = memberTtlMs;
    this.#logger = logger;
  }

  /** Register `sub` in its group once `ready` (its Redis SUBSCRIBE) has resolved; resolves once listed. */
  join(sub: LocalSubscription<Envelope>, group: string, ready: Promise<unknown>): Promise<void> {
    const member: Member = { id: `${this.#instanceId}:${++this.#counter} ${sub.pattern}`, group, sub, joined: false };
    this.#members.set(sub, member);
    const listed = ready.then(() => {
      if (this.#members.get(sub) !== member) return undefined;
      member.joined = true;
      return this.#add([member]);
    });
    this.#timer ??= setInterval(() => {
      this.refresh();
    }, Math.max(50, Math.floor(this.#memberTtl / 3))).unref();
    return listed;
  }

  /** Remove `sub` from its group (unsubscribe). */
  leave(sub: LocalSubscription<Envelope>): void {
    const member = this.#members.get(sub);
    if (member === undefined) return;
    this.#members.delete(sub);
    if (member.joined) {
      // A member left listed keeps winning claims until its heartbeat ages out (memberTtlMs): say so.
      this.#redis.zrem(this.#keys.queueMembers(member.group), member.id).catch((e: unknown) => {
        this.#logger.warn('queue group leave failed; the member ages out after memberTtlMs', { group: member.group, error: String(e) });
      });
    }
    if (this.#members.size === 0) this.#stopTimer();
  }

  /** Heartbeat: re-add every joined member with the current time (also restores them after a Redis restart). */
  refresh(): void {
    void this.#add([...this.#members.values()].filter((m) => m.joined));
  }

  /** Members of this instance, by group (for tests and diagnostics). */
  memberIds(): string[] {
    return [...this.#members.values()].map((m) => m.id);
  }

  /**
   * Claim `envelope` for `group`: resolves to the local member that must handle it, or `undefined`
   * when another instance owns it. `members` are this instance's active members that match.
   */
  async claim(group: string, subject: string, envelope: Envelope, members: readonly LocalSubscription<Envelope>[]): Promise<LocalSubscription<Envelope> | undefined> {
    const fallback = this.#members.get(members[0]!)?.id ?? `${this.#instanceId}:0 ${subject}`;
    const owner = await this.#redis.cellularQueueClaim(
      this.#keys.queueClaim(group, envelope.id),
      this.#keys.queueMembers(group),
      this.#keys.queueCounter(group),
      subject,
      this.#claimTtl,
      this.#memberTtl,
      fallback,
    );
    if (!owner.startsWith(`${this.#instanceId}:`)) return undefined;
    const live = members.filter((m) => m.isActive);
    const mine = live.find((m) => this.#members.get(m)?.id === owner);
    if (mine !== undefined) return mine;
    if (live.length === 0) return undefined;
    const cursor = this.#cursors.get(group) ?? 0;
    this.#cursors.set(group, cursor + 1);
    return live[cursor % live.length];
  }

  /** Leave every group (close): one ZREM per group, awaited so it is sent before the connection goes. */
  async close(): Promise<void> {
    this.#stopTimer();
    const byGroup = new Map<string, string[]>();
    for (const m of this.#members.values()) if (m.joined) byGroup.set(m.group, [...(byGroup.get(m.group) ?? []), m.id]);
    this.#members.clear();
    if (this.#redis.status !== 'ready') return;
    await Promise.all(
      [...byGroup].map(([g, ids]) =>
        this.#redis.zrem(this.#keys.queueMembers(g), ...ids).catch((e: unknown) => {
          this.#logger.warn('queue group leave failed on close; the members age out after memberTtlMs', { group: g, error: String(e) });
        }),
      ),
    );
  }

  async #add(members: readonly Member[]): Promise<void> {
    if (members.length === 0 || this.#redis.status === 'end') return;
    await this.#redis
      .time()
      .then(([s, us]) => {
        const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
        const pipe = this.#redis.pipeline();
        const groups = new Set<string>();
        for (const m of members) {
          if (this.#members.get(m.sub) !== m) continue;
          pipe.zadd(this.#keys.queueMembers(m.group), now, m.id);
          groups.add(m.group);
        }
        // Members without a heartbeat for memberTtlMs (their instance died) leave the set here.
        for (const g of groups) pipe.zremrangebyscore(this.#keys.queueMembers(g), '-inf', `(${now - this.#memberTtl}`);
        return pipe.exec();
      })
      .then(() => undefined)
      .catch((e: unknown) => {
        this.#logger.warn('queue group heartbeat failed', { error: String(e) });
      });
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
