/**
 * The bus as one cell sees it: the shared bus restricted to what the cell declared. Publishing,
 * requesting, handling, subscribing, streaming or consuming a contract the cell did not declare throws
 * FORBIDDEN, so the declared topology (what diagrams and boundary checks read) is the true one. The
 * view also stamps `HEADERS.sourceCell` on what the cell sends and remembers the cell's subscriptions so
 * the host can drain exactly them when the cell stops.
 */
import { CellularError, HEADERS, subjectMatches } from '@cellular/core';
import type {
  AnyContract,
  BusSubscribeOptions,
  BusSubscription,
  Cell,
  CellBus,
  ConsumeOptions,
  DurableMessageHandler,
  EventContract,
  EventHandler,
  PayloadInput,
  PayloadOf,
  PublishAck,
  PublishOptions,
  RequestContract,
  RequestHandler,
  RequestOptions,
  ResponseInput,
  ResponseOf,
} from '@cellular/core';
import type { Bus } from './bus.js';

type Verb = 'publish' | 'request' | 'handle' | 'subscribe' | 'stream' | 'consume';

const DECLARATION: Record<Verb, string> = {
  publish: 'publishes',
  request: 'requests',
  handle: 'handles',
  subscribe: 'subscribes',
  stream: 'publishes',
  consume: 'consumes',
};

function names(list: readonly (AnyContract | string)[]): ReadonlySet<string> {
  return new Set(list.filter((c): c is AnyContract => typeof c !== 'string').map((c) => c.name));
}

/** A {@link CellBus} that enforces one cell's declaration over a shared {@link Bus}. */
export class CellBusView implements CellBus {
  private readonly publishes: ReadonlySet<string>;
  private readonly requests: ReadonlySet<string>;
  private readonly handles: ReadonlySet<string>;
  private readonly subscribesContracts: ReadonlySet<string>;
  private readonly subscribesPatterns: readonly string[];
  private readonly consumes: ReadonlySet<string>;
  private readonly sourceHeaders: Readonly<Record<string, string>>;
  private readonly subscriptions = new Set<BusSubscription>();

  constructor(
    private readonly bus: Bus,
    readonly cell: Cell,
  ) {
    this.publishes = names(cell.publishes);
    this.requests = names(cell.requests);
    this.handles = names(cell.handles);
    this.subscribesContracts = names(cell.subscribes);
    this.subscribesPatterns = cell.subscribes.filter((s): s is string => typeof s === 'string');
    this.consumes = names(cell.consumes);
    this.sourceHeaders = Object.freeze({ [HEADERS.sourceCell]: cell.name });
  }

  private forbidden(verb: Verb, what: string): CellularError {
    return new CellularError(
      'FORBIDDEN',
      `Cell "${this.cell.name}" may not ${verb} "${what}": it is not in the cell's \`${DECLARATION[verb]}\` declaration`,
      { data: { cell: this.cell.name, verb, target: what, declaration: DECLARATION[verb] } },
    );
  }

  /** The FORBIDDEN error when `contract` is not in `allowed`, else undefined. */
  private denied(verb: Verb, allowed: ReadonlySet<string>, contract: AnyContract): CellularError | undefined {
    const name = (contract as Partial<AnyContract> | undefined)?.name;
    if (typeof name === 'string' && allowed.has(name)) return undefined;
    return this.forbidden(verb, typeof name === 'string' ? name : String(name));
  }

  private check(verb: Verb, allowed: ReadonlySet<string>, contract: AnyContract): void {
    const err = this.denied(verb, allowed, contract);
    if (err !== undefined) throw err;
  }

  private headers(extra: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
    return extra === undefined ? this.sourceHeaders : { ...extra, ...this.sourceHeaders };
  }

  private track<T>(sub: BusSubscription<T>): BusSubscription<T> {
    const s = sub as BusSubscription;
    this.subscriptions.add(s);
    void s.closed.then(() => this.subscriptions.delete(s));
    return sub;
  }

  /** Drain every subscription this cell made (its handlers finish; no new messages arrive). */
  async drain(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.drain()));
  }

  /** Number of live subscriptions the cell made. */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  publish<C extends EventContract>(contract: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<void> {
    const denied = this.denied('publish', this.publishes, contract);
    if (denied !== undefined) return Promise.reject(denied);
    return this.bus.publish(contract, payload, { headers: this.headers(options?.headers) });
  }

  subscribe<C extends EventContract>(
    contract: C,
    handler?: EventHandler<PayloadOf<C>>,
    options?: BusSubscribeOptions,
  ): BusSubscription<PayloadOf<C>>;
  subscribe(pattern: string, handler?: EventHandler<unknown>, options?: BusSubscribeOptions): BusSubscription;
  subscribe(target: EventContract | string, handler?: EventHandler<unknown>, options?: BusSubscribeOptions): BusSubscription {
    if (typeof target === 'string') {
      if (!this.subscribesPatterns.includes(target)) throw this.forbidden('subscribe', target);
      return this.track(this.bus.subscribe(target, handler, options));
    }
    const declared =
      this.subscribesContracts.has(target.name) || this.subscribesPatterns.some((p) => subjectMatches(p, target.subject));
    if (!declared) throw this.forbidden('subscribe', target.name);
    return this.track(this.bus.subscribe(target, handler, options));
  }

  handle<C extends RequestContract>(
    contract: C,
    handler: RequestHandler<PayloadOf<C>, ResponseInput<C>>,
    options?: BusSubscribeOptions,
  ): BusSubscription<PayloadOf<C>> {
    this.check('handle', this.handles, contract);
    return this.track(this.bus.handle(contract, handler, options));
  }

  request<C extends RequestContract>(contract: C, payload: PayloadInput<C>, options?: RequestOptions): Promise<ResponseOf<C>> {
    const denied = this.denied('request', this.requests, contract);
    if (denied !== undefined) return Promise.reject(denied);
    return this.bus.request(contract, payload, { ...options, headers: this.headers(options?.headers) });
  }

  stream<C extends AnyContract>(contract: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<PublishAck> {
    const denied = this.denied('stream', this.publishes, contract);
    if (denied !== undefined) return Promise.reject(denied);
    return this.bus.stream(contract, payload, { headers: this.headers(options?.headers) });
  }

  consume<C extends AnyContract>(
    contract: C,
    handler: DurableMessageHandler<PayloadOf<C>>,
    options: ConsumeOptions,
  ): BusSubscription<PayloadOf<C>> {
    this.check('consume', this.consumes, contract);
    return this.track(this.bus.consume(contract, handler, options));
  }
}
