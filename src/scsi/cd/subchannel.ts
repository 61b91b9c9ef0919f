// CD subchannel (ECMA-130 §22 "Sections", §22.3 P-channel, §22.3.3 Q-channel), pure: Q-channel
// frames in modes 1 (positions and the lead-in table of contents), 2 (Media Catalogue Number) and
// 3 (ISRC) with their CRC, the P flag, and the 96-byte raw P-W block that follows each 2,352-byte
// sector in a 2,448-byte raw sector (MMC-6 4.2.3.6 "raw P-W", the layout READ CD returns for
// Sub-channel Selection 001b and raw DAO writes take with Data Block Type 3).

import { invalidArgument, MalformedDataError } from '../../errors.js';
import type { Msf } from '../mmc/msf.js';
import { fromBcd, toBcd } from './sector.js';

/** Bytes of one channel's share of a section (96 bits). */
export const CHANNEL_BYTES = 12;
/** Bytes of the raw P-W block of a sector. */
export const RAW_PW_BYTES = 96;

/** Q CONTROL bits (ECMA-130 §22.3.3.1). */
export const QControl = {
  PRE_EMPHASIS: 0x1,
  COPY_PERMITTED: 0x2,
  DATA_TRACK: 0x4,
  FOUR_CHANNEL: 0x8,
} as const;

/** The Q TNO of the lead-out, written as is (not BCD). */
export const TNO_LEAD_OUT = 0xaa;

/** A Q mode 1 frame in the program area, a pregap or the lead-out: where this sector is. */
export interface QPosition {
  readonly adr: 1;
  readonly control: number;
  /** Track 1..99 (BCD on the disc), or TNO_LEAD_OUT. */
  readonly trackNumber: number;
  /** Index 0..99; 0 is the pause (pregap), counting down to index 1. */
  readonly index: number;
  /** Relative time in frames: from index 1 of the track, or remaining to it in index 0. */
  readonly relativeFrames: number;
  /** Absolute time: the sector's MSF (LBA + 150). */
  readonly absolute: Msf;
}

/** A Q mode 1 frame in the lead-in (TNO 00): one entry of the table of contents. */
export interface QLeadIn {
  readonly adr: 1;
  readonly control: number;
  /** POINT: a track number 1..99 (BCD), or 0xA0, 0xA1, 0xA2 (written as is). */
  readonly point: number;
  /** Running time in the lead-in, in frames. */
  readonly relativeFrames: number;
  /** PMIN, PSEC, PFRAME as bytes already in their disc form (BCD, or A0/A1's track and type). */
  readonly pointValue: readonly [number, number, number];
}

/** Q mode 2: the Media Catalogue Number (13 decimal digits) and the absolute frame. */
export interface QCatalogue {
  readonly adr: 2;
  readonly control: number;
  readonly mediaCatalogNumber: string;
  readonly aframe: number;
}

/** Q mode 3: the ISRC (CCOOOYYSSSSS) and the absolute frame. */
export interface QIsrc {
  readonly adr: 3;
  readonly control: number;
  readonly isrc: string;
  readonly aframe: number;
}

export type QFrame = QPosition | QLeadIn | QCatalogue | QIsrc;

/** CRC-16 of the Q channel: x^16 + x^12 + x^5 + 1, preset 0, MSB first, result inverted. */
export function qCrc(bytes: Uint8Array, start = 0, end = 10): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= (bytes[i] as number) << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : crc << 1;
  }
  return ~crc & 0xffff;
}

function framesToBcd(frames: number, what: string): [number, number, number] {
  if (!Number.isInteger(frames) || frames < 0 || frames >= 100 * 4500) {
    throw invalidArgument(`${what} ${String(frames)} frames has no MSF form`);
  }
  return [
    toBcd(Math.floor(frames / 4500)),
    toBcd(Math.floor(frames / 75) % 60),
    toBcd(frames % 75),
  ];
}

function msfBcd(msf: Msf): [number, number, number] {
  return [toBcd(msf.m), toBcd(msf.s), toBcd(msf.f)];
}

/** Is `isrc` 2 letters/digits of country, 3 of owner, then 7 digits (ISO 3901)? */
export function isValidIsrc(isrc: string): boolean {
  return /^[A-Z0-9]{5}[0-9]{7}$/.test(isrc);
}

/** Is `mcn` 13 decimal digits (a UPC/EAN)? */
export function isValidMcn(mcn: string): boolean {
  return /^[0-9]{13}$/.test(mcn);
}

// ISRC characters in Q mode 3 are 6-bit codes: '0'..'9' = 0..9, 'A'..'Z' = 17..42.
function isrcCode(ch: string): number {
  const c = ch.charCodeAt(0);
  return c <= 0x39 ? c - 0x30 : c - 0x41 + 17;
}
function isrcChar(code: number): string | undefined {
  if (code <= 9) return String.fromCharCode(0x30 + code);
  if (code >= 17 && code <= 42) return String.fromCharCode(0x41 + code - 17);
  return undefined;
}

/** Digits as 4-bit nibbles from byte `at` on, high nibble first (bytes already zero). */
function putNibbles(out: Uint8Array, at: number, digits: readonly number[]): void {
  for (const [i, d] of digits.entries()) {
    const j = at + (i >> 1);
    out[j] = (out[j] as number) | (d << (i & 1 ? 0 : 4));
  }
}

/**
 * The 12 Q bytes of a frame, CRC included.
 *
 * byte 0      CONTROL (bits 7..4), ADR (bits 3..0)
 * mode 1, program area, pregap, lead-out:
 *   byte 1 TNO, 2 INDEX, 3..5 MIN SEC FRAME (relative), 6 ZERO, 7..9 AMIN ASEC AFRAME (all BCD)
 * mode 1, lead-in: byte 1 TNO = 00, 2 POINT, 3..5 MIN SEC FRAME, 6 ZERO, 7..9 PMIN PSEC PFRAME
 * mode 2: bytes 1..7 N1..N13 (4 bits each, then 4 zero bits), 8 ZERO, 9 AFRAME
 * mode 3: bytes 1..4 I1..I5 (6 bits each, then 2 zero bits), 5..8 I6..I12 (4 bits each, then
 *         4 zero bits), 9 AFRAME
 * bytes 10..11 CRC (inverted, most significant byte first)
 */
export function encodeQ(
  frame: QFrame,
  out: Uint8Array = new Uint8Array(CHANNEL_BYTES),
): Uint8Array {
  if (!Number.isInteger(frame.control) || frame.control < 0 || frame.control > 15) {
    throw invalidArgument(`Q CONTROL ${String(frame.control)} is not 4 bits`);
  }
  out.fill(0, 0, CHANNEL_BYTES);
  out[0] = (frame.control << 4) | frame.adr;
  if (frame.adr === 1 && 'point' in frame) {
    out[1] = 0;
    out[2] = frame.point >= 0xa0 ? frame.point : toBcd(frame.point);
    out.set(framesToBcd(frame.relativeFrames, 'lead-in time'), 3);
    out.set(frame.pointValue, 7);
  } else if (frame.adr === 1) {
    out[1] = frame.trackNumber === TNO_LEAD_OUT ? TNO_LEAD_OUT : toBcd(frame.trackNumber);
    out[2] = toBcd(frame.index);
    out.set(framesToBcd(frame.relativeFrames, 'relative time'), 3);
    out.set(msfBcd(frame.absolute), 7);
  } else if (frame.adr === 2) {
    if (!isValidMcn(frame.mediaCatalogNumber)) {
      throw invalidArgument(`media catalog number "${frame.mediaCatalogNumber}" is not 13 digits`);
    }
    const d = [...frame.mediaCatalogNumber].map(Number);
    putNibbles(out, 1, d);
    out[9] = toBcd(frame.aframe);
  } else {
    if (!isValidIsrc(frame.isrc)) {
      throw invalidArgument(`ISRC "${frame.isrc}" is not CCOOOYYNNNNN`);
    }
    const c = [...frame.isrc.slice(0, 5)].map(isrcCode);
    // 30 bits of characters then 2 zero bits, as one 32-bit big-endian word.
    const word = c.reduce((acc, v) => acc * 64 + v, 0) * 4;
    out[1] = (word >>> 24) & 0xff;
    out[2] = (word >>> 16) & 0xff;
    out[3] = (word >>> 8) & 0xff;
    out[4] = word & 0xff;
    const d = [...frame.isrc.slice(5)].map(Number);
    putNibbles(out, 5, d);
    out[9] = toBcd(frame.aframe);
  }
  const crc = qCrc(out);
  out[10] = crc >> 8;
  out[11] = crc & 0xff;
  return out;
}

/** What a Q frame says, for readers and tests: ADR, CONTROL, the CRC check and the mode's fields. */
export interface DecodedQ {
  readonly adr: number;
  readonly control: number;
  readonly crcOk: boolean;
  /** Mode 1: bytes 1..9 as BCD-decoded numbers where they are BCD (undefined where not). */
  readonly fields: readonly (number | undefined)[];
  readonly mediaCatalogNumber?: string;
  readonly isrc?: string;
}

/** Decodes 12 Q bytes. Throws MalformedDataError on a short buffer only. */
export function decodeQ(q: Uint8Array): DecodedQ {
  if (q.length < CHANNEL_BYTES) {
    throw new MalformedDataError(`a Q frame needs 12 bytes, got ${q.length}`);
  }
  const adr = (q[0] as number) & 0x0f;
  const control = (q[0] as number) >> 4;
  const crcOk = qCrc(q) === (((q[10] as number) << 8) | (q[11] as number));
  const fields = Array.from(q.subarray(1, 10), (b) => fromBcd(b));
  if (adr === 2) {
    let mcn = '';
    for (let i = 0; i < 13; i++)
      mcn += String(((q[1 + (i >> 1)] as number) >> (i & 1 ? 0 : 4)) & 15);
    return { adr, control, crcOk, fields, mediaCatalogNumber: mcn };
  }
  if (adr === 3) {
    const word =
      (((q[1] as number) << 24) |
        ((q[2] as number) << 16) |
        ((q[3] as number) << 8) |
        (q[4] as number)) >>>
      2;
    let isrc = '';
    for (let i = 4; i >= 0; i--) isrc += isrcChar((word >>> (6 * i)) & 63) ?? '?';
    for (let i = 0; i < 7; i++)
      isrc += String(((q[5 + (i >> 1)] as number) >> (i & 1 ? 0 : 4)) & 15);
    return { adr, control, crcOk, fields, isrc };
  }
  return { adr, control, crcOk, fields };
}

/** The P channel of a section: all 96 bits equal to the P flag. */
export function pChannel(
  flag: boolean,
  out: Uint8Array = new Uint8Array(CHANNEL_BYTES),
): Uint8Array {
  return out.fill(flag ? 0xff : 0, 0, CHANNEL_BYTES);
}

/**
 * Interleaves channels P..W (12 bytes each; absent R..W are zero) into the 96-byte raw P-W block:
 * byte i holds bit i of every channel, P in bit 7, Q in bit 6, R..W in bits 5..0, bit i of a
 * channel being bit 7 − (i mod 8) of its byte ⌊i/8⌋.
 */
export function packRawPW(
  p: Uint8Array,
  q: Uint8Array,
  rw?: readonly Uint8Array[],
  out: Uint8Array = new Uint8Array(RAW_PW_BYTES),
): Uint8Array {
  const channels = [p, q, ...(rw ?? [])];
  if (channels.length > 8) throw invalidArgument('at most 8 subchannels (P..W)');
  for (const c of channels) {
    if (c.length < CHANNEL_BYTES) throw invalidArgument('a subchannel holds 12 bytes a sector');
  }
  for (let i = 0; i < RAW_PW_BYTES; i++) {
    let v = 0;
    for (let ch = 0; ch < channels.length; ch++) {
      const bit = ((channels[ch] as Uint8Array)[i >> 3] as number) >> (7 - (i & 7));
      v |= (bit & 1) << (7 - ch);
    }
    out[i] = v;
  }
  return out;
}

/** Splits a 96-byte raw P-W block into its 8 channels (P, Q, R..W), 12 bytes each. */
export function unpackRawPW(block: Uint8Array): Uint8Array[] {
  if (block.length < RAW_PW_BYTES) {
    throw new MalformedDataError(`a raw P-W block needs 96 bytes, got ${block.length}`);
  }
  const channels = Array.from({ length: 8 }, () => new Uint8Array(CHANNEL_BYTES));
  for (let i = 0; i < RAW_PW_BYTES; i++) {
    for (let ch = 0; ch < 8; ch++) {
      const bit = ((block[i] as number) >> (7 - ch)) & 1;
      const c = channels[ch] as Uint8Array;
      c[i >> 3] = (c[i >> 3] as number) | (bit << (7 - (i & 7)));
    }
  }
  return channels;
}
