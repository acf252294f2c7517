/**
 * OpenTelemetry for the bus through `@opentelemetry/api` only: a PRODUCER span per publish and a
 * CONSUMER span per handled message, W3C trace context written into and read from the envelope
 * headers (so a trace continues across any transport that carries headers), and metrics (published,
 * delivered, failed, redelivered, queue depth, handler duration).
 *
 * The main design choice is the "is anybody listening?" check: without a registered SDK every API
 * call is a no-op, but building span names and attribute objects per message is not free. So the bus
 * asks {@link BusTelemetry.active} first, which reads the global providers at most once per microtask
 * batch and otherwise returns a cached boolean. With no SDK the cost per message is that boolean.
 */
import { context, createNoopMeter, metrics, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type {
  Attributes,
  Context,
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  TextMapPropagator,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import type { Envelope } from '@cellular/core';

/** Explicit providers; anything omitted comes from the global `@opentelemetry/api` registration. */
export interface TelemetryOptions {
  /** Tracer provider. Defaults to the global one. */
  readonly tracerProvider?: TracerProvider;
  /** Meter provider. Defaults to the global one (read once, when the bus is created). */
  readonly meterProvider?: MeterProvider;
  /** Propagator for trace context in headers. Defaults to the global one (W3C when an SDK registers it). */
  readonly propagator?: TextMapPropagator;
  /** Reports the number of messages waiting for delivery, for the queue-depth gauge. */
  readonly queueDepth?: () => number;
}

/** What the bus calls. Only call the other methods when {@link BusTelemetry.active} returned true. */
export interface BusTelemetry {
  /** True when a tracer or meter SDK would record something. Cheap: cached per microtask batch. */
  active(): boolean;
  /** Record a publish: a PRODUCER span whose context is injected into the envelope's headers. */
  publish(envelope: Envelope, contract: string | undefined): void;
  /** Run a handler inside a CONSUMER span continuing the envelope's trace, timing it. */
  handle<R>(envelope: Envelope, contract: string | undefined, run: () => R): R;
  /** Count a failure and mark the active span as failed. Safe to call when inactive. */
  failed(subject: string | undefined, contract: string | undefined): void;
  /** Count a redelivery. Safe to call when inactive. */
  redelivered(subject: string | undefined, contract: string | undefined): void;
}

const INSTRUMENTATION = '@cellular/bus';

const headerSetter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};

const headerGetter = {
  get(carrier: Readonly<Record<string, string>>, key: string): string | undefined {
    return carrier[key];
  },
  keys(carrier: Readonly<Record<string, string>>): string[] {
    return Object.keys(carrier);
  },
};

/** True when the global tracer provider has an SDK behind it. */
function globalTracingActive(): boolean {
  const provider = trace.getTracerProvider() as TracerProvider & {
    getDelegateTracer?: (name: string) => Tracer | undefined;
  };
  // The API's global is a ProxyTracerProvider; it has a delegate only once an SDK registered one.
  if (typeof provider.getDelegateTracer === 'function') return provider.getDelegateTracer(INSTRUMENTATION) !== undefined;
  return true;
}

class OtelBusTelemetry implements BusTelemetry {
  private cached = false;
  private fresh = false;
  private readonly tracer: Tracer;
  private readonly meterActive: boolean;
  private readonly publishedCounter: Counter;
  private readonly deliveredCounter: Counter;
  private readonly failedCounter: Counter;
  private readonly redeliveredCounter: Counter;
  private readonly duration: Histogram;
  private readonly expire = (): void => {
    this.fresh = false;
  };

  constructor(
    private readonly options: TelemetryOptions,
    private readonly transportName: string,
  ) {
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION);
    const meter: Meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION);
    this.meterActive = meter !== createNoopMeter();
    this.publishedCounter = meter.createCounter('cellular.bus.published', { description: 'Messages published' });
    this.deliveredCounter = meter.createCounter('cellular.bus.delivered', { description: 'Messages handed to a handler' });
    this.failedCounter = meter.createCounter('cellular.bus.failed', { description: 'Handler failures and refused messages' });
    this.redeliveredCounter = meter.createCounter('cellular.bus.redelivered', { description: 'Durable redeliveries' });
    this.duration = meter.createHistogram('cellular.bus.handler.duration', { description: 'Handler duration', unit: 'ms' });
    const depth = options.queueDepth;
    if (depth !== undefined) {
      meter
        .createObservableGauge('cellular.bus.queue.depth', { description: 'Messages waiting for delivery' })
        .addCallback((result) => {
          result.observe(depth(), { 'messaging.system': transportName });
        });
    }
  }

  active(): boolean {
    if (!this.fresh) {
      this.cached = this.meterActive || this.options.tracerProvider !== undefined || globalTracingActive();
      this.fresh = true;
      queueMicrotask(this.expire);
    }
    return this.cached;
  }

  private attributes(subject: string | undefined, contract: string | undefined): Attributes {
    const attrs: Attributes = { 'messaging.system': this.transportName };
    if (subject !== undefined) attrs['messaging.destination.name'] = subject;
    if (contract !== undefined) attrs['cellular.contract'] = contract;
    return attrs;
  }

  private inject(ctx: Context, headers: Record<string, string>): void {
    if (this.options.propagator) this.options.propagator.inject(ctx, headers, headerSetter);
    else propagation.inject(ctx, headers, headerSetter);
  }

  private extract(headers: Readonly<Record<string, string>>): Context {
    if (this.options.propagator) return this.options.propagator.extract(context.active(), headers, headerGetter);
    return propagation.extract(context.active(), headers, headerGetter);
  }

  publish(envelope: Envelope, contract: string | undefined): void {
    const attrs = this.attributes(envelope.subject, contract);
    this.publishedCounter.add(1, attrs);
    const span = this.tracer.startSpan(`publish ${contract ?? envelope.subject}`, { kind: SpanKind.PRODUCER, attributes: attrs });
    this.inject(trace.setSpan(context.active(), span), envelope.headers);
    span.end();
  }

  handle<R>(envelope: Envelope, contract: string | undefined, run: () => R): R {
    const attrs = this.attributes(envelope.subject, contract);
    this.deliveredCounter.add(1, attrs);
    const parent = this.extract(envelope.headers);
    const span = this.tracer.startSpan(`process ${contract ?? envelope.subject}`, { kind: SpanKind.CONSUMER, attributes: attrs }, parent);
    const started = performance.now();
    const finish = (): void => {
      this.duration.record(performance.now() - started, attrs);
      span.end();
    };
    let result: R;
    try {
      result = context.with(trace.setSpan(parent, span), run);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      finish();
      throw e;
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      return (result as unknown as Promise<unknown>).then(
        (v) => {
          finish();
          return v;
        },
        (e: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
          finish();
          throw e;
        },
      ) as R;
    }
    finish();
    return result;
  }

  failed(subject: string | undefined, contract: string | undefined): void {
    this.failedCounter.add(1, this.attributes(subject, contract));
    trace.getSpan(context.active())?.setStatus({ code: SpanStatusCode.ERROR });
  }

  redelivered(subject: string | undefined, contract: string | undefined): void {
    this.redeliveredCounter.add(1, this.attributes(subject, contract));
  }
}

/**
 * Telemetry for one bus, or undefined when turned off (`false`).
 * @param transportName recorded as `messaging.system`
 */
export function createTelemetry(
  option: boolean | TelemetryOptions,
  transportName: string,
  queueDepth?: () => number,
): BusTelemetry | undefined {
  if (option === false) return undefined;
  const options: TelemetryOptions = option === true ? {} : option;
  return new OtelBusTelemetry(
    queueDepth === undefined || options.queueDepth !== undefined ? options : { ...options, queueDepth },
    transportName,
  );
}
