/**
 * The context a handler receives next to its payload. For the in-memory transport's own envelopes the
 * envelope is its own context (no allocation); for other transports a small object built lazily over
 * the envelope (principal and capabilities are parsed from headers only when read).
 */
import { HEADERS } from '@cellular/core';
import type { DurableContext, DurableMessage, Envelope, MessageContext } from '@cellular/core';
import { isBusEnvelope, parseCapabilities } from './bus-envelope.js';

/** A {@link MessageContext} over one envelope. */
export class EnvelopeContext implements MessageContext {
  #capabilities: readonly string[] | undefined;

  constructor(readonly envelope: Envelope) {}

  get headers(): Readonly<Record<string, string>> {
    return this.envelope.headers;
  }

  get principal(): string | undefined {
    return this.envelope.headers[HEADERS.principal];
  }

  get capabilities(): readonly string[] {
    return (this.#capabilities ??= parseCapabilities(this.envelope.headers[HEADERS.capabilities]));
  }
}

/** The context of an envelope: the envelope itself when it is the bus's own (no allocation). */
export function contextOf(envelope: Envelope): MessageContext {
  if (isBusEnvelope(envelope)) return envelope;
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
