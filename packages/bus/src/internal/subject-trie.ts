/**
 * The subscription index of the in-memory transport: a token trie with NATS semantics (`*` one token,
 * `>` one or more trailing tokens), so that matching a subject costs O(subject depth), not
 * O(number of subscriptions). On top of the trie sits a bounded match cache keyed by subject (the
 * NATS server's "sublist cache"): a publish to a subject already seen is one Map lookup. Any
 * subscribe or unsubscribe clears the cache, which keeps it trivially correct.
 */

/** What the trie stores: anything with an optional queue group and a creation order. */
export interface TrieEntry {
  readonly queue: string | undefined;
  /** Increasing per subscription: matches are returned in this order (subscription order). */
  readonly order: number;
}

/** The members of one queue group among the matches of a subject, and whose turn it is. */
export interface QueueGroupMatch<S> {
  readonly name: string;
  readonly members: S[];
  /** Round-robin cursor. */
  next: number;
}

/** Everything that matches one subject: plain subscribers and queue groups (merged by name, as NATS does). */
export interface MatchResult<S> {
  /** The subject matched. */
  readonly subject: string;
  readonly plain: readonly S[];
  readonly groups: readonly QueueGroupMatch<S>[];
  /** True when nothing matches. */
  readonly empty: boolean;
}

class TrieNode<S> {
  readonly children = new Map<string, TrieNode<S>>();
  star: TrieNode<S> | undefined;
  /** Subscriptions whose pattern ends at this node with a `>` token. */
  readonly fullWildcard: S[] = [];
  /** Subscriptions whose pattern ends exactly at this node. */
  readonly exact: S[] = [];

  isEmpty(): boolean {
    return this.children.size === 0 && this.star === undefined && this.fullWildcard.length === 0 && this.exact.length === 0;
  }
}

/** A subscription index keyed by NATS patterns. Patterns must be valid (`assertPattern`) before insertion. */
export class SubjectTrie<S extends TrieEntry> {
  private readonly root = new TrieNode<S>();
  private readonly cache = new Map<string, MatchResult<S>>();
  private readonly cacheLimit: number;
  private count = 0;
  private changes = 0;

  /** @param cacheLimit most subjects whose match is cached. Defaults to 4096. */
  constructor(cacheLimit = 4096) {
    this.cacheLimit = cacheLimit;
  }

  /** Increases on every insert or remove: a match computed at an older version may be stale. */
  get version(): number {
    return this.changes;
  }

  /** Number of stored subscriptions. */
  get size(): number {
    return this.count;
  }

  /** Add a subscription under `pattern`. */
  insert(pattern: string, entry: S): void {
    const tokens = pattern.split('.');
    let node = this.root;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t === '>') {
        node.fullWildcard.push(entry);
        this.changed(1);
        return;
      }
      if (t === '*') {
        node.star ??= new TrieNode<S>();
        node = node.star;
      } else {
        let child = node.children.get(t);
        if (child === undefined) {
          child = new TrieNode<S>();
          node.children.set(t, child);
        }
        node = child;
      }
    }
    node.exact.push(entry);
    this.changed(1);
  }

  /** Remove a subscription stored under `pattern`. Returns false when it was not there. */
  remove(pattern: string, entry: S): boolean {
    const tokens = pattern.split('.');
    const path: { parent: TrieNode<S>; key: string | undefined; node: TrieNode<S> }[] = [];
    let node = this.root;
    let list: S[] | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t === '>') {
        list = node.fullWildcard;
        break;
      }
      const next = t === '*' ? node.star : node.children.get(t);
      if (next === undefined) return false;
      path.push({ parent: node, key: t === '*' ? undefined : t, node: next });
      node = next;
    }
    list ??= node.exact;
    const idx = list.indexOf(entry);
    if (idx < 0) return false;
    list.splice(idx, 1);
    // Prune empty nodes bottom-up so that churn never leaks memory.
    for (let i = path.length - 1; i >= 0; i--) {
      const step = path[i]!;
      if (!step.node.isEmpty()) break;
      if (step.key === undefined) step.parent.star = undefined;
      else step.parent.children.delete(step.key);
    }
    this.changed(-1);
    return true;
  }

  /** Everything matching the concrete `subject` (valid, no wildcards). The result is shared: do not mutate. */
  match(subject: string): MatchResult<S> {
    const cached = this.cache.get(subject);
    if (cached !== undefined) return cached;
    const result = this.compute(subject);
    if (this.cache.size >= this.cacheLimit) {
      // Evict the oldest entry (Map keeps insertion order): a cheap approximation of LRU.
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(subject, result);
    return result;
  }

  /** The cached match for `subject`, if any (a hit implies the subject was valid when cached). */
  cached(subject: string): MatchResult<S> | undefined {
    return this.cache.get(subject);
  }

  /** Match without touching the cache (for one-off lookups such as "are there responders?"). */
  peek(subject: string): MatchResult<S> {
    return this.cache.get(subject) ?? this.compute(subject);
  }

  private changed(delta: number): void {
    this.count += delta;
    this.changes++;
    this.cache.clear();
  }

  private compute(subject: string): MatchResult<S> {
    const tokens = subject.split('.');
    const out: S[] = [];
    collect(this.root, tokens, 0, out);
    if (out.length > 1) out.sort((a, b) => a.order - b.order);
    const plain: S[] = [];
    const groups: QueueGroupMatch<S>[] = [];
    for (const s of out) {
      if (s.queue === undefined) {
        plain.push(s);
        continue;
      }
      let g = groups.find((x) => x.name === s.queue);
      if (g === undefined) {
        g = { name: s.queue, members: [], next: 0 };
        groups.push(g);
      }
      g.members.push(s);
    }
    return { subject, plain, groups, empty: out.length === 0 };
  }
}

function collect<S>(node: TrieNode<S>, tokens: readonly string[], i: number, out: S[]): void {
  // `>` at this level matches when at least one token remains.
  if (node.fullWildcard.length > 0 && i < tokens.length) for (const s of node.fullWildcard) out.push(s);
  if (i === tokens.length) {
    for (const s of node.exact) out.push(s);
    return;
  }
  const t = tokens[i]!;
  const child = node.children.get(t);
  if (child !== undefined) collect(child, tokens, i + 1, out);
  if (node.star !== undefined) collect(node.star, tokens, i + 1, out);
}
