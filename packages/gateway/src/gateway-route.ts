/**
 * A gateway route: one HTTP method and path bound to one contract. There is deliberately no other kind
 * of route (no proxy, no "forward anything"): what is not declared here cannot be reached from outside.
 * A route also describes itself as a core `RouteDeclaration` so topology tools can draw the ingress.
 */
import type { AnyContract, PayloadOf, RouteDeclaration } from '@cellular/core';
import { CellularError } from '@cellular/core';
import type { Principal } from './principal.js';
import { assertCapability } from './rbac.js';

/** HTTP methods a route may use. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a per-object check receives. */
export interface ObjectAuthorizationContext<P = unknown> {
  readonly principal: Principal;
  readonly capabilities: readonly string[];
  /** The validated payload (path params included). */
  readonly payload: P;
  /** Raw path parameters. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * A route. `contract` is a command or query (request over the bus, reply as JSON) or, with `GET`, an
 * event (a server-sent-event stream of that event).
 */
export interface GatewayRoute<C extends AnyContract = AnyContract> {
  readonly method: HttpMethod;
  /** Fastify path syntax: `/orders/:id`. Path parameters are merged into the payload. */
  readonly path: string;
  readonly contract: C;
  /**
   * Capabilities the principal must hold (all of them). Required unless `public`: a route that forgets
   * to say who may call it is refused at start (deny by default). `[]` means any authenticated caller.
   */
  readonly capabilities?: readonly string[];
  /** No authentication (still audited). Defaults to false. */
  readonly public?: boolean;
  /** Bus request timeout in ms. Defaults to the gateway's `requestTimeoutMs` (5000 ms). */
  readonly timeoutMs?: number;
  /** HTTP status of a successful reply. Defaults to 200, or 204 when the contract has no response. */
  readonly status?: number;
  /** One line for the OpenAPI document. Defaults to the contract's description. */
  readonly summary?: string;
  /**
   * Per-object authorisation (OWASP API1, BOLA): called after validation with the payload. Only
   * `true` (or a promise of `true`) allows; anything else denies with 403. A hook that throws, rejects
   * or outlives the route's timeout denies too (500 or 504), audited as `object-check-failed` or
   * `object-check-timeout`. Decisions are audited with `objectId`.
   */
  authorize?(context: ObjectAuthorizationContext<PayloadOf<C>>): boolean | Promise<boolean>;
  /** Names the object a request is about, for the audit log. Defaults to the `id` path parameter. */
  objectId?(payload: PayloadOf<C>, params: Readonly<Record<string, string>>): string | undefined;
  /** For event streams: whether this principal may see this event (per-object filtering). Defaults to all. */
  filter?(payload: PayloadOf<C>, context: { readonly principal: Principal | undefined; readonly capabilities: readonly string[] }): boolean;
}

const PATH_RE = /^(?:\/(?::[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~-]+))+\/?$|^\/$/u;
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Define a route with its contract's types flowing into `authorize`, `objectId` and `filter`. */
export function defineRoute<C extends AnyContract>(route: GatewayRoute<C>): GatewayRoute<C> {
  return route;
}

/**
 * Check a route; throws INVALID_CONFIG naming it. Enforces deny by default (capabilities or `public`
 * must be given), a plain path (no wildcards or regex), and that events are only streamed over GET.
 */
export function assertRoute(route: GatewayRoute): void {
  const where = `route ${JSON.stringify(route.method)} ${JSON.stringify(route.path)}`;
  if (!METHODS.includes(route.method)) throw new CellularError('INVALID_CONFIG', `${where}: unsupported method`);
  if (typeof route.path !== 'string' || !PATH_RE.test(route.path)) {
    throw new CellularError('INVALID_CONFIG', `${where}: path must be literal segments and :params (no wildcards)`);
  }
  if (route.public !== true && route.capabilities === undefined) {
    throw new CellularError('INVALID_CONFIG', `${where}: give capabilities (use [] for any authenticated caller) or public: true`);
  }
  for (const c of route.capabilities ?? []) assertCapability(c, where);
  if (route.contract.kind === 'event' && route.method !== 'GET') {
    throw new CellularError('INVALID_CONFIG', `${where}: event contracts are streamed over GET only`);
  }
  if (route.timeoutMs !== undefined && (!Number.isInteger(route.timeoutMs) || route.timeoutMs <= 0)) {
    throw new CellularError('INVALID_CONFIG', `${where}: timeoutMs must be a positive integer`);
  }
}

/** The plain-data declaration of a route, for topology tools. */
export function toRouteDeclaration(route: GatewayRoute): RouteDeclaration {
  return {
    method: route.method,
    path: route.path,
    contract: route.contract.name,
    ...(route.capabilities === undefined ? {} : { capabilities: [...route.capabilities] }),
  };
}
