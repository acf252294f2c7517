/**
 * The context a handler receives next to its payload. Built lazily over the envelope (principal and
 * capabilities are parsed from headers only when read) and, for the bus's own envelopes, shared by
 * every subscriber of one message, so a delivery allocates at most one small object.
 */
import { HEADERS } from '@cellular/core';
import type { DurableContext, DurableMessage, Envelope, MessageContext } from '@cellular/core';
import { BusEnvelope } from './bus-envelope.js';

const NO_CAPABILITIES: readonly string[] = Object.freeze([]);

/** A {@link MessageContext} over one envelope. */
export class EnvelopeContext implements MessageContext {
  #capabilities: readonly string[] | undefined;

  constructor(readonly envelope: Envelope) {}

  get headers(): Readonly<Record<string, string>> {
    return this.envelope.headers;
  }

  get principal(): string | undefined {
    const env = this.envelope;
    if (env instanceof BusEnvelope && !env.hasHeaders) return undefined;
    return env.headers[HEADERS.principal];
  }

  get capabilities(): readonly string[] {
    if (this.#capabilities !== undefined) return this.#capabilities;
    const env = this.envelope;
    const raw = env instanceof BusEnvelope && !env.hasHeaders ? undefined : env.headers[HEADERS.capabilities];
    this.#capabilities =
      raw === undefined || raw === ''
        ? NO_CAPABILITIES
        : Object.freeze(
            raw
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s.length > 0),
          );
    return this.#capabilities;
  }
}

/** The context of an envelope, shared across subscribers when the envelope is the bus's own. */
export function contextOf(envelope: Envelope): MessageContext {
  if (envelope instanceof BusEnvelope) return (envelope.context ??= new EnvelopeContext(envelope)) as MessageContext;
  return new EnvelopeContext(envelope);
}

/** A {@link DurableContext} over a transport's durable message. */
export class DurableMessageContext extends EnvelopeContext implements DurableContext {
  constructor(private readonly message: DurableMessage) {
    super(message.envelope);
  }

  get deliveryAttempt(): number {
    return this.message.deliveryAttempt;
  }

  ack(): Promise<void> {
    return this.message.ack();
  }

  nack(delayMs?: number): Promise<void> {
    return this.message.nack(delayMs);
  }

  term(reason?: string): Promise<void> {
    return this.message.term(reason);
  }
}
