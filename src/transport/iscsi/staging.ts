// A staging buffer for outgoing iSCSI PDUs: the wire form of one or more PDUs (RFC 7143 §11.1-
// §11.2: BHS, optional CRC32C header digest, data padded to 4 bytes, optional data digest) built
// back to back in one preallocated buffer, so a SCSI Command or a whole Data-Out burst leaves in
// one socket write instead of one stream write per header, payload and trailer. Copying the
// payload once costs less than the stream bookkeeping of the separate writes (and less than a
// gathered write of views, BENCHMARKS.md, issue #21). A Data-Out sequence is staged straight from
// its fields (`addDataOutSequence`), without a PDU object per segment. Pure: the owner does the
// I/O and decides when the memory may be reused (`replaceMemory`, `reclaim`).

import { invalidArgument } from '../../errors.js';
import { crc32c, digestBytes } from './crc32c.js';
import type { DigestSettings } from './framer.js';
import { BHS_LENGTH, IscsiOpcode } from './pdu-layout.js';
import type { Pdu } from './pdu-types.js';
import { pduData, writeBhs } from './pdu.js';

/** Memories kept for reuse once the socket let go of them (see `reclaim`). */
const SPARE_MEMORIES = 4;

/**
 * The Data-Out PDUs of one sequence (RFC 7143 §11.7): bytes [offset, end) of `data`, in segments
 * of at most `segmentLength` bytes, DataSN from 0, the F bit on the last.
 */
export interface DataOutSequence {
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly expStatSn: number;
  readonly data: Uint8Array;
  readonly offset: number;
  readonly end: number;
  readonly segmentLength: number;
}

function check32(v: number, what: string): void {
  if (v >>> 0 !== v) throw invalidArgument(`${what} ${v} out of range 0..4294967295`);
}

export class StagingBuffer {
  #buf: Uint8Array;
  #end = 0;
  /** Memories handed to the socket and not known to be free yet. */
  #held: Uint8Array[] = [];
  /** Memories free for reuse. */
  #spare: Uint8Array[] = [];
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
   * progress) and continues in other memory: a spare one, else fresh memory of the same size.
   * Staged bytes are dropped. The memory let go of is reused only after `reclaim()`.
   */
  replaceMemory(): void {
    this.#held.push(this.#buf);
    this.#buf = this.#spare.pop() ?? new Uint8Array(this.#buf.length);
    this.#end = 0;
  }

  /**
   * Nobody reads the memories let go of by `replaceMemory()` any more (the owner's socket holds
   * no bytes): up to SPARE_MEMORIES of them are kept for reuse, saving an allocation (and the
   * garbage collection of it) each time the socket queues a write.
   */
  reclaim(): void {
    const held = this.#held;
    while (held.length > 0) {
      const m = held.pop()!;
      if (this.#spare.length < SPARE_MEMORIES) this.#spare.push(m);
    }
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
    this.#end = putAfterBhs(b, at, data, d);
    return true;
  }

  /**
   * Appends the wire form of the Data-Out PDUs of `seq`, byte for byte what `add()` of each of
   * them returns. Returns false, with nothing appended, when they would take the buffer beyond
   * `maxBytes`. A field out of range throws an invalid-argument error and leaves the staged
   * bytes as they were.
   */
  addDataOutSequence(seq: DataOutSequence, d: DigestSettings): boolean {
    const { lun, data, offset, end, segmentLength: segment } = seq;
    if (lun.length !== 8) throw invalidArgument('LUN field must be 8 bytes');
    if (!(segment >= 1 && segment <= 0xffffff) || !Number.isInteger(segment)) {
      throw invalidArgument(`segment length ${segment} out of range 1..16777215`);
    }
    if (!(offset >= 0 && offset <= end && end <= data.length && Number.isInteger(offset))) {
      throw invalidArgument(`bytes ${offset}..${end} of a ${data.length}-byte transfer`);
    }
    if (end === offset) return true;
    check32(seq.initiatorTaskTag, 'Initiator Task Tag');
    check32(seq.targetTransferTag, 'Target Transfer Tag');
    check32(seq.expStatSn, 'ExpStatSN');
    check32(end - 1, 'Buffer Offset');
    const headerLength = BHS_LENGTH + (d.headerDigest ? 4 : 0);
    const segments = Math.ceil((end - offset) / segment);
    const total =
      end -
      offset +
      segments * (headerLength + (d.dataDigest ? 4 : 0)) +
      (segments - 1) * ((4 - (segment & 3)) & 3) +
      ((4 - ((end - offset - (segments - 1) * segment) & 3)) & 3);
    if (!this.#reserve(total)) return false;
    const b = this.#buf;
    let o = this.#end;
    let dataSn = 0;
    for (let off = offset; off < end; off += segment) {
      const n = Math.min(segment, end - off);
      // SCSI Data-Out (RFC 7143 §11.7), as pdu-initiator.ts writes it:
      // byte 0 Opcode 05h | 1 bit 7 F | 4 TotalAHSLength 0 | 5..7 DataSegmentLength | 8..15 LUN
      // 16 Initiator Task Tag | 20 Target Transfer Tag | 28 ExpStatSN | 36 DataSN | 40 Buffer Offset
      b.fill(0, o, o + BHS_LENGTH);
      b[o] = IscsiOpcode.SCSI_DATA_OUT;
      if (off + n === end) b[o + 1] = 0x80; // F
      b[o + 5] = n >>> 16;
      b[o + 6] = (n >>> 8) & 0xff;
      b[o + 7] = n & 0xff;
      b.set(lun, o + 8);
      put32(b, o + 16, seq.initiatorTaskTag);
      put32(b, o + 20, seq.targetTransferTag);
      put32(b, o + 28, seq.expStatSn);
      put32(b, o + 36, dataSn++);
      put32(b, o + 40, off);
      o = putAfterBhs(b, o, data.subarray(off, off + n), d);
    }
    this.#end = o;
    return true;
  }

  /**
   * Gives the Data-Out PDUs of `seq`, staged from byte 0 by `addDataOutSequence` with other
   * header fields, the Target Transfer Tag and ExpStatSN of `seq` (and new header digests): the
   * staged data, padding and data digests stay as they are. Throws an invalid-argument error,
   * changing nothing, when the staged bytes are not that sequence's PDUs (another length,
   * offset or segmentation).
   */
  restampDataOutSequence(seq: DataOutSequence, d: DigestSettings): void {
    const b = this.#buf;
    const { offset, end, segmentLength: segment } = seq;
    check32(seq.targetTransferTag, 'Target Transfer Tag');
    check32(seq.expStatSn, 'ExpStatSN');
    const headerLength = BHS_LENGTH + (d.headerDigest ? 4 : 0);
    const trailer = d.dataDigest ? 4 : 0;
    // First every header is checked, so a mismatch leaves the staged bytes whole.
    let o = 0;
    for (let off = offset; off < end; off += segment) {
      const n = Math.min(segment, end - off);
      const staged = (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!; // DataSegmentLength
      const stagedOffset = ((b[o + 40]! << 24) | (b[o + 41]! << 16) | (b[o + 42]! << 8) | b[o + 43]!) >>> 0; // prettier-ignore
      if (
        o + headerLength + n > this.#end ||
        b[o] !== IscsiOpcode.SCSI_DATA_OUT ||
        staged !== n ||
        stagedOffset !== off
      ) {
        throw invalidArgument(`no staged Data-Out for bytes ${off}..${off + n} at byte ${o}`);
      }
      o += headerLength + n + ((4 - (n & 3)) & 3) + trailer;
    }
    if (o !== this.#end) throw invalidArgument(`${this.#end - o} staged bytes beyond the sequence`);
    for (let at = 0, off = offset; off < end; off += segment) {
      const n = Math.min(segment, end - off);
      put32(b, at + 20, seq.targetTransferTag);
      put32(b, at + 28, seq.expStatSn);
      if (d.headerDigest) digestBytes(crc32c(b.subarray(at, at + BHS_LENGTH)), b, at + BHS_LENGTH);
      at += headerLength + n + ((4 - (n & 3)) & 3) + trailer;
    }
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

/**
 * What follows the BHS at `at` (RFC 7143 §5.1): its header digest, the data segment `segment`,
 * padding to a multiple of 4 and the data digest (none of the three when `segment` is empty).
 * Returns the offset after them. The same for add() and each Data-Out PDU of
 * addDataOutSequence(); it is called once per PDU on the send path, so it takes the segment as
 * a view and allocates nothing itself.
 */
function putAfterBhs(b: Uint8Array, at: number, segment: Uint8Array, d: DigestSettings): number {
  if (d.headerDigest) digestBytes(crc32c(b.subarray(at, at + BHS_LENGTH)), b, at + BHS_LENGTH);
  let o = at + BHS_LENGTH + (d.headerDigest ? 4 : 0);
  const n = segment.length;
  if (n === 0) return o;
  b.set(segment, o);
  o += n;
  const pad = (4 - (n & 3)) & 3;
  for (let i = 0; i < pad; i++) b[o + i] = 0; // padding: the memory may hold older bytes
  o += pad;
  if (d.dataDigest) {
    digestBytes(crc32c(b.subarray(o - n - pad, o)), b, o);
    o += 4;
  }
  return o;
}

/** A 32-bit field (checked by the caller), big-endian. */
function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
