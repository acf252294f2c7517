/**
 * Maps an envelope onto a NATS message: the payload is the body (through the codec), everything else
 * rides in NATS headers, so any NATS tool sees a plain message with readable metadata and W3C trace
 * headers. The envelope id travels as `Nats-Msg-Id`, the header JetStream deduplicates on, so a core
 * publish that a stream captures is deduplicated too.
 *
 * Speed: the client's header API (`set()`, and `decode()` on receive) canonicalises and rescans keys
 * for every header, which cost more than the rest of a publish. So the wire text is built here in one
 * pass (user names and values are checked for CR/LF, space and ":" instead), and on receive the header
 * block is parsed here from the raw bytes (see {@link rawHeaderText}).
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
 * Client headers whose wire form was built while the envelope was walked: `encode()` (the only
 * method `nc.publish` calls) returns those bytes instead of re-serialising the map. The map is still
 * filled, so every read method of `MsgHdrs` works.
 */
class WireHeaders extends MsgHdrsImpl {
  readonly #text: string;
  constructor(map: Map<string, string[]>, text: string) {
    super();
    this.headers = map;
    this.#text = text;
  }
  override toString(): string {
    return this.#text;
  }
  override encode(): Uint8Array {
    return Buffer.from(this.#text, 'utf8');
  }
}

/**
 * Encode `envelope`. `replyInHeader` puts `replyTo` in a header (durable publishes, where the NATS
 * reply subject carries the JetStream ack instead).
 * @throws CellularError VALIDATION for a header NATS cannot carry
 */
export function encodeMessage(envelope: Envelope, codec: Codec, replyInHeader: boolean): EncodedMessage {
  const map = new Map<string, string[]>();
  let text = 'NATS/1.0';
  const user = envelope.headers;
  for (const k in user) {
    const v = user[k]!;
    if (BAD_VALUE.test(v) || BAD_KEY.test(k) || k.length === 0 || RESERVED.has(k)) {
      throw new CellularError(
        'VALIDATION',
        `Header "${k}" cannot be carried by NATS (no CR/LF in values, no space or ":" in names, not a reserved name)`,
        { data: { header: k } },
      );
    }
    text = add(map, text, k, v.trim());
  }
  text = add(map, text, NATS_HEADERS.id, envelope.id);
  text = add(map, text, NATS_HEADERS.timestamp, String(envelope.timestamp));
  if (envelope.attempt !== 1) text = add(map, text, NATS_HEADERS.attempt, String(envelope.attempt));
  if (envelope.correlationId !== undefined) text = add(map, text, NATS_HEADERS.correlationId, envelope.correlationId);
  if (replyInHeader && envelope.replyTo !== undefined) text = add(map, text, NATS_HEADERS.replyTo, envelope.replyTo);
  if (envelope.contract !== undefined) {
    text = add(map, text, NATS_HEADERS.contract, envelope.contract.name);
    text = add(map, text, NATS_HEADERS.contractVersion, String(envelope.contract.version));
  }
  return { data: codec.encode(envelope.payload), headers: new WireHeaders(map, `${text}\r\n\r\n`) };
}

/** Record one header in the map and the wire text (a plain function: no closure per publish). */
function add(map: Map<string, string[]>, text: string, k: string, v: string): string {
  map.set(k, [v]);
  return `${text}\r\n${k}: ${v}`;
}

/**
 * The header block of a core message as text, read from the client's receive buffer without building
 * its header map (which canonicalises and rescans every key). Falls back to `undefined` (use
 * `msg.headers`) if the client's internals ever change shape.
 */
export function rawHeaderText(msg: object): string | undefined {
  const m = msg as { _msg?: { hdr?: unknown }; _rdata?: unknown };
  const hdr = m._msg?.hdr;
  const rdata = m._rdata;
  if (typeof hdr !== 'number' || hdr < 0 || !(rdata instanceof Uint8Array)) return undefined;
  return Buffer.from(rdata.buffer, rdata.byteOffset, hdr).toString('utf8');
}

/**
 * The reply subject of a core message, without decoding an absent one: the client's `reply` getter
 * runs a TextDecoder on every call when there is none (most messages).
 */
export function replyOf(msg: { readonly reply?: string | undefined }): string | undefined {
  const m = msg as { _msg?: { reply?: unknown } };
  if (m._msg !== undefined && m._msg.reply === undefined) return undefined;
  const r = msg.reply;
  return r === undefined || r.length === 0 ? undefined : r;
}

/** The parts of a received NATS message that make an envelope. */
export interface IncomingMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Parsed client headers, or the raw header block from {@link rawHeaderText}. */
  readonly headers?: MsgHdrs | string | undefined;
}

/** Fields read from the reserved headers. */
interface Meta {
  id: string | undefined;
  timestamp: number | undefined;
  attempt: number;
  correlationId: string | undefined;
  replyTo: string | undefined;
  contractName: string | undefined;
  contractVersion: number;
}

function take(meta: Meta, headers: Record<string, string>, k: string, v: string): void {
  if (!RESERVED.has(k)) {
    headers[k] = v;
    return;
  }
  switch (k) {
    case NATS_HEADERS.id:
      meta.id = v;
      break;
    case NATS_HEADERS.timestamp:
      meta.timestamp = Number(v);
      break;
    case NATS_HEADERS.attempt:
      meta.attempt = Number(v) || 1;
      break;
    case NATS_HEADERS.correlationId:
      meta.correlationId = v;
      break;
    case NATS_HEADERS.replyTo:
      meta.replyTo = v;
      break;
    case NATS_HEADERS.contract:
      meta.contractName = v;
      break;
    case NATS_HEADERS.contractVersion:
      meta.contractVersion = Number(v) || 1;
      break;
    default:
      break;
  }
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
  const meta: Meta = {
    id: undefined,
    timestamp: undefined,
    attempt: 1,
    correlationId: undefined,
    replyTo: reply,
    contractName: undefined,
    contractVersion: 1,
  };
  const h = msg.headers;
  if (typeof h === 'string') {
    // "NATS/1.0[ code desc]\r\nk: v\r\n...\r\n\r\n"; first value of a repeated key wins, like get().
    let pos = h.indexOf('\r\n');
    while (pos !== -1 && pos < h.length) {
      const start = pos + 2;
      const end = h.indexOf('\r\n', start);
      const stop = end === -1 ? h.length : end;
      const colon = h.indexOf(':', start);
      if (colon > start && colon < stop) {
        const k = h.slice(start, colon);
        if (!(k in headers)) take(meta, headers, k, h.slice(colon + 1, stop).trim());
      }
      pos = end;
    }
  } else if (h !== undefined) {
    for (const [k, values] of h) take(meta, headers, k, values[0] ?? '');
  }
  const env: Envelope = {
    id: meta.id !== undefined && meta.id.length > 0 ? meta.id : newMessageId(),
    subject: msg.subject,
    payload: codec.decode(msg.data),
    headers,
    timestamp: meta.timestamp !== undefined && Number.isFinite(meta.timestamp) ? meta.timestamp : Date.now(),
    attempt: attempt ?? meta.attempt,
  };
  if (meta.replyTo !== undefined && meta.replyTo.length > 0) env.replyTo = meta.replyTo;
  if (meta.correlationId !== undefined && meta.correlationId.length > 0) env.correlationId = meta.correlationId;
  if (meta.contractName !== undefined) env.contract = { name: meta.contractName, version: meta.contractVersion };
  return env;
}
