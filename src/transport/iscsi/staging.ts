// A staging buffer for outgoing iSCSI PDUs: the wire form of one or more PDUs (RFC 7143 §11.1-
// §11.2: BHS, optional CRC32C header digest, data padded to 4 bytes, optional data digest) built
// back to back in one preallocated buffer, so a SCSI Command or a whole Data-Out burst leaves in
// one socket write instead of one stream write per header, payload and trailer. Copying the
// payload once costs less than the stream bookkeeping of the separate writes. Pure: the owner
// does the I/O and decides when the memory may be reused (see `replaceMemory`).

import { invalidArgument } from '../../errors.js';
import { crc32c, digestBytes } from './crc32c.js';
import type { DigestSettings } from './framer.js';
import { BHS_LENGTH } from './pdu-layout.js';
import type { Pdu } from './pdu-types.js';
import { pduData, writeBhs } from './pdu.js';

export class StagingBuffer {
  #buf: Uint8Array;
  #end = 0;
  /** The buffer never grows beyond this; `add` refuses what would not fit. */
  readonly maxBytes: number;

  constructor(initialBytes: number, maxBytes: number) {
    this.maxBytes = Math.max(initialBytes, maxBytes);
    this.#buf = new Uint8Array(initialBytes);
  }

  /** Bytes staged. */
  get length(): number {
    return this.#end;
  }

  /** Size of the current memory. */
  get capacity(): number {
    return this.#buf.length;
  }

  /** The staged wire bytes: a view of the buffer, valid until the next `add` or `clear`. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#end);
  }

  clear(): void {
    this.#end = 0;
  }

  /**
   * Lets go of the current memory (someone else still reads it, e.g. a socket write in
   * progress) and continues in fresh memory of the same size. Staged bytes are dropped.
   */
  replaceMemory(): void {
    this.#buf = new Uint8Array(this.#buf.length);
    this.#end = 0;
  }

  /**
   * Appends the wire form of `p`, byte for byte what `encodePdu(p, d)` returns. Returns false,
   * with nothing appended, when it would take the buffer beyond `maxBytes`. A field out of range
   * throws an invalid-argument error and leaves the staged bytes as they were.
   */
  add(p: Pdu, d: DigestSettings): boolean {
    const data = pduData(p);
    const n = data.length;
    const headerLength = BHS_LENGTH + (d.headerDigest ? 4 : 0);
    const pad = (4 - (n & 3)) & 3;
    const total = headerLength + (n > 0 ? n + pad + (d.dataDigest ? 4 : 0) : 0);
    if (!this.#reserve(total)) return false;
    const b = this.#buf;
    const at = this.#end;
    writeBhs(p, b, at);
    if (d.headerDigest) digestBytes(crc32c(b.subarray(at, at + BHS_LENGTH)), b, at + BHS_LENGTH);
    let o = at + headerLength;
    if (n > 0) {
      b.set(data, o);
      o += n;
      for (let i = 0; i < pad; i++) b[o + i] = 0; // padding: the memory may hold older bytes
      o += pad;
      if (d.dataDigest) {
        digestBytes(crc32c(b.subarray(o - n - pad, o)), b, o);
        o += 4;
      }
    }
    this.#end = o;
    return true;
  }

  /**
   * Rewrites the header (and header digest) of the PDU staged at byte `at` with the header of
   * `p`, which must carry a data segment of the same length: the staged data, padding and data
   * digest stay as they are. Throws an invalid-argument error when `at` is not a staged header
   * of the same data length, or for a field out of range (the header may then be half written).
   */
  rewriteBhs(at: number, p: Pdu, d: DigestSettings): void {
    const b = this.#buf;
    const headerLength = BHS_LENGTH + (d.headerDigest ? 4 : 0);
    if (!Number.isInteger(at) || at < 0 || at + headerLength > this.#end) {
      throw invalidArgument(`no staged BHS at byte ${at}`);
    }
    const staged = (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!; // DataSegmentLength
    if (staged !== pduData(p).length) {
      throw invalidArgument(
        `the staged PDU carries ${staged} data bytes, the new header ${pduData(p).length}`,
      );
    }
    writeBhs(p, b, at);
    if (d.headerDigest) digestBytes(crc32c(b.subarray(at, at + BHS_LENGTH)), b, at + BHS_LENGTH);
  }

  /** Makes room for `n` more bytes; false when that would exceed `maxBytes`. */
  #reserve(n: number): boolean {
    const need = this.#end + n;
    if (need <= this.#buf.length) return true;
    if (need > this.maxBytes) return false;
    const next = new Uint8Array(Math.min(this.maxBytes, Math.max(need, 2 * this.#buf.length)));
    next.set(this.#buf.subarray(0, this.#end));
    this.#buf = next;
    return true;
  }
}
