// iSCSI PDU framing (RFC 7143 §11.1-§11.2): splitting the TCP byte stream into PDUs and building
// the wire form of one PDU (header, AHS, optional CRC32C header digest, data padded to 4 bytes,
// optional data digest). Pure and incremental: `PduFramer.next()` reports "incomplete" as a
// value, so it can be fed whatever chunks the socket delivers.

import { MalformedDataError } from '../../errors.js';
import { crc32c, digestBytes, readDigest } from './crc32c.js';
import { BHS_LENGTH, encodeBhs, pduData, type Pdu, type PduFrame } from './pdu.js';

export interface DigestSettings {
  readonly headerDigest: boolean;
  readonly dataDigest: boolean;
}

export const NO_DIGESTS: DigestSettings = { headerDigest: false, dataDigest: false };

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
 * MalformedDataError (at ErrorRecoveryLevel 0 the connection must be dropped). The framer keeps
 * references to the pushed chunks; frames that lie inside one chunk are views of it.
 */
export class PduFramer {
  private chunks: Uint8Array[] = [];
  /** Bytes of chunks[0] already consumed. */
  private head = 0;
  private buffered = 0;
  digests: DigestSettings;

  constructor(digests: DigestSettings = NO_DIGESTS) {
    this.digests = digests;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  next(): FramerResult {
    if (this.buffered < BHS_LENGTH) {
      return { kind: 'incomplete', bytesNeeded: BHS_LENGTH - this.buffered };
    }
    const bhs = this.peek(BHS_LENGTH);
    const ahsWords = bhs[4]!;
    const dataLength = (bhs[5]! << 16) | (bhs[6]! << 8) | bhs[7]!;
    const total = wireLength(ahsWords, dataLength, this.digests);
    if (this.buffered < total) {
      return { kind: 'incomplete', bytesNeeded: total - this.buffered };
    }
    const bytes = this.take(total);
    const headerLength = BHS_LENGTH + ahsWords * 4;
    let at = headerLength;
    if (this.digests.headerDigest) {
      const expected = crc32c(bytes.subarray(0, headerLength));
      if (readDigest(bytes, at) !== expected) {
        throw new MalformedDataError('iSCSI header digest mismatch');
      }
      at += 4;
    }
    const data = dataLength > 0 ? bytes.subarray(at, at + dataLength) : EMPTY;
    if (this.digests.dataDigest && dataLength > 0) {
      const padded = bytes.subarray(at, at + dataLength + padding(dataLength));
      const digestAt = at + padded.length;
      if (readDigest(bytes, digestAt) !== crc32c(padded)) {
        throw new MalformedDataError('iSCSI data digest mismatch');
      }
    }
    return {
      kind: 'frame',
      frame: {
        bhs: bytes.subarray(0, BHS_LENGTH),
        ahs: bytes.subarray(BHS_LENGTH, headerLength),
        data,
      },
    };
  }

  /** The first `n` buffered bytes, contiguous (a view when they lie in one chunk). */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let offset = this.head;
    for (const c of this.chunks) {
      const take = Math.min(n - filled, c.length - offset);
      out.set(c.subarray(offset, offset + take), filled);
      filled += take;
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  private take(n: number): Uint8Array {
    const out = this.peek(n);
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      const avail = first.length - this.head;
      if (avail > left) {
        this.head += left;
        left = 0;
      } else {
        left -= avail;
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.buffered -= n;
    return out;
  }
}
