// Write Parameters mode page, 05h (MMC-6 clause 7). Pure codec: page bytes (header included) to
// fields and back, the code tables of its fields, and the sector size of each data block type.
// Read-modify-write it: bytes the fields below do not cover are reserved and encode as zero.

import { invalidArgument, MalformedDataError } from '../../../errors.js';
import { ModePageType, newModePage, openModePage } from '../../spc/mode-pages.js';

/** Write Type (byte 2, bits 3..0). */
export const WriteType = {
  PACKET_INCREMENTAL: 0,
  TAO: 1,
  SAO: 2,
  RAW: 3,
  LAYER_JUMP: 4,
} as const;

/** Multi-session (byte 3, bits 7..6): what the closed session allows next. */
export const MultiSession = {
  /** No next session (CD: no B0 pointer; DVD: finalize). */
  NO_NEXT_SESSION: 0,
  /** No next session; a CD gets the B0 pointer FF:FF:FF. */
  NO_NEXT_SESSION_B0_FFFFFF: 1,
  /** A next session is allowed (CD: B0 points to the next program area). */
  NEXT_SESSION_ALLOWED: 3,
} as const;

/** Data Block Type (byte 4, bits 3..0); sector sizes in blockSizeForDataBlockType. */
export const DataBlockType = {
  /** Raw data, 2352 bytes. */
  RAW: 0,
  /** Raw data with P and Q sub-channel, 2368 bytes. */
  RAW_PQ: 1,
  /** Raw data with P-W sub-channel packed, 2448 bytes. */
  RAW_PW_PACKED: 2,
  /** Raw data with raw P-W sub-channel, 2448 bytes. */
  RAW_PW: 3,
  /** Mode 1 user data, 2048 bytes. */
  MODE_1: 8,
  /** Mode 2 (formless) user data, 2336 bytes. */
  MODE_2: 9,
  /** Mode 2 Form 1 user data, 2048 bytes. */
  MODE_2_FORM_1: 10,
  /** Mode 2 Form 1 with the 8-byte sub-header, 2056 bytes. */
  MODE_2_FORM_1_SUBHEADER: 11,
  /** Mode 2 Form 2 user data, 2324 bytes. */
  MODE_2_FORM_2: 12,
  /** Mode 2 Form 1, Form 2 or mixed, with sub-header, 2332 bytes. */
  MODE_2_MIXED: 13,
} as const;

/** Session Format (byte 8). */
export const SessionFormat = {
  CD_DA_OR_CD_ROM: 0x00,
  CD_I: 0x10,
  CD_ROM_XA: 0x20,
} as const;

const BLOCK_SIZES: ReadonlyMap<number, number> = new Map([
  [DataBlockType.RAW, 2352],
  [DataBlockType.RAW_PQ, 2368],
  [DataBlockType.RAW_PW_PACKED, 2448],
  [DataBlockType.RAW_PW, 2448],
  [DataBlockType.MODE_1, 2048],
  [DataBlockType.MODE_2, 2336],
  [DataBlockType.MODE_2_FORM_1, 2048],
  [DataBlockType.MODE_2_FORM_1_SUBHEADER, 2056],
  [DataBlockType.MODE_2_FORM_2, 2324],
  [DataBlockType.MODE_2_MIXED, 2332],
]);

/** Bytes per sector written with data block type `t`; undefined for reserved/vendor types. */
export function blockSizeForDataBlockType(t: number): number | undefined {
  return BLOCK_SIZES.get(t);
}

export interface WriteParametersPage {
  /** PS: the drive can save the page. */
  readonly ps: boolean;
  /** BUFE: buffer underrun free recording enabled. */
  readonly bufe: boolean;
  /** LS_V: the Link Size field is valid. */
  readonly lsV: boolean;
  /** Test Write: simulate, the laser stays at read power. */
  readonly testWrite: boolean;
  /** Write Type, 0..15 (see WriteType). */
  readonly writeType: number;
  /** Multi-session, 0..3 (see MultiSession). */
  readonly multiSession: number;
  /** FP: fixed packets (packet writing). */
  readonly fp: boolean;
  /** Copy: the track is a copy (SCMS, CD). */
  readonly copy: boolean;
  /** Track Mode, 0..15: the CD Q sub-channel control nibble (4 data, 5 incremental data). */
  readonly trackMode: number;
  /** Data Block Type, 0..15 (see DataBlockType). */
  readonly dataBlockType: number;
  /** Link Size in blocks (valid with LS_V). */
  readonly linkSize: number;
  /** Initiator Application Code, 0..63 (restricted-use CD-R/RW discs). */
  readonly initiatorApplicationCode: number;
  /** Session Format (see SessionFormat). */
  readonly sessionFormat: number;
  /** Packet Size in blocks (fixed packets). */
  readonly packetSize: number;
  /** Audio Pause Length in blocks (default 150 = 2 s). */
  readonly audioPauseLength: number;
  /** Media Catalog Number, bytes 16..31 as sent (MCVAL bit and digits, raw). */
  readonly mediaCatalogNumber: Uint8Array;
  /** International Standard Recording Code, bytes 32..47 as sent (raw). */
  readonly internationalStandardRecordingCode: Uint8Array;
  /** Sub-header bytes 0..3 (bytes 48..51) for Mode 2 data block types. */
  readonly subHeader: Uint8Array;
  /** Vendor specific bytes 52..55, present when PAGE LENGTH is 36h. */
  readonly vendorSpecific?: Uint8Array;
}

/** What the encoder needs: the three fields that decide what is written; the rest default to 0. */
export type WriteParametersPageInit = Pick<
  WriteParametersPage,
  'writeType' | 'trackMode' | 'dataBlockType'
> &
  Partial<WriteParametersPage>;

const PAGE_LENGTH = 0x32;
const PAGE_LENGTH_WITH_VENDOR = 0x36;

export function decodeWriteParametersPage(bytes: Uint8Array): WriteParametersPage {
  const { r, ps, end } = openModePage(bytes, ModePageType.WRITE_PARAMETERS, 'Write Parameters');
  if (end < 2 + PAGE_LENGTH) {
    throw new MalformedDataError(`Write Parameters page of ${end} bytes is too short`);
  }
  return {
    ps,
    bufe: r.bit(2, 6),
    lsV: r.bit(2, 5),
    testWrite: r.bit(2, 4),
    writeType: r.bits(2, 0, 0x0f),
    multiSession: r.bits(3, 6, 0x03),
    fp: r.bit(3, 5),
    copy: r.bit(3, 4),
    trackMode: r.bits(3, 0, 0x0f),
    dataBlockType: r.bits(4, 0, 0x0f),
    linkSize: r.u8(5),
    initiatorApplicationCode: r.bits(7, 0, 0x3f),
    sessionFormat: r.u8(8),
    packetSize: r.u32(10),
    audioPauseLength: r.u16(14),
    mediaCatalogNumber: r.slice(16, 16),
    internationalStandardRecordingCode: r.slice(32, 16),
    subHeader: r.slice(48, 4),
    ...(end >= 2 + PAGE_LENGTH_WITH_VENDOR ? { vendorSpecific: r.slice(52, 4) } : {}),
  };
}

// byte 0        bit 7 PS, bit 6 SPF (0), bits 5..0 PAGE CODE (05h)
// byte 1        PAGE LENGTH (32h, or 36h with the vendor specific bytes)
// byte 2        bit 6 BUFE, bit 5 LS_V, bit 4 Test Write, bits 3..0 Write Type
// byte 3        bits 7..6 Multi-session, bit 5 FP, bit 4 Copy, bits 3..0 Track Mode
// byte 4        bits 3..0 Data Block Type
// byte 5        Link Size
// byte 6        Reserved
// byte 7        bits 5..0 Initiator Application Code
// byte 8        Session Format
// byte 9        Reserved
// bytes 10..13  Packet Size
// bytes 14..15  Audio Pause Length
// bytes 16..31  Media Catalog Number
// bytes 32..47  International Standard Recording Code
// bytes 48..51  Sub-header Byte 0..3
// bytes 52..55  Vendor Specific
export function encodeWriteParametersPage(v: WriteParametersPageInit): Uint8Array {
  const w = newModePage(
    ModePageType.WRITE_PARAMETERS,
    v.vendorSpecific !== undefined ? PAGE_LENGTH_WITH_VENDOR : PAGE_LENGTH,
    v.ps,
  );
  w.flag(2, 6, v.bufe); // BUFE
  w.flag(2, 5, v.lsV); // LS_V
  w.flag(2, 4, v.testWrite); // Test Write
  w.bits(2, 0, 0x0f, v.writeType, 'Write Type');
  w.bits(3, 6, 0x03, v.multiSession ?? 0, 'Multi-session');
  w.flag(3, 5, v.fp); // FP
  w.flag(3, 4, v.copy); // Copy
  w.bits(3, 0, 0x0f, v.trackMode, 'Track Mode');
  w.bits(4, 0, 0x0f, v.dataBlockType, 'Data Block Type');
  w.u8(5, v.linkSize ?? 0, 'Link Size');
  w.bits(7, 0, 0x3f, v.initiatorApplicationCode ?? 0, 'Initiator Application Code');
  w.u8(8, v.sessionFormat ?? 0, 'Session Format');
  w.u32(10, v.packetSize ?? 0, 'Packet Size');
  w.u16(14, v.audioPauseLength ?? 0, 'Audio Pause Length');
  put(w.bytes, 16, 16, v.mediaCatalogNumber, 'Media Catalog Number');
  put(w.bytes, 32, 16, v.internationalStandardRecordingCode, 'ISRC');
  put(w.bytes, 48, 4, v.subHeader, 'Sub-header');
  put(w.bytes, 52, 4, v.vendorSpecific, 'Vendor Specific');
  return w.bytes;
}

/** Copies a fixed-size raw field; an absent one stays zero. */
function put(
  into: Uint8Array,
  at: number,
  size: number,
  value: Uint8Array | undefined,
  what: string,
): void {
  if (value === undefined) return;
  if (value.length !== size) {
    throw invalidArgument(`${what} must be ${size} bytes, got ${value.length}`);
  }
  into.set(value, at);
}
