// iSCSI PDU framing (RFC 7143 §11.1-§11.2): splitting the TCP byte stream into PDUs and building
// the wire form of one PDU (header, AHS, optional CRC32C header digest, data padded to 4 bytes,
// optional data digest). Pure and incremental: `PduFramer.next()` reports "incomplete" as a
// value, so it can be fed whatever chunks the socket delivers.

import { MalformedDataError } from '../../errors.js';
import { crc32c, digestBytes, readDigest } from './crc32c.js';
import { BHS_LENGTH, type PduFrame } from './pdu-layout.js';
import type { Pdu } from './pdu-types.js';
import { encodeBhs, pduData } from './pdu.js';

export interface DigestSettings {
  readonly headerDigest: boolean;
  readonly dataDigest: boolean;
}

export const NO_DIGESTS: DigestSettings = { headerDigest: false, dataDigest: false };

/** A header or data digest did not match: the bytes were damaged on the way (a link fault). */
export class DigestMismatchError extends MalformedDataError {}

/** The largest DataSegmentLength the 24-bit field can state: no limit. */
export const NO_SEGMENT_LIMIT = 0xffffff;

/** Result of `PduFramer.next()`. */
export type FramerResult =
  | { readonly kind: 'frame'; readonly frame: PduFrame }
  | { readonly kind: 'incomplete'; readonly bytesNeeded: number };

const EMPTY = new Uint8Array(0);

function padding(n: number): number {
  return (4 - (n & 3)) & 3;
}

/**
 * Wire size of a PDU whose BHS declares `ahsWords` AHS words and `dataLength` data bytes.
 */
export function wireLength(ahsWords: number, dataLength: number, d: DigestSettings): number {
  return (
    BHS_LENGTH +
    ahsWords * 4 +
    (d.headerDigest ? 4 : 0) +
    dataLength +
    padding(dataLength) +
    (d.dataDigest && dataLength > 0 ? 4 : 0)
  );
}

/**
 * The wire form of a PDU as parts for a gathered write: [header (+ header digest), data,
 * padding (+ data digest)]. The data part is `data` itself, not a copy, so a large Data-Out
 * payload can go to the socket straight from the caller's buffer. Empty parts are left out.
 */
export function frameParts(bhs: Uint8Array, data: Uint8Array, d: DigestSettings): Uint8Array[] {
  const parts: Uint8Array[] = [];
  if (d.headerDigest) {
    const header = new Uint8Array(bhs.length + 4);
    header.set(bhs);
    digestBytes(crc32c(bhs), header, bhs.length);
    parts.push(header);
  } else {
    parts.push(bhs);
  }
  if (data.length > 0) {
    parts.push(data);
    const pad = padding(data.length);
    const trailerLength = pad + (d.dataDigest ? 4 : 0);
    if (trailerLength > 0) {
      const trailer = new Uint8Array(trailerLength);
      if (d.dataDigest) digestBytes(crc32c(data, trailer.subarray(0, pad)), trailer, pad);
      parts.push(trailer);
    }
  }
  return parts;
}

/** The wire bytes of a PDU as one buffer (login, tests; the data path uses frameParts). */
export function encodePdu(p: Pdu, d: DigestSettings = NO_DIGESTS): Uint8Array {
  const parts = frameParts(encodeBhs(p), pduData(p), d);
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/**
 * Incremental PDU framer. `push()` the chunks as they arrive; `next()` returns one complete
 * frame or how many more bytes it needs. Digests are checked here: a mismatch throws
 * MalformedDataError (at ErrorRecoveryLevel 0 the connection must be dropped).
 *
 * A frame that lies inside one pushed chunk is a view of that chunk (no copy); only the bytes of
 * a PDU that spans pushes are copied, once, into the framer's own memory, which is never written
 * over once a frame was handed out of it. The framer keeps a view of the last pushed chunk until
 * its bytes are consumed: a caller that reuses the chunk's memory calls `detach()` first.
 */
export class PduFramer {
  /** Framer-owned bytes carry[carryStart, carryEnd), which come before the chunk's. */
  #carry: Uint8Array = EMPTY;
  #carryStart = 0;
  #carryEnd = 0;
  /** The last pushed chunk, consumed from chunkAt. */
  #chunk: Uint8Array = EMPTY;
  #chunkAt = 0;
  /** After nextFrame() returned undefined: bytes still missing for the next frame. */
  bytesNeeded = BHS_LENGTH;
  digests: DigestSettings;
  /**
   * The largest DataSegmentLength accepted (the receiver's MaxRecvDataSegmentLength). A header
   * stating more throws MalformedDataError at once, before any byte of its data is buffered.
   */
  maxDataSegmentLength = NO_SEGMENT_LIMIT;

  constructor(digests: DigestSettings = NO_DIGESTS) {
    this.digests = digests;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#carryEnd - this.#carryStart + this.#chunk.length - this.#chunkAt;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#chunkAt < this.#chunk.length) this.detach();
    this.#chunk = chunk;
    this.#chunkAt = 0;
  }

  /** Copies what is left of the last pushed chunk into framer-owned memory and lets go of it. */
  detach(): void {
    if (this.#chunkAt < this.#chunk.length) this.#toCarry(this.#chunk.length - this.#chunkAt);
    this.#chunk = EMPTY;
    this.#chunkAt = 0;
  }

  next(): FramerResult {
    const frame = this.nextFrame();
    return frame === undefined
      ? { kind: 'incomplete', bytesNeeded: this.bytesNeeded }
      : { kind: 'frame', frame };
  }

  /** The next complete frame, or undefined (then `bytesNeeded` says how many bytes are missing). */
  nextFrame(): PduFrame | undefined {
    if (this.#carryStart === this.#carryEnd) {
      // Common case: the PDU lies in the chunk.
      const chunk = this.#chunk;
      const at = this.#chunkAt;
      const avail = chunk.length - at;
      if (avail < BHS_LENGTH) {
        this.bytesNeeded = BHS_LENGTH - avail;
        return undefined;
      }
      const total = this.#wireLengthAt(chunk, at);
      if (avail < total) {
        this.bytesNeeded = total - avail;
        return undefined;
      }
      this.#chunkAt = at + total;
      return this.#frameAt(chunk, at);
    }
    // A PDU that began in an earlier push: complete it in the carry.
    if (this.#carryEnd - this.#carryStart < BHS_LENGTH) {
      this.#toCarry(Math.min(BHS_LENGTH - (this.#carryEnd - this.#carryStart), this.#chunkRest()));
      if (this.#carryEnd - this.#carryStart < BHS_LENGTH) {
        this.bytesNeeded = BHS_LENGTH - (this.#carryEnd - this.#carryStart);
        return undefined;
      }
    }
    const total = this.#wireLengthAt(this.#carry, this.#carryStart);
    const have = this.#carryEnd - this.#carryStart;
    if (have < total) {
      this.#toCarry(Math.min(total - have, this.#chunkRest()));
      const now = this.#carryEnd - this.#carryStart;
      if (now < total) {
        this.bytesNeeded = total - now;
        return undefined;
      }
    }
    const carry = this.#carry;
    const at = this.#carryStart;
    this.#carryStart = at + total;
    if (this.#carryStart === this.#carryEnd) {
      // Frames handed out are views of this memory: start afresh rather than overwrite it.
      this.#carry = EMPTY;
      this.#carryStart = 0;
      this.#carryEnd = 0;
    }
    return this.#frameAt(carry, at);
  }

  #chunkRest(): number {
    return this.#chunk.length - this.#chunkAt;
  }

  /** Moves the next `n` bytes of the chunk to the end of the carry. */
  #toCarry(n: number): void {
    if (n <= 0) return;
    if (this.#carryEnd + n > this.#carry.length) {
      // Grow by doubling so a large PDU arriving in many small pushes is copied O(1) times.
      const have = this.#carryEnd - this.#carryStart;
      const next = new Uint8Array(Math.max(have + n, 2 * have, 256));
      next.set(this.#carry.subarray(this.#carryStart, this.#carryEnd));
      this.#carry = next;
      this.#carryStart = 0;
      this.#carryEnd = have;
    }
    this.#carry.set(this.#chunk.subarray(this.#chunkAt, this.#chunkAt + n), this.#carryEnd);
    this.#carryEnd += n;
    this.#chunkAt += n;
  }

  /** Wire length of the PDU whose BHS starts at `at` (48 bytes present). */
  #wireLengthAt(bytes: Uint8Array, at: number): number {
    const ahsWords = bytes[at + 4]!;
    const dataLength = (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!;
    if (dataLength > this.maxDataSegmentLength) {
      throw new MalformedDataError(
        `DataSegmentLength ${dataLength} exceeds the MaxRecvDataSegmentLength of ${this.maxDataSegmentLength} declared`,
      );
    }
    return wireLength(ahsWords, dataLength, this.digests);
  }

  /** The frame of the complete PDU at `at`, digests checked. */
  #frameAt(bytes: Uint8Array, at: number): PduFrame {
    const ahsWords = bytes[at + 4]!;
    const dataLength = (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!;
    const headerEnd = at + BHS_LENGTH + ahsWords * 4;
    let dataAt = headerEnd;
    if (this.digests.headerDigest) {
      if (readDigest(bytes, headerEnd) !== crc32c(bytes.subarray(at, headerEnd))) {
        throw new DigestMismatchError('iSCSI header digest mismatch');
      }
      dataAt += 4;
    }
    if (this.digests.dataDigest && dataLength > 0) {
      const paddedEnd = dataAt + dataLength + padding(dataLength);
      if (readDigest(bytes, paddedEnd) !== crc32c(bytes.subarray(dataAt, paddedEnd))) {
        throw new DigestMismatchError('iSCSI data digest mismatch');
      }
    }
    return {
      bhs: bytes.subarray(at, at + BHS_LENGTH),
      ahs: ahsWords === 0 ? EMPTY : bytes.subarray(at + BHS_LENGTH, headerEnd),
      data: dataLength > 0 ? bytes.subarray(dataAt, dataAt + dataLength) : EMPTY,
    };
  }
}
