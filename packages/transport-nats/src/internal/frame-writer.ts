/**
 * Writes whole NATS `HPUB` frames (protocol line, header block, body, CRLF) into a shared slab and
 * hands them to the client's outbound buffer in one piece.
 *
 * Why: `nc.publish()` encodes the protocol line with a TextEncoder (a fresh ArrayBuffer per call), asks
 * the headers object to encode itself (another), takes the body bytes (a third, from the codec's
 * TextEncoder) and queues four pieces that are copied again when the buffer is flushed. Here the
 * three strings are measured with `Buffer.byteLength` and written into one slab with one native
 * write each; the frame is one view of the slab. A slab region is never written twice (a full slab is
 * replaced, not reused), so frames still queued in the client stay valid until sent.
 */
import { CellularError } from '@cellular/core';

const SLAB_SIZE = 256 * 1024;
const CRLF = '\r\n';

type Utf8Write = (this: Buffer, text: string, offset: number) => number;
/** Node's native write (no argument normalisation per call), else the public `write`. */
const utf8Write: Utf8Write =
  (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write ??
  function (this: Buffer, text: string, offset: number): number {
    return this.write(text, offset, 'utf8');
  };

/** A slab writer for `HPUB` frames. */
export class FrameWriter {
  #slab: Buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
  #off = 0;

  /**
   * The frame publishing `body` with the header block `headers` to `subject` (with the NATS reply
   * subject `reply`).
   * @throws CellularError PAYLOAD_TOO_LARGE when the body exceeds `maxPayload` bytes
   */
  frame(subject: string, reply: string | undefined, headers: string, body: string | Uint8Array, maxPayload: number): Uint8Array {
    const hlen = Buffer.byteLength(headers, 'utf8');
    const blen = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
    if (blen > maxPayload) {
      throw new CellularError('PAYLOAD_TOO_LARGE', `Payload of ${blen} bytes for "${subject}" exceeds the server's max_payload of ${maxPayload}`, {
        data: { subject, size: blen, maxPayload },
      });
    }
    const line = reply === undefined ? `HPUB ${subject} ${hlen} ${hlen + blen}\r\n` : `HPUB ${subject} ${reply} ${hlen} ${hlen + blen}\r\n`;
    const llen = Buffer.byteLength(line, 'utf8');
    const size = llen + hlen + blen + 2;
    let slab = this.#slab;
    let off = this.#off;
    if (off + size > slab.length) {
      slab = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, size));
      off = 0;
      this.#slab = slab;
    }
    const start = off;
    if (typeof body === 'string') {
      off += utf8Write.call(slab, line + headers + body + CRLF, off);
    } else {
      off += utf8Write.call(slab, line + headers, off);
      slab.set(body, off);
      off += blen;
      off += utf8Write.call(slab, CRLF, off);
    }
    this.#off = off;
    // A plain view: cheaper to make than a Buffer subarray, and all the client needs.
    return new Uint8Array(slab.buffer, slab.byteOffset + start, off - start);
  }
}
