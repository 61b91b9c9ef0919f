// READ TOC/PMA/ATIP format 0100b, ATIP (MMC-6 6.26.3.6). Pure codec: the reply only (the CDB is
// read-toc-pma-atip.ts's). The Absolute Time In Pre-groove of a CD-R/RW: recording power and
// speed, disc type, where the lead-in starts and the last possible start of the lead-out.

import { ByteReader, ByteWriter } from '../bytes.js';
import type { Msf } from './msf.js';

/** Header (4) and the ATIP descriptor with the A1..A3 values (24). */
export const ATIP_DATA_LENGTH = 28;
/** Shortest reply that carries the lead-out time (some drives stop there). */
const ATIP_MIN_LENGTH = 16;

export interface Atip {
  /** Indicative Target Writing Power (3 bits). */
  readonly indicativeTargetWritingPower: number;
  /** DDCD: a double-density CD. */
  readonly ddcd: boolean;
  /** Reference Speed (3 bits). */
  readonly referenceSpeed: number;
  /** URU: unrestricted use disc. */
  readonly uru: boolean;
  /** Disc Type: false CD-R, true CD-RW. */
  readonly discTypeRewritable: boolean;
  /** Disc Sub-Type (3 bits). */
  readonly discSubType: number;
  readonly a1Valid: boolean;
  readonly a2Valid: boolean;
  readonly a3Valid: boolean;
  /** Start Time of Lead-in (ATIP M:S:F, e.g. 97:26:66). */
  readonly startTimeOfLeadIn: Msf;
  /** Last Possible Start Time of Lead-out (e.g. 79:59:74 on an 80-minute disc). */
  readonly lastPossibleStartOfLeadOut: Msf;
  /** A1, A2, A3 values (3 bytes each), when the reply carries them. */
  readonly a1?: Uint8Array;
  readonly a2?: Uint8Array;
  readonly a3?: Uint8Array;
}

// bytes 0..1   ATIP DATA LENGTH (bytes that follow: 26)
// bytes 2..3   reserved
// byte 4       bit 7 = 1, bits 6..4 Indicative Target Writing Power, bit 3 DDCD,
//              bits 2..0 Reference Speed
// byte 5       bit 7 = 0, bit 6 URU
// byte 6       bit 7 = 1, bit 6 Disc Type, bits 5..3 Disc Sub-Type, bit 2 A1 Valid,
//              bit 1 A2 Valid, bit 0 A3 Valid
// byte 7       reserved
// bytes 8..10  START TIME OF LEAD-IN (M, S, F), byte 11 reserved
// bytes 12..14 LAST POSSIBLE START TIME OF LEAD-OUT (M, S, F), byte 15 reserved
// bytes 16..18 A1 VALUES, 20..22 A2 VALUES, 24..26 A3 VALUES (bytes 19, 23, 27 reserved)
export function encodeAtipData(a: Atip): Uint8Array {
  const w = new ByteWriter(ATIP_DATA_LENGTH);
  w.u16(0, ATIP_DATA_LENGTH - 2); // ATIP DATA LENGTH
  w.flag(4, 7, true);
  w.bits(4, 4, 0x07, a.indicativeTargetWritingPower, 'Indicative Target Writing Power');
  w.flag(4, 3, a.ddcd); // DDCD
  w.bits(4, 0, 0x07, a.referenceSpeed, 'Reference Speed');
  w.flag(5, 6, a.uru); // URU
  w.flag(6, 7, true);
  w.flag(6, 6, a.discTypeRewritable); // Disc Type
  w.bits(6, 3, 0x07, a.discSubType, 'Disc Sub-Type');
  w.flag(6, 2, a.a1Valid); // A1 Valid
  w.flag(6, 1, a.a2Valid); // A2 Valid
  w.flag(6, 0, a.a3Valid); // A3 Valid
  const msf = (at: number, t: Msf, what: string) => {
    w.u8(at, t.m, what)
      .u8(at + 1, t.s, what)
      .u8(at + 2, t.f, what);
  };
  msf(8, a.startTimeOfLeadIn, 'START TIME OF LEAD-IN');
  msf(12, a.lastPossibleStartOfLeadOut, 'LAST POSSIBLE START TIME OF LEAD-OUT');
  for (const [at, v] of [
    [16, a.a1],
    [20, a.a2],
    [24, a.a3],
  ] as const) {
    if (v !== undefined) w.bytesAt(at, v.subarray(0, 3), 'A values');
  }
  return w.bytes;
}

/** The reply; A1..A3 only when the drive sent them (a 16-byte reply stops at the lead-out). */
export function decodeAtipData(bytes: Uint8Array): Atip {
  const r = new ByteReader(bytes);
  r.need(0, ATIP_MIN_LENGTH, 'ATIP');
  const msf = (at: number): Msf => ({ m: r.u8(at), s: r.u8(at + 1), f: r.u8(at + 2) });
  const values = (at: number) => (bytes.length >= at + 3 ? bytes.slice(at, at + 3) : undefined);
  const a1 = values(16);
  const a2 = values(20);
  const a3 = values(24);
  return {
    indicativeTargetWritingPower: r.bits(4, 4, 0x07),
    ddcd: r.bit(4, 3),
    referenceSpeed: r.bits(4, 0, 0x07),
    uru: r.bit(5, 6),
    discTypeRewritable: r.bit(6, 6),
    discSubType: r.bits(6, 3, 0x07),
    a1Valid: r.bit(6, 2),
    a2Valid: r.bit(6, 1),
    a3Valid: r.bit(6, 0),
    startTimeOfLeadIn: msf(8),
    lastPossibleStartOfLeadOut: msf(12),
    ...(a1 !== undefined ? { a1 } : {}),
    ...(a2 !== undefined ? { a2 } : {}),
    ...(a3 !== undefined ? { a3 } : {}),
  };
}
