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

/** Build an RBAC policy. Throws INVALID_CONFIG on an invalid capability name. */
export function createRbac(options: RbacOptions): Rbac {
  const roles = new Map<string, readonly string[]>();
  for (const [role, caps] of Object.entries(options.roles)) {
    for (const c of caps) assertCapability(c, `rbac role "${role}"`);
    roles.set(role, Object.freeze([...caps]));
  }
  return {
    capabilitiesOf(names) {
      const out = new Set<string>();
      for (const n of names) for (const c of roles.get(n) ?? []) out.add(c);
      return [...out].sort();
    },
    allows(granted, required) {
      return required.every((c) => covers(granted, c));
    },
  };
}
