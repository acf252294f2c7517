/**
 * Role-based access control: roles grant capabilities, routes require capabilities, and anything not
 * granted is denied. Role and capability names come from tokens, so lookups use a `Map` (a role called
 * `constructor` or `__proto__` grants nothing) and capability names are checked at configuration so they
 * can travel comma-separated in `HEADERS.capabilities`.
 */
import { CellularError } from '@cellular/core';

/** Options for {@link createRbac}. */
export interface RbacOptions {
  /** Role name -> capabilities it grants. A capability `orders:*` grants every `orders:<x>`. */
  readonly roles: Readonly<Record<string, readonly string[]>>;
}

/** Resolves capabilities and checks them; see {@link createRbac}. */
export interface Rbac {
  /** The capabilities granted by a list of role names (unknown roles grant nothing), sorted. */
  capabilitiesOf(roles: readonly string[]): readonly string[];
  /** True when `granted` covers every capability in `required`. An empty `required` is satisfied. */
  allows(granted: readonly string[], required: readonly string[]): boolean;
}

const CAP_RE = /^[A-Za-z0-9._:-]+(?::\*)?$/u;

/** Check a capability name (letters, digits, `. _ : -`, optional trailing `:*`). Throws INVALID_CONFIG. */
export function assertCapability(cap: string, where: string): void {
  if (typeof cap !== 'string' || !CAP_RE.test(cap) || cap.length > 100) {
    throw new CellularError('INVALID_CONFIG', `${where}: invalid capability ${JSON.stringify(cap)}`, { data: { capability: JSON.stringify(cap) } });
  }
}

function covers(granted: readonly string[], cap: string): boolean {
  for (const g of granted) {
    if (g === cap) return true;
    if (g.endsWith(':*') && cap.startsWith(g.slice(0, -1))) return true;
  }
  return false;
}

/** Policies made by {@link createRbac}: fixed at creation, so their decisions may be cached. */
const fixedPolicies = new WeakSet<Rbac>();

/** True when `rbac` came from {@link createRbac} (its answers never change, so callers may cache them). */
export function isFixedRbac(rbac: Rbac): boolean {
  return fixedPolicies.has(rbac);
}

/** Most distinct role lists remembered by `capabilitiesOf`; the memo starts over when full. */
const MEMO_LIMIT = 1024;

/** Build an RBAC policy. Throws INVALID_CONFIG on an invalid capability name. */
export function createRbac(options: RbacOptions): Rbac {
  const roles = new Map<string, readonly string[]>();
  for (const [role, caps] of Object.entries(options.roles)) {
    for (const c of caps) assertCapability(c, `rbac role "${role}"`);
    roles.set(role, Object.freeze([...caps]));
  }
  // The same few role lists come back on every request: resolve each once. Role names come from
  // tokens, so the memo is bounded, and keyed by the JSON of the list: unlike a join with any
  // separator, two different lists can never share a key.
  const memo = new Map<string, readonly string[]>();
  const resolve = (names: readonly string[]): readonly string[] => {
    const out = new Set<string>();
    for (const n of names) for (const c of roles.get(n) ?? []) out.add(c);
    return Object.freeze([...out].sort());
  };
  const rbac: Rbac = {
    capabilitiesOf(names) {
      const key = JSON.stringify(names);
      let caps = memo.get(key);
      if (caps === undefined) {
        caps = resolve(names);
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(key, caps);
      }
      return caps;
    },
    allows(granted, required) {
      return required.every((c) => covers(granted, c));
    },
  };
  fixedPolicies.add(rbac);
  return rbac;
}
