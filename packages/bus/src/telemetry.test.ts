import { defineContract, HEADERS } from '@cellular/core';
import type { Envelope } from '@cellular/core';
import { context, createNoopMeter, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type {
  Context,
  ContextManager,
  Meter,
  MeterProvider,
  Span,
  SpanContext,
  SpanKind,
  SpanOptions,
  SpanStatus,
  TextMapPropagator,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBus } from './bus.js';
import { BusEnvelope } from './internal/bus-envelope.js';
import { foreignTransport } from '../test/helpers/foreign-transport.js';
import { createTelemetry } from './telemetry.js';
import { createMemoryTransport } from './memory-transport.js';

// --- A minimal in-test tracing "SDK": spans, a W3C traceparent propagator and a sync context manager.

interface Recorded {
  name: string;
  kind: SpanKind | undefined;
  context: SpanContext;
  parentSpanId: string | undefined;
  status: SpanStatus | undefined;
  ended: boolean;
}

class TestSpan implements Span {
  constructor(readonly rec: Recorded) {}
  spanContext(): SpanContext {
    return this.rec.context;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.rec.status = status;
    return this;
  }
  updateName(name: string): this {
    this.rec.name = name;
    return this;
  }
  end(): void {
    this.rec.ended = true;
  }
  isRecording(): boolean {
    return !this.rec.ended;
  }
  recordException(): void {
    /* not needed */
  }
}

class TestTracer implements Tracer {
  readonly spans: Recorded[] = [];
  startSpan(name: string, options?: SpanOptions, ctx: Context = context.active()): Span {
    const parent = trace.getSpanContext(ctx);
    const valid = parent !== undefined && isSpanContextValid(parent);
    const rec: Recorded = {
      name,
      kind: options?.kind,
      context: {
        traceId: valid ? parent.traceId : randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
      },
      parentSpanId: valid ? parent.spanId : undefined,
      status: undefined,
      ended: false,
    };
    this.spans.push(rec);
    return new TestSpan(rec);
  }
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args[args.length - 1] as F;
    return fn(this.startSpan(name)) as ReturnType<F>;
  }
}

const tracer = new TestTracer();
const tracerProvider: TracerProvider = { getTracer: () => tracer };

const w3c: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const sc = trace.getSpanContext(ctx);
    if (sc === undefined || !isSpanContextValid(sc)) return;
    setter.set(carrier, 'traceparent', `00-${sc.traceId}-${sc.spanId}-0${String(sc.traceFlags)}`);
  },
  extract(ctx, carrier, getter) {
    const raw = getter.get(carrier, 'traceparent');
    const value = Array.isArray(raw) ? raw[0] : raw;
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0([0-9])$/u.exec(value ?? '');
    if (m === null) return ctx;
    return trace.setSpanContext(ctx, { traceId: m[1]!, spanId: m[2]!, traceFlags: Number(m[3]), isRemote: true });
  },
  fields: () => ['traceparent'],
};

class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const prev = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = prev;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

// --- A recording meter.

const metricsSeen = new Map<string, number[]>();
const record = (name: string) => (value: number) => {
  metricsSeen.set(name, [...(metricsSeen.get(name) ?? []), value]);
};
const meter: Meter = Object.assign(Object.create(createNoopMeter()) as Meter, {
  createCounter: (name: string) => ({ add: record(name) }),
  createHistogram: (name: string) => ({ record: record(name) }),
});
const meterProvider: MeterProvider = { getMeter: () => meter };

const Placed = defineContract({ name: 'orders.placed', subject: 'orders.placed', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });
const Billed = defineContract({ name: 'orders.billed', subject: 'orders.billed', version: 1, kind: 'event', schema: z.object({ id: z.string() }) });
const Price = defineContract({
  name: 'price.get',
  subject: 'price.get',
  version: 1,
  kind: 'query',
  schema: z.object({ id: z.string() }),
  response: z.number(),
});

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

beforeAll(() => {
  context.setGlobalContextManager(new StackContextManager());
});
afterAll(() => {
  context.disable();
});

describe('telemetry', () => {
  it('a publish and the handling continue one trace through the envelope headers, also onwards', async () => {
    for (const transport of [undefined, foreignTransport()]) {
      tracer.spans.length = 0;
      const bus = createBus({ telemetry: { tracerProvider, propagator: w3c }, ...(transport ? { transport } : {}) });
      const headers: (string | undefined)[] = [];
      bus.subscribe(Placed, async (order, ctx) => {
        headers.push(ctx.headers[HEADERS.traceparent]);
        await bus.publish(Billed, order); // inside the consumer span: the trace goes on
      });
      bus.subscribe(Billed, () => undefined);
      await bus.publish(Placed, { id: 'o-1' });
      await tick();
      await tick();
      const byName = Object.fromEntries(tracer.spans.map((s) => [s.name, s]));
      const publish = byName['publish orders.placed']!;
      const process = byName['process orders.placed']!;
      const publish2 = byName['publish orders.billed']!;
      const process2 = byName['process orders.billed']!;
      expect(headers[0]).toBe(`00-${publish.context.traceId}-${publish.context.spanId}-01`);
      expect(process.context.traceId).toBe(publish.context.traceId);
      expect(process.parentSpanId).toBe(publish.context.spanId);
      expect(publish2.parentSpanId).toBe(process.context.spanId);
      expect(process2.parentSpanId).toBe(publish2.context.spanId);
      expect(new Set(tracer.spans.map((s) => s.context.traceId)).size).toBe(1);
      expect(tracer.spans.every((s) => s.ended)).toBe(true);
      await bus.close();
    }
  });

  it('requests are traced end to end and a failing handler marks its span', async () => {
    tracer.spans.length = 0;
    const bus = createBus({ telemetry: { tracerProvider, propagator: w3c }, onError: () => undefined });
    bus.handle(Price, ({ id }) => {
      if (id === 'bad') throw new Error('no price');
      return 3;
    });
    expect(await bus.request(Price, { id: 'a' })).toBe(3);
    const [pub, proc] = tracer.spans;
    expect(pub?.name).toBe('publish price.get');
    expect(proc?.name).toBe('process price.get');
    expect(proc?.parentSpanId).toBe(pub?.context.spanId);
    await expect(bus.request(Price, { id: 'bad' })).rejects.toMatchObject({ code: 'HANDLER_ERROR' });
    expect(tracer.spans[3]?.status?.code).toBe(2); // SpanStatusCode.ERROR
    await bus.close();
  });

  it('records published, delivered, failed and handler duration metrics', async () => {
    metricsSeen.clear();
    const bus = createBus({ telemetry: { meterProvider }, onError: () => undefined });
    bus.subscribe(Placed, () => undefined);
    bus.subscribe(Placed, () => {
      throw new Error('x');
    });
    await bus.publish(Placed, { id: '1' });
    await tick();
    expect(metricsSeen.get('cellular.bus.published')).toEqual([1]);
    expect(metricsSeen.get('cellular.bus.delivered')).toEqual([1, 1]);
    expect(metricsSeen.get('cellular.bus.failed')).toEqual([1]);
    expect(metricsSeen.get('cellular.bus.handler.duration')).toHaveLength(2);
    await bus.close();
  });

  it('a handler without a context parameter is traced on a transport shared with an untraced bus', async () => {
    tracer.spans.length = 0;
    metricsSeen.clear();
    const transport = createMemoryTransport();
    const quiet = createBus({ transport, telemetry: false });
    const traced = createBus({ transport, telemetry: { tracerProvider, meterProvider, propagator: w3c } });
    const got: unknown[] = [];
    traced.subscribe(Placed, (p) => void got.push(p)); // one parameter: delivered as parts
    await quiet.publish(Placed, { id: 'from-quiet' }); // the untraced bus's fast path
    await tick();
    expect(got).toEqual([{ id: 'from-quiet' }]);
    expect(tracer.spans.map((s) => s.name)).toEqual(['process orders.placed']);
    expect(metricsSeen.get('cellular.bus.delivered')).toEqual([1]);
    await quiet.close();
    await traced.close();
    await transport.close();
  });

  it('on its own transport a traced bus traces what it publishes to handlers without a context parameter', async () => {
    tracer.spans.length = 0;
    const bus = createBus({ telemetry: { tracerProvider, propagator: w3c } });
    bus.subscribe(Placed, () => undefined);
    await bus.publish(Placed, { id: '1' });
    await tick();
    const [publish, process] = tracer.spans;
    expect(publish?.name).toBe('publish orders.placed');
    expect(process?.name).toBe('process orders.placed');
    expect(process?.parentSpanId).toBe(publish?.context.spanId);
    await bus.close();
  });

  it('with no SDK registered telemetry is inactive and touches no headers', async () => {
    const tel = createTelemetry(true, 'memory');
    expect(tel?.active()).toBe(false);
    expect(createTelemetry(false, 'memory')).toBeUndefined();
    const bus = createBus();
    const seen: Envelope[] = [];
    bus.subscribe(Placed, (_p, ctx) => void seen.push(ctx.envelope));
    await bus.publish(Placed, { id: '1' });
    await tick();
    expect(seen[0]).toBeInstanceOf(BusEnvelope);
    expect((seen[0] as BusEnvelope).hasHeaders).toBe(false);
    await bus.close();
  });

  it('becomes active when a global tracer provider is registered later', async () => {
    const tel = createTelemetry(true, 'memory');
    expect(tel?.active()).toBe(false);
    trace.setGlobalTracerProvider(tracerProvider);
    try {
      await Promise.resolve(); // the cached answer lasts one microtask batch
      expect(tel?.active()).toBe(true);
    } finally {
      trace.disable();
    }
  });
});
