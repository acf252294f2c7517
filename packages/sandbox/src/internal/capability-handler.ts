/**
 * Dispatches a capability request from inside a sandbox (`{ id, op, args }`) to the host-side guards
 * and turns the outcome into a reply (`{ id, ok, value | error }`). Refusals are reported to the
 * periphery (counted and published) before they go back; nothing but the reply crosses.
 */
import type { SerializedCellularError } from '@cellular/core';
import { CellularError, toCellularError } from '@cellular/core';
import type { FsGuard } from './fs-guard.js';
import type { FetchRequest, FetchResponse } from './granted-fetch.js';
import { violation } from './violation.js';

/** A request from the sandbox. */
export interface CapabilityRequest {
  readonly id: number;
  readonly op: string;
  readonly args: Record<string, unknown>;
}

/** A reply to the sandbox. */
export type CapabilityReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedCellularError };

/** The guards a periphery has (absent ones refuse). */
export interface CapabilityGuards {
  readonly fetch: ((req: FetchRequest) => Promise<FetchResponse>) | undefined;
  readonly fs: FsGuard | undefined;
  readonly onRefusal: (error: CellularError) => void;
}

function isRequest(m: unknown): m is CapabilityRequest {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return typeof r.id === 'number' && typeof r.op === 'string' && typeof r.args === 'object' && r.args !== null;
}

async function dispatch(guards: CapabilityGuards, op: string, args: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'fetch': {
      if (guards.fetch === undefined) throw violation('host', 'This periphery has no network grant', { op });
      const body = args.body;
      const rawHeaders: unknown[] = Array.isArray(args.headers) ? (args.headers as unknown[]) : [];
      const headers = rawHeaders.filter(
        (h): h is [string, string] => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string',
      );
      const redirect = args.redirect === 'manual' || args.redirect === 'error' ? args.redirect : 'follow';
      return guards.fetch({
        url: String(args.url),
        method: typeof args.method === 'string' ? args.method : 'GET',
        headers: headers,
        body: body instanceof Uint8Array ? body : null,
        redirect,
      });
    }
    case 'readFile':
      if (guards.fs === undefined) throw violation('fs-not-granted', 'This periphery has no file grant', { op });
      return guards.fs.readFile(args.path as string, args.encoding === 'utf8' ? 'utf8' : undefined);
    case 'writeFile':
      if (guards.fs === undefined) throw violation('fs-not-granted', 'This periphery has no file grant', { op });
      return guards.fs.writeFile(args.path as string, args.data as string | Uint8Array);
    case 'readdir':
      if (guards.fs === undefined) throw violation('fs-not-granted', 'This periphery has no file grant', { op });
      return guards.fs.readdir(args.path as string);
    default:
      throw new CellularError('UNSUPPORTED', `Unknown capability "${op}"`, { data: { op } });
  }
}

/** Handle one message; returns the reply, or undefined for a message that is not a request. */
export async function handleCapability(guards: CapabilityGuards, message: unknown): Promise<CapabilityReply | undefined> {
  if (!isRequest(message)) return undefined;
  try {
    return { id: message.id, ok: true, value: await dispatch(guards, message.op, message.args) };
  } catch (e) {
    const error = toCellularError(e, 'HANDLER_ERROR');
    if (error.code === 'SANDBOX_VIOLATION') guards.onRefusal(error);
    return { id: message.id, ok: false, error: error.toJSON() };
  }
}
