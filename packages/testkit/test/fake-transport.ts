/**
 * A small, deliberately simple in-memory transport used only by the testkit's own tests: correct by
 * default (so the suite must pass on it), with switchable faults (so each check must catch its fault).
 * Durable streams are declared absent (durability `none`).
 */
import { assertPattern, assertSubject, CellularError, newMessageId, subjectMatches } from '@cellular/core';
import type { Envelope, MessageHandler, Transport, TransportCapabilities, TransportStatus, TransportSubscription } from '@cellular/core';

export type Fault =
  | 'queue-delivers-to-all'
  | 'ignores-tail-wildcard'
  | 'star-matches-many'
  | 'drops-headers'
  | 'no-responders-times-out'
  | 'open-after-close'
  | 'drain-does-not-wait'
  | 'ignores-payload-limit'
  | 'reorders'
  | 'handler-error-kills-subscription'
  | 'ignores-abort'
  | 'unsubscribe-ignored'
  | 'replays-last'
  | 'status-listener-not-removed';

interface Sub {
  pattern: string;
  queue: string | undefined;
  handler: MessageHandler;
  active: boolean;
  inFlight: Set<Promise<void>>;
  resolveClosed: () => void;
}

export interface FakeOptions {
  readonly faults?: readonly Fault[];
  readonly maxPayload?: number;
  readonly capabilities?: Partial<TransportCapabilities>;
}

export function createFakeTransport(options: FakeOptions = {}): Transport {
  const faults = new Set(options.faults ?? []);
  let status: TransportStatus = 'idle';
  const subs = new Set<Sub>();
  const pending = new Set<(e: CellularError) => void>();
  let rr = 0;
  const capabilities: TransportCapabilities = {
    durability: 'none',
    pubsubDelivery: 'at-most-once',
    ordering: 'per-publisher',
    maxPayload: options.maxPayload ?? Infinity,
    wildcards: true,
    queueGroups: true,
    headers: true,
    noResponders: true,
    nackDelay: false,
    deadLetter: false,
    ...options.capabilities,
  };

  const closedError = (): CellularError => new CellularError('TRANSPORT_CLOSED', 'fake transport is closed');
  const ensureOpen = (): void => {
    if ((status === 'closed' || status === 'draining') && !faults.has('open-after-close')) throw closedError();
  };
  const matches = (pattern: string, subject: string): boolean => {
    if (faults.has('ignores-tail-wildcard') && pattern.endsWith('.>')) return false;
    if (faults.has('star-matches-many') && pattern.includes('*')) return subjectMatches(pattern.replace(/\*/gu, '>').replace(/>\..*$/u, '>'), subject);
    return subjectMatches(pattern, subject);
  };
  const run = (sub: Sub, env: Envelope): void => {
    const copy: Envelope = faults.has('drops-headers') ? { ...env, headers: {} } : structuredClone(env);
    const p = (async () => {
      try {
        await sub.handler(copy);
      } catch {
        if (faults.has('handler-error-kills-subscription')) sub.active = false;
      }
    })();
    sub.inFlight.add(p);
    void p.finally(() => sub.inFlight.delete(p));
  };
  const deliver = (env: Envelope): number => {
    const groups = new Map<string, Sub[]>();
    let n = 0;
    for (const sub of subs) {
      if (!sub.active || !matches(sub.pattern, env.subject)) continue;
      if (sub.queue === undefined || faults.has('queue-delivers-to-all')) {
        run(sub, env);
        n++;
      } else groups.set(sub.queue, [...(groups.get(sub.queue) ?? []), sub]);
    }
    for (const members of groups.values()) {
      const m = members[rr++ % members.length];
      if (m) {
        run(m, env);
        n++;
      }
    }
    return n;
  };
  const checkSize = (env: Envelope): void => {
    if (faults.has('ignores-payload-limit')) return;
    const size = Buffer.byteLength(JSON.stringify(env.payload) ?? '');
    if (size > capabilities.maxPayload) throw new CellularError('PAYLOAD_TOO_LARGE', `payload ${size} > ${capabilities.maxPayload}`);
  };
  let reorderHeld: Envelope | undefined;
  let last: Envelope | undefined;
  const listeners = new Set<(s: TransportStatus) => void>();
  const setStatus = (next: TransportStatus): void => {
    status = next;
    for (const l of [...listeners]) l(next);
  };

  const transport: Transport = {
    name: 'fake',
    capabilities,
    get status() {
      return status;
    },
    connect() {
      if (status === 'closed') return Promise.reject(closedError());
      if (status !== 'connected') setStatus('connected');
      return Promise.resolve();
    },
    async close() {
      if (status === 'closed') return;
      setStatus('closed');
      for (const sub of subs) {
        sub.active = false;
        sub.resolveClosed();
      }
      subs.clear();
      for (const reject of pending) reject(closedError());
      pending.clear();
    },
    async drain() {
      if (status === 'closed') return;
      setStatus('draining');
      if (!faults.has('drain-does-not-wait')) {
        await Promise.all([...subs].flatMap((s) => [...s.inFlight]));
      }
      await transport.close();
    },
    publish(env) {
      ensureOpen();
      assertSubject(env.subject);
      checkSize(env);
      if (faults.has('reorders') && reorderHeld === undefined) {
        reorderHeld = env;
        return;
      }
      deliver(env);
      last = env;
      if (reorderHeld) {
        const held = reorderHeld;
        reorderHeld = undefined;
        deliver(held);
      }
    },
    subscribe(pattern, handler, opts) {
      ensureOpen();
      assertPattern(pattern);
      let resolveClosed!: () => void;
      const closed = new Promise<void>((r) => { resolveClosed = r; });
      const sub: Sub = { pattern, queue: opts?.queue, handler, active: true, inFlight: new Set(), resolveClosed };
      subs.add(sub);
      if (faults.has('replays-last') && last !== undefined && matches(pattern, last.subject)) run(sub, last);
      const stop = (): void => {
        if (faults.has('unsubscribe-ignored')) return;
        sub.active = false;
        subs.delete(sub);
        resolveClosed();
      };
      const subscription: TransportSubscription = {
        pattern,
        queue: opts?.queue,
        unsubscribe: stop,
        async drain() {
          sub.active = false;
          subs.delete(sub);
          await Promise.all([...sub.inFlight]);
          resolveClosed();
        },
        closed,
      };
      return subscription;
    },
    request(env, opts) {
      ensureOpen();
      assertSubject(env.subject);
      checkSize(env);
      if (opts.signal?.aborted && !faults.has('ignores-abort')) return Promise.reject(new CellularError('CANCELLED', 'aborted'));
      const replyTo = `_INBOX.${newMessageId()}`;
      const correlationId = env.correlationId ?? newMessageId();
      return new Promise<Envelope>((resolve, reject) => {
        const cleanup = (): void => {
          clearTimeout(timer);
          inbox.unsubscribe();
          pending.delete(fail);
        };
        const fail = (e: CellularError): void => {
          cleanup();
          reject(e);
        };
        const timer = setTimeout(() => { fail(new CellularError('TIMEOUT', `no reply within ${opts.timeout} ms`)); }, opts.timeout);
        pending.add(fail);
        const inbox = transport.subscribe(replyTo, (reply) => {
          if (reply.correlationId !== correlationId) return;
          cleanup();
          resolve(reply);
        });
        if (!faults.has('ignores-abort')) opts.signal?.addEventListener('abort', () => { fail(new CellularError('CANCELLED', 'aborted')); }, { once: true });
        const n = deliver({ ...env, replyTo, correlationId });
        if (n === 0 && !faults.has('no-responders-times-out')) fail(new CellularError('NO_RESPONDERS', `no responder for ${env.subject}`));
      });
    },
    onStatusChange(listener) {
      listeners.add(listener);
      return () => {
        if (!faults.has('status-listener-not-removed')) listeners.delete(listener);
      };
    },
    ensureStream() {
      ensureOpen();
      return Promise.reject(new CellularError('UNSUPPORTED', 'fake transport has no streams'));
    },
    publishDurable() {
      ensureOpen();
      return Promise.reject(new CellularError('UNSUPPORTED', 'fake transport has no streams'));
    },
    consume() {
      ensureOpen();
      throw new CellularError('UNSUPPORTED', 'fake transport has no streams');
    },
  };
  return transport;
}
