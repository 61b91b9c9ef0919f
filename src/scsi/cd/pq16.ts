// The 16-byte P-Q sub-channel block of a 2,368-byte raw sector (MMC-6 Write Parameters page,
// Data Block Type 1 "raw data with P and Q sub-channel"; IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY),
// and its conversion to and from the 96-byte raw P-W block (subchannel.ts). Pure: no I/O.
//
// The block is the formatted Q of the sector followed by its P flag; the recorder makes R-W
// (zero) itself. Layout (MMC "formatted Q sub-channel"; cdrdao's 16-byte P-Q writer uses the same):
//   byte 0       CONTROL (bits 7..4), ADR (bits 3..0)
//   bytes 1..9   the mode's nine Q bytes (TNO, INDEX/POINT, MIN, SEC, FRAME, ZERO, AMIN/PMIN, ...)
//   bytes 10..11 Q CRC as on the disc (inverted, most significant byte first)
//   bytes 12..14 zero
//   byte 15      bit 7 the P flag, bits 6..0 zero

import { invalidArgument, MalformedDataError } from '../../errors.js';
import { CHANNEL_BYTES, packRawPW, pChannel, RAW_PW_BYTES } from './subchannel.js';

/** Bytes of the P-Q block. */
export const PQ16_BYTES = 16;

/** The P and Q of one sector as a 16-byte block carries them. */
export interface Pq16 {
  /** The P flag (set in pauses, the lead-out's 2 Hz wave). */
  readonly p: boolean;
  /** The 12 Q bytes, CRC included. */
  readonly q: Uint8Array;
}

/** Builds the 16-byte block from a P flag and 12 Q bytes (CRC included, copied as they are). */
export function encodePq16(
  p: boolean,
  q: Uint8Array,
  out: Uint8Array = new Uint8Array(PQ16_BYTES),
): Uint8Array {
  if (q.length < CHANNEL_BYTES) throw invalidArgument(`a Q frame holds 12 bytes, got ${q.length}`);
  if (out.length < PQ16_BYTES) throw invalidArgument('a P-Q block needs 16 bytes');
  out.set(q.subarray(0, CHANNEL_BYTES), 0);
  out.fill(0, CHANNEL_BYTES, PQ16_BYTES);
  out[15] = p ? 0x80 : 0; // P
  return out;
}

/**
 * Reads a 16-byte block. Throws MalformedDataError when it is short or bytes 12..14 or bits 6..0
 * of byte 15 are not zero (the only bytes the layout fixes).
 */
export function decodePq16(block: Uint8Array): Pq16 {
  if (block.length < PQ16_BYTES) {
    throw new MalformedDataError(`a P-Q block needs 16 bytes, got ${block.length}`);
  }
  if (block[12] !== 0 || block[13] !== 0 || block[14] !== 0 || (block[15] as number) & 0x7f) {
    throw new MalformedDataError('P-Q block bytes 12..15 hold more than the P flag');
  }
  return { p: ((block[15] as number) & 0x80) !== 0, q: block.slice(0, CHANNEL_BYTES) };
}

/** The 96-byte raw P-W block of a 16-byte P-Q block: P and Q interleaved, R-W zero. */
export function rawPWFromPq16(
  block: Uint8Array,
  out: Uint8Array = new Uint8Array(RAW_PW_BYTES),
): Uint8Array {
  const { p, q } = decodePq16(block);
  return packRawPW(pChannel(p), q, undefined, out);
}

/**
 * The 16-byte P-Q block of a 96-byte raw P-W block: the Q channel's 96 bits (bit 6 of each
 * byte), and P from the first byte's bit 7 (the P flag is one value over a sector). R-W are
 * dropped: a 2,368-byte sector cannot carry them.
 */
export function pq16FromRawPW(
  raw: Uint8Array,
  out: Uint8Array = new Uint8Array(PQ16_BYTES),
): Uint8Array {
  if (raw.length < RAW_PW_BYTES) {
    throw new MalformedDataError(`a raw P-W block needs 96 bytes, got ${raw.length}`);
  }
  const q = new Uint8Array(CHANNEL_BYTES);
  for (let i = 0; i < RAW_PW_BYTES; i++) {
    const bit = ((raw[i] as number) >> 6) & 1; // Q
    q[i >> 3] = (q[i >> 3] as number) | (bit << (7 - (i & 7)));
  }
  return encodePq16(((raw[0] as number) & 0x80) !== 0, q, out);
}
