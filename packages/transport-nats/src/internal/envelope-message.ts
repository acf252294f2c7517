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
import { MsgHdrsImpl, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { CellularError, jsonCodec, newMessageId, type Codec, type Envelope } from '@cellular/core';

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
 * Client headers whose wire form is already known: `encode()` (the only method `nc.publish` calls)
 * returns those bytes instead of re-serialising the map. The map is filled from the same text, so
 * every read method of `MsgHdrs` works.
 */
class WireHeaders extends MsgHdrsImpl {
  readonly #text: string;
  constructor(text: string) {
    super();
    forEachHeader(text, text.length, (k, v) => {
      if (!this.headers.has(k)) this.headers.set(k, [v]);
    });
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
 * The NATS header block of `envelope` (`NATS/1.0\r\n` … `\r\n\r\n`), built in one pass. `replyInHeader`
 * puts `replyTo` in a header (durable publishes, where the NATS reply subject carries the JetStream
 * ack instead).
 * @throws CellularError VALIDATION for a header NATS cannot carry
 */
export function headerBlock(envelope: Envelope, replyInHeader: boolean): string {
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
    text += `\r\n${k}: ${v.trim()}`;
  }
  text += `\r\n${NATS_HEADERS.id}: ${envelope.id}\r\n${NATS_HEADERS.timestamp}: ${envelope.timestamp}`;
  if (envelope.attempt !== 1) text += `\r\n${NATS_HEADERS.attempt}: ${envelope.attempt}`;
  if (envelope.correlationId !== undefined) text += `\r\n${NATS_HEADERS.correlationId}: ${envelope.correlationId}`;
  if (replyInHeader && envelope.replyTo !== undefined) text += `\r\n${NATS_HEADERS.replyTo}: ${envelope.replyTo}`;
  if (envelope.contract !== undefined) {
    text += `\r\n${NATS_HEADERS.contract}: ${envelope.contract.name}\r\n${NATS_HEADERS.contractVersion}: ${envelope.contract.version}`;
  }
  return `${text}\r\n\r\n`;
}

/**
 * The body of `envelope`: a string for the default JSON codec (written straight into the outgoing
 * frame, no intermediate bytes), the codec's bytes otherwise.
 */
export function encodeBody(envelope: Envelope, codec: Codec): string | Uint8Array {
  if (codec !== jsonCodec) return codec.encode(envelope.payload);
  return envelope.payload === undefined ? '' : (JSON.stringify(envelope.payload) ?? '');
}

/**
 * Encode `envelope` for `nc.publish` (the client's own publish path: used when the frame writer is
 * not available, and for tests).
 * @throws CellularError VALIDATION for a header NATS cannot carry
 */
export function encodeMessage(envelope: Envelope, codec: Codec, replyInHeader: boolean): EncodedMessage {
  const headers = new WireHeaders(headerBlock(envelope, replyInHeader));
  const body = encodeBody(envelope, codec);
  return { data: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, headers };
}

/** Call `fn` for each `key: value` line of a header block, up to character `end`. */
function forEachHeader(h: string, end: number, fn: (k: string, v: string) => void): void {
  let pos = h.indexOf('\r\n');
  while (pos !== -1 && pos < end) {
    const start = pos + 2;
    const next = h.indexOf('\r\n', start);
    const stop = next === -1 || next > end ? end : next;
    const colon = h.indexOf(':', start);
    if (colon > start && colon < stop) fn(h.slice(start, colon), h.slice(colon + 1, stop).trim());
    pos = next;
  }
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
  attempt: number | undefined;
  correlationId: string | undefined;
  /** From the reply header (durable messages); the NATS reply subject is the fallback. */
  replyTo: string | undefined;
  contractName: string | undefined;
  contractVersion: number | undefined;
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

/** The value of a header line from `from` (just after the colon) to `stop`, trimmed. */
function valueOf(h: string, from: number, stop: number): string {
  const v = h.slice(h.charCodeAt(from) === 32 ? from + 1 : from, stop);
  return v.length > 0 && (v.charCodeAt(0) <= 32 || v.charCodeAt(v.length - 1) <= 32) ? v.trim() : v;
}

/**
 * Read the `key: value` lines of a header block (up to character `end`) into `meta` and `headers`.
 * Reserved names are recognised in place (`startsWith` at the line start), so only user headers cost
 * a key string; first value of a repeated key wins, like `get()`.
 */
function readBlock(h: string, end: number, meta: Meta, headers: Record<string, string>): void {
  // "NATS/1.0[ code desc]\r\nk: v\r\n...\r\n\r\n"
  let pos = h.indexOf('\r\n');
  while (pos !== -1 && pos < end) {
    const start = pos + 2;
    const next = h.indexOf('\r\n', start);
    const stop = next === -1 || next > end ? end : next;
    pos = next;
    if (stop - start < 2) continue;
    if (h.charCodeAt(start) === 78 && h.startsWith(ID_KEY, start)) {
      meta.id ??= valueOf(h, start + ID_KEY.length, stop);
      continue;
    }
    if (h.charCodeAt(start) === 99 && h.startsWith(PREFIX, start) && readReserved(h, start + PREFIX.length, stop, meta)) continue;
    const colon = h.indexOf(':', start);
    if (colon > start && colon < stop) {
      const k = h.slice(start, colon);
      if (!(k in headers) && !RESERVED.has(k)) headers[k] = valueOf(h, colon + 1, stop);
    }
  }
}

const ID_KEY = `${NATS_HEADERS.id}:`;
const PREFIX = 'cellular-';
/** The reserved `cellular-*` names without the prefix, with their colon. */
const SUFFIX = {
  timestamp: `${NATS_HEADERS.timestamp.slice(PREFIX.length)}:`,
  attempt: `${NATS_HEADERS.attempt.slice(PREFIX.length)}:`,
  correlationId: `${NATS_HEADERS.correlationId.slice(PREFIX.length)}:`,
  replyTo: `${NATS_HEADERS.replyTo.slice(PREFIX.length)}:`,
  contract: `${NATS_HEADERS.contract.slice(PREFIX.length)}:`,
  contractVersion: `${NATS_HEADERS.contractVersion.slice(PREFIX.length)}:`,
} as const;

/** A reserved `cellular-*` line whose name starts at `at`; false when the name is not reserved. */
function readReserved(h: string, at: number, stop: number, meta: Meta): boolean {
  if (h.startsWith(SUFFIX.timestamp, at)) meta.timestamp ??= Number(valueOf(h, at + SUFFIX.timestamp.length, stop));
  else if (h.startsWith(SUFFIX.correlationId, at)) meta.correlationId ??= valueOf(h, at + SUFFIX.correlationId.length, stop);
  else if (h.startsWith(SUFFIX.attempt, at)) meta.attempt ??= Number(valueOf(h, at + SUFFIX.attempt.length, stop)) || 1;
  else if (h.startsWith(SUFFIX.replyTo, at)) meta.replyTo ??= valueOf(h, at + SUFFIX.replyTo.length, stop);
  else if (h.startsWith(SUFFIX.contract, at)) meta.contractName ??= valueOf(h, at + SUFFIX.contract.length, stop);
  else if (h.startsWith(SUFFIX.contractVersion, at)) meta.contractVersion ??= Number(valueOf(h, at + SUFFIX.contractVersion.length, stop)) || 1;
  else return false;
  return true;
}

function newMeta(): Meta {
  return { id: undefined, timestamp: undefined, attempt: undefined, correlationId: undefined, replyTo: undefined, contractName: undefined, contractVersion: undefined };
}

function toEnvelope(meta: Meta, headers: Record<string, string>, subject: string, payload: unknown, reply: string | undefined, attempt: number | undefined): Envelope {
  const env: Envelope = {
    id: meta.id !== undefined && meta.id.length > 0 ? meta.id : newMessageId(),
    subject,
    payload,
    headers,
    timestamp: meta.timestamp !== undefined && Number.isFinite(meta.timestamp) ? meta.timestamp : Date.now(),
    attempt: attempt ?? meta.attempt ?? 1,
  };
  const replyTo = meta.replyTo ?? reply;
  if (replyTo !== undefined && replyTo.length > 0) env.replyTo = replyTo;
  if (meta.correlationId !== undefined && meta.correlationId.length > 0) env.correlationId = meta.correlationId;
  if (meta.contractName !== undefined) env.contract = { name: meta.contractName, version: meta.contractVersion ?? 1 };
  return env;
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
  const meta = newMeta();
  const h = msg.headers;
  if (typeof h === 'string') readBlock(h, h.length, meta, headers);
  else if (h !== undefined) for (const [k, values] of h) take(meta, headers, k, values[0] ?? '');
  return toEnvelope(meta, headers, msg.subject, codec.decode(msg.data), reply, attempt);
}

type Utf8Slice = (this: Uint8Array, start: number, end: number) => string;
/** Node's native slice (no Buffer object per call); absent on other runtimes. */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice;

/**
 * Decode a core message straight from the client's receive buffer: with the default JSON codec, the
 * header block and the body are read as ONE string (one native call, no `msg.data` view, no header
 * map), the body parsed from a slice of it. Bytes that are not valid UTF-8 (a replacement character
 * shows up) take the codec's strict path, so they still fail VALIDATION. Anything else, or a client
 * whose internals changed shape, goes through {@link decodeMessage}.
 * @throws CellularError VALIDATION when the body does not decode
 */
export function decodeCoreMessage(msg: Msg, subject: string, codec: Codec, reply: string | undefined): Envelope {
  const m = msg as unknown as { _msg?: { hdr?: unknown }; _rdata?: unknown };
  const hdr = m._msg?.hdr;
  const rdata = m._rdata;
  if (codec !== jsonCodec || utf8Slice === undefined || typeof hdr !== 'number' || !(rdata instanceof Uint8Array)) {
    return decodeMessage({ subject, data: msg.data, headers: rawHeaderText(msg) ?? msg.headers }, codec, reply);
  }
  const text = utf8Slice.call(rdata, 0, rdata.length);
  const headers: Record<string, string> = {};
  const meta = newMeta();
  let bodyStart = 0;
  if (hdr > 0) {
    // An ASCII header block ends at character `hdr`; otherwise find its blank line (values hold no CR/LF).
    if (text.startsWith('\r\n\r\n', hdr - 4)) bodyStart = hdr;
    else {
      const end = text.indexOf('\r\n\r\n');
      bodyStart = end === -1 ? text.length : end + 4;
    }
    readBlock(text, bodyStart, meta, headers);
  }
  let payload: unknown;
  if (bodyStart < text.length) {
    if (text.indexOf('\uFFFD', bodyStart) !== -1) payload = codec.decode(msg.data);
    else {
      try {
        payload = JSON.parse(bodyStart === 0 ? text : text.slice(bodyStart));
      } catch {
        payload = codec.decode(msg.data); // not JSON: the codec's own VALIDATION error (failure path only)
      }
    }
  }
  return toEnvelope(meta, headers, subject, payload, reply, undefined);
}
