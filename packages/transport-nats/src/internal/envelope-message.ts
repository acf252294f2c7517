/**
 * Maps an envelope onto a NATS message: the payload is the body (through the codec), everything else
 * rides in NATS headers, so any NATS tool sees a plain message with readable metadata and W3C trace
 * headers. The envelope id travels as `Nats-Msg-Id`, the header JetStream deduplicates on, so a core
 * publish that a stream captures is deduplicated too.
 *
 * Headers are built straight into the client's header map (`MsgHdrsImpl.fromRecord`): the public
 * `set()` canonicalises and scans keys on every call, which costs more than the rest of a publish.
 * User header values are checked here for CR/LF instead.
 */
import { MsgHdrsImpl, type MsgHdrs } from '@nats-io/transport-node';
import { CellularError, newMessageId, type Codec, type Envelope } from '@cellular/core';

/** Header names this transport reserves (removed from `envelope.headers` on receive). */
export const NATS_HEADERS = {
  id: 'Nats-Msg-Id',
  timestamp: 'cellular-ts',
  attempt: 'cellular-attempt',
  correlationId: 'cellular-correlation-id',
  replyTo: 'cellular-reply-to',
  contract: 'cellular-contract',
  contractVersion: 'cellular-contract-version',
} as const;

const RESERVED: ReadonlySet<string> = new Set(Object.values(NATS_HEADERS));
const BAD_VALUE = /[\r\n]/;
const BAD_KEY = /[\s:]/;

/** An envelope ready for `nc.publish`. */
export interface EncodedMessage {
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
}

/**
 * Encode `envelope`. `replyInHeader` puts `replyTo` in a header (durable publishes, where the NATS
 * reply subject carries the JetStream ack instead).
 * @throws CellularError VALIDATION for a header NATS cannot carry
 */
export function encodeMessage(envelope: Envelope, codec: Codec, replyInHeader: boolean): EncodedMessage {
  const rec: Record<string, string[]> = {};
  const user = envelope.headers;
  for (const k in user) {
    const v = user[k]!;
    if (BAD_VALUE.test(v) || BAD_KEY.test(k) || k.length === 0) {
      throw new CellularError('VALIDATION', `Header "${k}" cannot be carried by NATS (no CR/LF in values, no space or ":" in names)`, {
        data: { header: k },
      });
    }
    rec[k] = [v];
  }
  rec[NATS_HEADERS.id] = [envelope.id];
  rec[NATS_HEADERS.timestamp] = [String(envelope.timestamp)];
  if (envelope.attempt !== 1) rec[NATS_HEADERS.attempt] = [String(envelope.attempt)];
  if (envelope.correlationId !== undefined) rec[NATS_HEADERS.correlationId] = [envelope.correlationId];
  if (replyInHeader && envelope.replyTo !== undefined) rec[NATS_HEADERS.replyTo] = [envelope.replyTo];
  if (envelope.contract !== undefined) {
    rec[NATS_HEADERS.contract] = [envelope.contract.name];
    rec[NATS_HEADERS.contractVersion] = [String(envelope.contract.version)];
  }
  return { data: codec.encode(envelope.payload), headers: MsgHdrsImpl.fromRecord(rec) };
}

/** The parts of a received NATS message that make an envelope. */
export interface IncomingMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: MsgHdrs | undefined;
}

/**
 * Decode a received message. Messages from plain NATS clients (no Cellular headers) still decode: they
 * get a fresh id, the receive time and attempt 1.
 * @param reply the NATS reply subject (core messages), used when no reply header is present
 * @param attempt the delivery count (durable messages), overriding the header
 * @throws CellularError VALIDATION when the body does not decode
 */
export function decodeMessage(msg: IncomingMessage, codec: Codec, reply: string | undefined, attempt?: number): Envelope {
  const headers: Record<string, string> = {};
  let id: string | undefined;
  let timestamp: number | undefined;
  let hdrAttempt = 1;
  let correlationId: string | undefined;
  let replyTo = reply;
  let contractName: string | undefined;
  let contractVersion = 1;
  const h = msg.headers;
  if (h !== undefined) {
    for (const [k, values] of h) {
      const v = values[0] ?? '';
      if (!RESERVED.has(k)) {
        headers[k] = v;
        continue;
      }
      switch (k) {
        case NATS_HEADERS.id:
          id = v;
          break;
        case NATS_HEADERS.timestamp:
          timestamp = Number(v);
          break;
        case NATS_HEADERS.attempt:
          hdrAttempt = Number(v) || 1;
          break;
        case NATS_HEADERS.correlationId:
          correlationId = v;
          break;
        case NATS_HEADERS.replyTo:
          replyTo = v;
          break;
        case NATS_HEADERS.contract:
          contractName = v;
          break;
        case NATS_HEADERS.contractVersion:
          contractVersion = Number(v) || 1;
          break;
        default:
          break;
      }
    }
  }
  const env: Envelope = {
    id: id !== undefined && id.length > 0 ? id : newMessageId(),
    subject: msg.subject,
    payload: codec.decode(msg.data),
    headers,
    timestamp: timestamp !== undefined && Number.isFinite(timestamp) ? timestamp : Date.now(),
    attempt: attempt ?? hdrAttempt,
  };
  if (replyTo !== undefined && replyTo.length > 0) env.replyTo = replyTo;
  if (correlationId !== undefined && correlationId.length > 0) env.correlationId = correlationId;
  if (contractName !== undefined) env.contract = { name: contractName, version: contractVersion };
  return env;
}
