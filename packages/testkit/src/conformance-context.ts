/**
 * What each conformance check gets: a fresh transport, unique names, deadlines and small helpers.
 * Checks are plain async functions over this context (not vitest tests), so the same check runs inside
 * `describeTransportConformance` and programmatically through `runConformanceCheck` (which is how the
 * testkit proves, against broken transports, that its checks can fail).
 */
import { CellularError, createEnvelope } from '@cellular/core';
import type { CellularErrorCode, Envelope, EnvelopeInit, MessageHandler, Transport, TransportCapabilities, TransportSubscribeOptions, TransportSubscription } from '@cellular/core';
import { expect } from 'vitest';
import { uniqueName, uniqueSubject } from './unique-subject.js';
import { sleep, waitFor } from './wait-for.js';

/** Thrown by {@link ConformanceContext.skip}: the check does not apply to this transport. */
export class ConformanceSkip extends Error {
  override readonly name = 'ConformanceSkip';
}

/** Tunables of the suite (all optional, with defaults suitable for a local broker). */
export interface ConformanceOptions {
  /** Deadline of each wait for something that must happen. Defaults to 5000 ms. */
  readonly waitTimeoutMs?: number;
  /** Quiet period used to show that something does NOT happen. Defaults to 150 ms. */
  readonly settleMs?: number;
  /** Ack wait given to durable consumers in the redelivery checks. Defaults to 400 ms. */
  readonly ackWaitMs?: number;
  /** Checks to skip, by id, with the reason shown in the report, e.g. `{ 'durable.backpressure': 'no overflow control' }`. */
  readonly skip?: Readonly<Record<string, string>>;
  /** Called after each check for every stream it created, to remove it from a shared broker. */
  readonly deleteStream?: (transport: Transport, stream: string) => Promise<void>;
  /** Per-check test timeout given to vitest. Defaults to 20,000 ms. */
  readonly testTimeoutMs?: number;
}

/** Received envelopes of a helper subscription. */
export interface Collector {
  readonly items: Envelope[];
  readonly sub: TransportSubscription;
  /** Wait until at least `n` envelopes arrived; returns them. */
  waitForCount(n: number): Promise<Envelope[]>;
}

/** The context a check runs with. */
export interface ConformanceContext {
  readonly transport: Transport;
  readonly caps: TransportCapabilities;
  /** Unique subject prefix of this check, e.g. `ctk.3f9a1c07b21`. */
  readonly prefix: string;
  readonly waitTimeoutMs: number;
  readonly settleMs: number;
  readonly ackWaitMs: number;
  /** `prefix.suffix`. */
  subject(suffix: string): string;
  /** A unique stream name, removed after the check through `options.deleteStream`. */
  streamName(suffix?: string): string;
  /** A fresh envelope (fresh id, attempt 1). */
  envelope<T>(subject: string, payload: T, init?: Omit<EnvelopeInit<T>, 'subject' | 'payload'>): Envelope<T>;
  /** Subscribe and record every envelope. */
  collect(pattern: string, options?: TransportSubscribeOptions, onMessage?: MessageHandler): Collector;
  /** Poll until `predicate` is truthy, with the check's deadline. */
  waitFor<T>(predicate: () => T | Promise<T>, message?: string | (() => string)): Promise<NonNullable<T>>;
  /** Await `promise`, failing with `what` if it does not settle within the check's deadline. */
  within<T>(promise: Promise<T>, what: string): Promise<T>;
  /** Wait the quiet period. */
  settle(ms?: number): Promise<void>;
  /** Register cleanup, run after the check (last registered first) before the transport closes. */
  defer(fn: () => unknown): void;
  /** Declare that the check does not apply. */
  skip(reason: string): never;
}

/**
 * Assert that `action` throws or rejects a CellularError with `code` (sync throws and rejected promises
 * both count, since transports may validate eagerly). Returns the error.
 */
export async function expectCellularError(action: () => unknown, code: CellularErrorCode, what = 'operation'): Promise<CellularError> {
  let error: unknown;
  let threw = false;
  try {
    await action();
  } catch (e) {
    threw = true;
    error = e;
  }
  expect(threw, `${what} should fail with ${code}, but it succeeded`).toBe(true);
  expect(error, `${what} should fail with a CellularError ${code}`).toBeInstanceOf(CellularError);
  expect((error as CellularError).code, `${what}: wrong error code`).toBe(code);
  return error as CellularError;
}

/** Await `promise`, rejecting with a clear error if it has not settled after `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what}: still pending after ${ms} ms`)); }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => { clearTimeout(timer); });
}

/** Build a context; returns it and the cleanup to run after the check. */
export function createConformanceContext(
  transport: Transport,
  options: ConformanceOptions,
): { context: ConformanceContext; cleanup: () => Promise<void> } {
  const prefix = uniqueSubject('ctk');
  const waitTimeoutMs = options.waitTimeoutMs ?? 5000;
  const settleMs = options.settleMs ?? 150;
  const deferred: (() => unknown)[] = [];
  const streams: string[] = [];
  const context: ConformanceContext = {
    transport,
    caps: transport.capabilities,
    prefix,
    waitTimeoutMs,
    settleMs,
    ackWaitMs: options.ackWaitMs ?? 400,
    subject: (suffix) => `${prefix}.${suffix}`,
    streamName(suffix) {
      const name = uniqueName(suffix === undefined ? 'ctk' : `ctk_${suffix}`);
      streams.push(name);
      return name;
    },
    envelope: (subject, payload, init = {}) => createEnvelope({ ...init, subject, payload }),
    collect(pattern, subscribeOptions, onMessage) {
      const items: Envelope[] = [];
      const sub = transport.subscribe(
        pattern,
        (env) => {
          items.push(env);
          return onMessage?.(env);
        },
        subscribeOptions,
      );
      return {
        items,
        sub,
        waitForCount: async (n) => {
          await waitFor(() => items.length >= n, {
            timeout: waitTimeoutMs,
            message: () => `expected ${n} messages on "${pattern}", got ${items.length}`,
          });
          return items;
        },
      };
    },
    waitFor: (predicate, message) => waitFor(predicate, message === undefined ? { timeout: waitTimeoutMs } : { timeout: waitTimeoutMs, message }),
    settle: (ms) => sleep(ms ?? settleMs),
    within: (promise, what) => withDeadline(promise, waitTimeoutMs, what),
    defer: (fn) => { deferred.push(fn); },
    skip(reason) {
      throw new ConformanceSkip(reason);
    },
  };
  const cleanup = async (): Promise<void> => {
    for (const fn of deferred.reverse()) {
      try {
        await fn();
      } catch {
        // cleanup is best effort
      }
    }
    if (options.deleteStream) {
      for (const s of streams) {
        try {
          await options.deleteStream(transport, s);
        } catch {
          // the stream may never have been created
        }
      }
    }
    try {
      await transport.close();
    } catch {
      // a check may have closed it already
    }
  };
  return { context, cleanup };
}
