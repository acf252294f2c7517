/**
 * The live transport move. A switchable transport composes several real transports (memory, NATS,
 * Redis) and routes each subject to one of them; `move(patterns, to)` re-routes a cell's subjects while
 * traffic flows. It stays correct during the switch because:
 * - subscribers, responders and durable consumers listen on EVERY transport, so whichever transport a
 *   publisher uses, somebody hears it — nothing published before, during or after the switch is missed;
 * - a request waits on the transport it was sent on, and the responder's reply is routed back to that
 *   transport (its reply subject is tagged `$SW.<transport>.` on the way in), so in-flight requests
 *   finish where they started;
 * - durable streams exist on every transport and every durable consumer consumes on every transport;
 *   a durable publish is stored where the subject is routed at that moment. Messages stored before the
 *   move — including delivered but unacknowledged ones — stay in the old transport's stream and are
 *   consumed, acknowledged and if need be redelivered there; new ones go to the new stream. Nothing is
 *   copied between streams, so the move adds no duplicates: delivery stays at-least-once, and a message
 *   handled twice is a redelivery of the same envelope (same id). Order per subject holds within each
 *   transport but not across the move (the old backlog and the new messages are consumed side by side),
 *   and the old transport must stay connected until its backlog is consumed;
 * - moving back is the same operation, so every move is reversible.
 * The price: a subscription costs one per transport, and capabilities are the weakest of the set.
 */
import { CellularError, subjectMatches } from '@cellular/core';
import type {
  ConsumerConfig,
  DurableHandler,
  Envelope,
  MessageHandler,
  PublishAck,
  StreamConfig,
  Transport,
  TransportCapabilities,
  TransportRequestOptions,
  TransportStatus,
  TransportSubscribeOptions,
  TransportSubscription,
} from '@cellular/core';

const REPLY_TAG = '$SW';

/** Options for {@link createSwitchableTransport}. */
export interface SwitchableTransportOptions {
  /** The transports, by name (`memory`, `nats`, `redis`). */
  readonly transports: Readonly<Record<string, Transport>>;
  /** Name of the transport for subjects without a route. */
  readonly default: string;
  /** Initial routes: subject pattern -> transport name. */
  readonly routes?: Readonly<Record<string, string>>;
}

/** A transport whose subjects can move between underlying transports while traffic flows. */
export interface SwitchableTransport extends Transport {
  /**
   * Route `patterns` to transport `to` from now on. In-flight work finishes where it started: requests
   * are answered on the transport they were sent on, and durable messages already stored on the old
   * transport are consumed there (at-least-once, never copied, not ordered against the new messages).
   * Keep the old transport connected until that backlog is consumed. Moving back is the same call.
   */
  move(patterns: readonly string[], to: string): Promise<{ readonly moved: readonly string[] }>;
  /** Name of the transport a subject is routed to now. */
  routeOf(subject: string): string;
  /** Current routes (pattern -> transport), most recent last. */
  routes(): ReadonlyArray<readonly [string, string]>;
}

function combineCapabilities(list: readonly TransportCapabilities[]): TransportCapabilities {
  const durOrder = ['none', 'process', 'persistent'] as const;
  return {
    durability: durOrder[Math.min(...list.map((c) => durOrder.indexOf(c.durability)))] ?? 'none',
    pubsubDelivery: list.every((c) => c.pubsubDelivery === 'at-least-once') ? 'at-least-once' : 'at-most-once',
    ordering: list.every((c) => c.ordering === 'per-publisher') ? 'per-publisher' : 'none',
    maxPayload: Math.min(...list.map((c) => c.maxPayload)),
    wildcards: list.every((c) => c.wildcards),
    queueGroups: list.every((c) => c.queueGroups),
    headers: list.every((c) => c.headers),
    noResponders: list.every((c) => c.noResponders),
    nackDelay: list.every((c) => c.nackDelay),
    deadLetter: list.every((c) => c.deadLetter),
  };
}

function combineSubscriptions(pattern: string, queue: string | undefined, subs: readonly TransportSubscription[]): TransportSubscription {
  return {
    pattern,
    queue,
    unsubscribe: () => {
      for (const s of subs) s.unsubscribe();
    },
    drain: async () => {
      await Promise.all(subs.map((s) => s.drain()));
    },
    closed: Promise.all(subs.map((s) => s.closed)).then(() => undefined),
  };
}

/**
 * Create a switchable transport over named transports.
 * @throws CellularError INVALID_CONFIG when `default` or a route names an unknown transport
 */
export function createSwitchableTransport(options: SwitchableTransportOptions): SwitchableTransport {
  const names = Object.keys(options.transports);
  if (names.length === 0) throw new CellularError('INVALID_CONFIG', 'A switchable transport needs at least one transport');
  const get = (name: string): Transport => {
    const t = options.transports[name];
    if (!t) throw new CellularError('INVALID_CONFIG', `Unknown transport "${name}"; known: ${names.join(', ')}`, { data: { transport: name } });
    return t;
  };
  get(options.default);
  const routeList: [string, string][] = [];
  for (const [p, n] of Object.entries(options.routes ?? {})) {
    get(n);
    routeList.push([p, n]);
  }
  const routeOf = (subject: string): string => {
    for (let i = routeList.length - 1; i >= 0; i--) {
      const [pattern, name] = routeList[i]!;
      if (subjectMatches(pattern, subject)) return name;
    }
    return options.default;
  };
  const tagReply =
    (name: string, handler: MessageHandler): MessageHandler =>
    (env) =>
      handler(env.replyTo === undefined ? env : { ...env, replyTo: `${REPLY_TAG}.${name}.${env.replyTo}` });
  const all = (): Transport[] => names.map(get);

  const transport: SwitchableTransport = {
    name: 'switchable',
    get capabilities() {
      return combineCapabilities(all().map((t) => t.capabilities));
    },
    get status(): TransportStatus {
      const statuses = all().map((t) => t.status);
      for (const s of ['closed', 'draining', 'reconnecting', 'connecting', 'idle'] as const) if (statuses.includes(s)) return s;
      return 'connected';
    },
    async connect() {
      await Promise.all(all().map((t) => t.connect()));
    },
    async close() {
      await Promise.all(all().map((t) => t.close()));
    },
    async drain() {
      await Promise.all(all().map((t) => t.drain()));
    },
    publish(envelope: Envelope) {
      if (envelope.subject.startsWith(`${REPLY_TAG}.`)) {
        const rest = envelope.subject.slice(REPLY_TAG.length + 1);
        const dot = rest.indexOf('.');
        return get(rest.slice(0, dot)).publish({ ...envelope, subject: rest.slice(dot + 1) });
      }
      return get(routeOf(envelope.subject)).publish(envelope);
    },
    subscribe(pattern: string, handler: MessageHandler, opts?: TransportSubscribeOptions) {
      const subs = names.map((n) => get(n).subscribe(pattern, tagReply(n, handler), opts));
      return combineSubscriptions(pattern, opts?.queue, subs);
    },
    request(envelope: Envelope, opts: TransportRequestOptions) {
      return get(routeOf(envelope.subject)).request(envelope, opts);
    },
    async ensureStream(config: StreamConfig) {
      await Promise.all(all().map((t) => t.ensureStream(config)));
    },
    publishDurable(envelope: Envelope, opts?: { readonly timeout?: number }): Promise<PublishAck> {
      return get(routeOf(envelope.subject)).publishDurable(envelope, opts);
    },
    consume(config: ConsumerConfig, handler: DurableHandler) {
      const subs = all().map((t) => t.consume(config, handler));
      return combineSubscriptions(config.filterSubject ?? config.stream, config.durable, subs);
    },
    async move(patterns: readonly string[], to: string) {
      const target = get(to);
      if (target.status !== 'connected') await target.connect();
      for (const p of patterns) {
        const i = routeList.findIndex(([existing]) => existing === p);
        if (i >= 0) routeList.splice(i, 1);
        routeList.push([p, to]);
      }
      return { moved: [...patterns] };
    },
    routeOf,
    routes: () => routeList.map(([p, n]) => [p, n] as const),
  };
  return transport;
}

/** Every subject pattern a cell's declaration touches (handles, subscribes, publishes, requests, consumes). */
export function cellSubjects(cell: {
  readonly handles: readonly { readonly subject: string }[];
  readonly subscribes: readonly ({ readonly subject: string } | string)[];
  readonly publishes: readonly { readonly subject: string }[];
  readonly requests: readonly { readonly subject: string }[];
  readonly consumes: readonly { readonly subject: string }[];
}): string[] {
  const out = new Set<string>();
  for (const c of [...cell.handles, ...cell.publishes, ...cell.requests, ...cell.consumes]) out.add(c.subject);
  for (const s of cell.subscribes) out.add(typeof s === 'string' ? s : s.subject);
  return [...out].sort();
}
