import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CellularError } from '@cellular/core';
import { MsgHdrsImpl, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { ReplyMux } from './reply-mux.js';

type Callback = (err: Error | null, msg: Msg) => void;

function fakeConnection(): { nc: NatsConnection; deliver: (subject: string, data?: Uint8Array, code?: number) => void; subjects: string[] } {
  let cb: Callback | undefined;
  const subjects: string[] = [];
  const nc = {
    subscribe(subject: string, opts: { callback: Callback }) {
      subjects.push(subject);
      cb = opts.callback;
      return { unsubscribe: () => undefined };
    },
  } as unknown as NatsConnection;
  return {
    nc,
    subjects,
    deliver(subject, data = new Uint8Array([1]), code) {
      const headers = code === undefined ? undefined : new MsgHdrsImpl(code, 'No Responders');
      cb?.(null, { subject, data, headers } as unknown as Msg);
    },
  };
}

describe('ReplyMux', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('subscribes one wildcard inbox and routes each reply to its request by token', async () => {
    const { nc, deliver, subjects } = fakeConnection();
    const mux = new ReplyMux('_INBOX.t');
    mux.start(nc);
    mux.start(nc);
    expect(subjects).toEqual(['_INBOX.t.*']);
    const a = mux.register(1000, 'svc.a', 'Request');
    const b = mux.register(1000, 'svc.b', 'Request');
    expect(a.replySubject).not.toBe(b.replySubject);
    deliver(b.replySubject, new Uint8Array([2]));
    deliver(a.replySubject, new Uint8Array([1]));
    expect((await a.promise).data).toEqual(new Uint8Array([1]));
    expect((await b.promise).data).toEqual(new Uint8Array([2]));
    expect(mux.size).toBe(0);
  });

  it('times out with TIMEOUT, ignores the late reply', async () => {
    const { nc, deliver } = fakeConnection();
    const mux = new ReplyMux('_INBOX.t');
    mux.start(nc);
    const p = mux.register(100, 'svc.slow', 'Request');
    const result = p.promise.catch((e: unknown) => e);
    vi.advanceTimersByTime(100);
    const err = await result;
    expect(CellularError.is(err, 'TIMEOUT')).toBe(true);
    expect((err as CellularError).data).toMatchObject({ subject: 'svc.slow', timeoutMs: 100 });
    deliver(p.replySubject);
    expect(mux.size).toBe(0);
  });

  it('maps the 503 status reply to NO_RESPONDERS', async () => {
    const { nc, deliver } = fakeConnection();
    const mux = new ReplyMux('_INBOX.t');
    mux.start(nc);
    const p = mux.register(1000, 'svc.none', 'Request');
    deliver(p.replySubject, new Uint8Array(0), 503);
    await expect(p.promise).rejects.toMatchObject({ code: 'NO_RESPONDERS', data: { subject: 'svc.none' } });
  });

  it('an abort signal cancels with CANCELLED, before or after registering', async () => {
    const mux = new ReplyMux('_INBOX.t');
    const ac = new AbortController();
    const p = mux.register(1000, 'svc.x', 'Request', ac.signal);
    ac.abort();
    await expect(p.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(mux.register(1000, 'svc.x', 'Request', ac.signal).promise).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(mux.size).toBe(0);
  });

  it('rejectAll fails every pending request with the given error and fail() one', async () => {
    const mux = new ReplyMux('_INBOX.t');
    const a = mux.register(1000, 'svc.a', 'Request');
    const b = mux.register(1000, 'svc.b', 'Request');
    a.fail(new CellularError('BACKPRESSURE', 'full'));
    mux.rejectAll(new CellularError('TRANSPORT_CLOSED', 'closed'));
    await expect(a.promise).rejects.toMatchObject({ code: 'BACKPRESSURE' });
    await expect(b.promise).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('rejectAll with a factory builds each error from the request, and the timer no longer fires', async () => {
    const mux = new ReplyMux('_INBOX.t');
    const a = mux.register(1000, 'svc.a', 'Request');
    const b = mux.register(1000, 'st.b', 'Durable publish');
    mux.rejectAll((what, subject) => new CellularError('TRANSPORT_ERROR', `${what} lost`, { data: { subject } }));
    vi.advanceTimersByTime(2000);
    await expect(a.promise).rejects.toMatchObject({ code: 'TRANSPORT_ERROR', message: 'Request to "svc.a" lost', data: { subject: 'svc.a' } });
    await expect(b.promise).rejects.toMatchObject({ code: 'TRANSPORT_ERROR', message: 'Durable publish to "st.b" lost', data: { subject: 'st.b' } });
    expect(mux.size).toBe(0);
  });
});
