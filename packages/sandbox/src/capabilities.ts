/**
 * What a periphery may do beyond computing: the grants, as plain data. They are checked once here
 * (bad grants fail at definition, not at the first request) and turned into the normalised form the
 * host-side guards and the cell's `grants` field use, so topology tools can read them without running
 * anything.
 */
import { isAbsolute, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { CellularError } from '@cellular/core';

/** Network grant: the periphery reaches the network only through the granted `fetch`. */
export interface NetGrant {
  /**
   * Hosts it may reach, as `host`, `host:port`, `*.domain:port`, `[v6]:port` or `*` (any host).
   * A missing port means the scheme's default port (443/80); `:*` means any port.
   */
  readonly allow: readonly string[];
  /** HTTP methods. Defaults to `['GET', 'HEAD']`. */
  readonly methods?: readonly string[];
  /** Schemes, a subset of `http` and `https`. Defaults to both. */
  readonly schemes?: readonly ('http' | 'https')[];
  /**
   * CIDR ranges that may be reached although they are not public unicast (`127.0.0.1/32` for a
   * loopback test server). Defaults to none: only public unicast addresses.
   */
  readonly allowAddresses?: readonly string[];
  /** Largest response body in bytes. Defaults to 5 MiB. */
  readonly maxResponseBytes?: number;
  /** Largest request body in bytes. Defaults to 1 MiB. */
  readonly maxRequestBytes?: number;
  /** Time for a whole request, redirects and body included, in ms. Defaults to 10,000 ms. */
  readonly timeoutMs?: number;
  /** Redirect hops followed (each one re-checked). Defaults to 5. */
  readonly maxRedirects?: number;
}

/** File grant: paths are checked on the host after resolving `..` and symlinks. */
export interface FsGrant {
  /** Directories (or files) it may read, absolute or relative to the periphery's `cwd`. */
  readonly read?: readonly string[];
  /** Directories (or files) it may write. Write implies read. */
  readonly write?: readonly string[];
  /** Largest file read or written, in bytes. Defaults to 10 MiB. */
  readonly maxFileBytes?: number;
}

/** Everything a periphery is granted. Nothing is granted by default. */
export interface Capabilities {
  readonly net?: NetGrant;
  readonly fs?: FsGrant;
}

/** Where the periphery runs. */
export type SandboxTier = 'worker' | 'process';

/** Resource limits and isolation tier. */
export interface PeripheryLimits {
  /** `worker` (piscina pool, the default) or `process` (one child process). */
  readonly tier?: SandboxTier;
  /** Milliseconds a task may run before it fails with TIMEOUT and its worker is replaced. Defaults to 30,000 ms. */
  readonly timeoutMs?: number;
  /** Worker threads in the pool (fixed size). Defaults to 2. Ignored by the process tier. */
  readonly threads?: number;
  /** Tasks waiting beyond this fail with BACKPRESSURE. Defaults to 256. */
  readonly maxQueue?: number;
  /** V8 old-generation heap per worker or child, in MB. Defaults to 128 MB. */
  readonly maxHeapMb?: number;
  /**
   * Resident memory ceiling in MB, sampled while tasks run. The process tier measures the child
   * process (default 1024 MB); the worker tier can only measure the whole host process (default: off),
   * which is what catches an ArrayBuffer bomb there. Exceeding it fails the in-flight tasks with
   * SANDBOX_CRASH and replaces their workers.
   */
  readonly maxRssMb?: number;
  /** Replace the worker pool (or the child process) after this many tasks. Defaults to 10,000. */
  readonly recycleAfterTasks?: number;
  /** Idle worker lifetime in ms (piscina `idleTimeout`). Defaults to 60,000 ms. */
  readonly idleTimeoutMs?: number;
  /** Extra directories the sandbox may read code from (dependencies outside the module's folder). */
  readonly codePaths?: readonly string[];
}

/** Normalised network grant. */
export interface ResolvedNetGrant {
  readonly allow: readonly string[];
  readonly methods: readonly string[];
  readonly schemes: readonly ('http' | 'https')[];
  readonly allowAddresses: readonly string[];
  readonly maxResponseBytes: number;
  readonly maxRequestBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

/** Normalised file grant (absolute paths, not yet realpath'ed). */
export interface ResolvedFsGrant {
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly maxFileBytes: number;
}

/** Normalised limits. */
export interface ResolvedLimits {
  readonly tier: SandboxTier;
  readonly timeoutMs: number;
  readonly threads: number;
  readonly maxQueue: number;
  readonly maxHeapMb: number;
  readonly maxRssMb: number | undefined;
  readonly recycleAfterTasks: number;
  readonly idleTimeoutMs: number;
  readonly codePaths: readonly string[];
}

/** The grants as plain data (what `Cell.grants` holds). */
export interface ResolvedGrants {
  readonly tier: SandboxTier;
  readonly net: ResolvedNetGrant | undefined;
  readonly fs: ResolvedFsGrant | undefined;
}

function invalid(message: string, field: string): CellularError {
  return new CellularError('INVALID_CONFIG', message, { data: { field } });
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw invalid(`${field} must be a positive number, got ${String(value)}`, field);
  return value;
}

const HOST_PATTERN_RE = /^(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(?:\*|\d{1,5}))?$/u;
const METHOD_RE = /^[A-Z]+$/u;

/** Check and normalise a network grant. @throws CellularError INVALID_CONFIG */
export function resolveNetGrant(net: NetGrant): ResolvedNetGrant {
  const rawAllow: unknown = net.allow;
  if (!Array.isArray(rawAllow)) throw invalid('capabilities.net.allow must be an array of host patterns', 'capabilities.net.allow');
  const allow = (rawAllow as unknown[]).map((p) => String(p).toLowerCase());
  for (const p of allow) {
    if (!HOST_PATTERN_RE.test(p)) throw invalid(`capabilities.net.allow has an invalid host pattern "${p}"`, 'capabilities.net.allow');
  }
  const methods = (net.methods ?? ['GET', 'HEAD']).map((m) => m.toUpperCase());
  for (const m of methods) if (!METHOD_RE.test(m)) throw invalid(`capabilities.net.methods has "${m}"`, 'capabilities.net.methods');
  const schemes = net.schemes ?? ['http', 'https'];
  for (const s of schemes) {
    if ((s as string) !== 'http' && (s as string) !== 'https') {
      throw invalid(`capabilities.net.schemes may hold only http and https, got "${s as string}"`, 'capabilities.net.schemes');
    }
  }
  const allowAddresses = [...(net.allowAddresses ?? [])];
  for (const c of allowAddresses) {
    if (!ipaddr.isValidCIDR(c)) throw invalid(`capabilities.net.allowAddresses has an invalid CIDR "${c}"`, 'capabilities.net.allowAddresses');
  }
  return Object.freeze({
    allow: Object.freeze(allow),
    methods: Object.freeze(methods),
    schemes: Object.freeze([...schemes]),
    allowAddresses: Object.freeze(allowAddresses),
    maxResponseBytes: positive(net.maxResponseBytes, 5 * 1024 * 1024, 'capabilities.net.maxResponseBytes'),
    maxRequestBytes: positive(net.maxRequestBytes, 1024 * 1024, 'capabilities.net.maxRequestBytes'),
    timeoutMs: positive(net.timeoutMs, 10_000, 'capabilities.net.timeoutMs'),
    maxRedirects: net.maxRedirects ?? 5,
  });
}

/** Check and normalise a file grant against `cwd`. @throws CellularError INVALID_CONFIG */
export function resolveFsGrant(fs: FsGrant, cwd: string): ResolvedFsGrant {
  const abs = (list: readonly string[] | undefined, field: string): string[] =>
    (list ?? []).map((p) => {
      if (typeof p !== 'string' || p.length === 0) throw invalid(`${field} must list non-empty paths`, field);
      return isAbsolute(p) ? resolve(p) : resolve(cwd, p);
    });
  return Object.freeze({
    read: Object.freeze(abs(fs.read, 'capabilities.fs.read')),
    write: Object.freeze(abs(fs.write, 'capabilities.fs.write')),
    maxFileBytes: positive(fs.maxFileBytes, 10 * 1024 * 1024, 'capabilities.fs.maxFileBytes'),
  });
}

/** Check and normalise limits. @throws CellularError INVALID_CONFIG */
export function resolveLimits(limits: PeripheryLimits | undefined, cwd: string): ResolvedLimits {
  const l = limits ?? {};
  const tier = l.tier ?? 'worker';
  if (tier !== 'worker' && tier !== 'process') throw invalid(`limits.tier must be worker or process, got ${String(tier)}`, 'limits.tier');
  const threads = positive(l.threads, 2, 'limits.threads');
  if (!Number.isInteger(threads)) throw invalid('limits.threads must be an integer', 'limits.threads');
  return Object.freeze({
    tier,
    timeoutMs: positive(l.timeoutMs, 30_000, 'limits.timeoutMs'),
    threads,
    maxQueue: positive(l.maxQueue, 256, 'limits.maxQueue'),
    maxHeapMb: positive(l.maxHeapMb, 128, 'limits.maxHeapMb'),
    maxRssMb: l.maxRssMb === undefined ? (tier === 'process' ? 1024 : undefined) : positive(l.maxRssMb, 1, 'limits.maxRssMb'),
    recycleAfterTasks: positive(l.recycleAfterTasks, 10_000, 'limits.recycleAfterTasks'),
    idleTimeoutMs: positive(l.idleTimeoutMs, 60_000, 'limits.idleTimeoutMs'),
    codePaths: Object.freeze((l.codePaths ?? []).map((p) => (isAbsolute(p) ? resolve(p) : resolve(cwd, p)))),
  });
}
