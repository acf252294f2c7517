/**
 * The envelope is what travels: payload plus the metadata every transport must carry (id, subject,
 * headers with W3C trace context, reply subject, correlation id, delivery attempt, contract name and
 * version). It is a zod schema so a transport can validate what arrives off the wire.
 */
import { z } from 'zod';
import { newMessageId } from './message-id.js';

/** Header names Cellular reserves. Transports carry all headers; these have meaning. */
export const HEADERS = {
  /** W3C trace context. */
  traceparent: 'traceparent',
  /** W3C trace state. */
  tracestate: 'tracestate',
  /** Set on a reply that carries a serialised CellularError instead of a response. */
  error: 'cellular-error',
  /** The authenticated principal id, set by the gateway. */
  principal: 'cellular-principal',
  /** Comma-separated capabilities of the principal, set by the gateway. */
  capabilities: 'cellular-capabilities',
  /** The cell that published the message, set by the cell host. */
  sourceCell: 'cellular-source-cell',
  /** Reason a message was dead-lettered. */
  deadLetterReason: 'cellular-dead-letter-reason',
  /** Original subject of a dead-lettered message. */
  originalSubject: 'cellular-original-subject',
} as const;

/** The envelope schema. */
export const EnvelopeSchema = z.object({
  /** Sortable unique id; duplicates after redelivery keep the same id. */
  id: z.string().min(1),
  subject: z.string().min(1),
  /** Absent when the payload is `undefined` (JSON drops the key). */
  payload: z.unknown().optional(),
  headers: z.record(z.string(), z.string()),
  /** Milliseconds since the epoch at publish. */
  timestamp: z.number().int().nonnegative(),
  replyTo: z.string().min(1).optional(),
  correlationId: z.string().min(1).optional(),
  /** 1 on first delivery, incremented on each redelivery. */
  attempt: z.number().int().positive(),
  contract: z.object({ name: z.string(), version: z.number().int().positive() }).optional(),
});

/** A message in transit. `T` is the payload type. */
export type Envelope<T = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'payload'> & { payload: T };

/** Fields accepted by {@link createEnvelope}; everything but subject and payload has a default. */
export interface EnvelopeInit<T> {
  readonly subject: string;
  readonly payload: T;
  readonly id?: string;
  readonly headers?: Record<string, string>;
  readonly timestamp?: number;
  readonly replyTo?: string;
  readonly correlationId?: string;
  readonly attempt?: number;
  readonly contract?: { readonly name: string; readonly version: number };
}

/** Build an envelope with a fresh id, the current time and attempt 1. Does not validate the subject. */
export function createEnvelope<T>(init: EnvelopeInit<T>): Envelope<T> {
  const env: Envelope<T> = {
    id: init.id ?? newMessageId(),
    subject: init.subject,
    payload: init.payload,
    headers: init.headers ? { ...init.headers } : {},
    timestamp: init.timestamp ?? Date.now(),
    attempt: init.attempt ?? 1,
  };
  if (init.replyTo !== undefined) env.replyTo = init.replyTo;
  if (init.correlationId !== undefined) env.correlationId = init.correlationId;
  if (init.contract !== undefined) env.contract = { name: init.contract.name, version: init.contract.version };
  return env;
}
