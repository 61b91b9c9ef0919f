// READ TOC/PMA/ATIP (MMC-6 6.26). Pure codec: the CDB and the response data of formats 0000b
// (formatted TOC), 0001b (multi-session information) and 0010b (raw TOC), no I/O.
//
// The reply does not say which format or address form it carries; the caller passes what the CDB
// asked for. Known quirk (tgt): formats 0 and 1 arrive 2 bytes shorter than the TOC Data Length
// says, so the decoders keep the whole descriptors present and drop an incomplete last one.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import { readAddressField, writeAddressField } from './msf.js';

/** Format field (CDB byte 2 bits 3..0). Formats 0..2 are decoded here. */
export const TocFormat = {
  FORMATTED_TOC: 0b0000,
  MULTI_SESSION_INFORMATION: 0b0001,
  RAW_TOC: 0b0010,
  PMA: 0b0011,
  ATIP: 0b0100,
  CD_TEXT: 0b0101,
} as const;

/** Track number of the lead-out descriptor in a formatted TOC; also a valid Track/Session Number. */
export const LEAD_OUT_TRACK_NUMBER = 0xaa;

/** CONTROL nibble bits of a TOC descriptor (the Q sub-channel control field). */
export const TocControl = {
  /** Audio: pre-emphasis; data: recorded incrementally. */
  PRE_EMPHASIS_OR_INCREMENTAL: 0x1,
  COPY_PERMITTED: 0x2,
  DATA_TRACK: 0x4,
  /** Audio: four-channel. */
  FOUR_CHANNEL: 0x8,
} as const;

/** POINT values of raw TOC (mode 1 Q) entries other than track numbers 01..99. */
export const TocPoint = {
  /** PMIN = first track number of the session, PSEC = disc type. */
  FIRST_TRACK: 0xa0,
  /** PMIN = last track number of the session. */
  LAST_TRACK: 0xa1,
  /** PMIN:PSEC:PFRAME = start of the session's lead-out. */
  LEAD_OUT: 0xa2,
  /** Min:Sec:Frame = start of the next possible program area (multi-session discs). */
  NEXT_PROGRAM_AREA: 0xb0,
  /** PMIN:PSEC:PFRAME = start of the first lead-in of the disc. */
  FIRST_LEAD_IN: 0xc0,
} as const;

/** Header plus 100 descriptors (99 tracks and the lead-out) of a formatted TOC. */
export const MAX_FORMATTED_TOC_LENGTH = 4 + 100 * 8;

export interface ReadTocPmaAtipCdb {
  /** MSF: return addresses as MSF instead of LBA (formats 0 and 1). */
  readonly msf: boolean;
  /** Format, 0..15 (TocFormat). */
  readonly format: number;
  /** Track/Session Number: starting track (format 0) or session (format 2), 0..255. */
  readonly trackSessionNumber: number;
  /** Allocation Length, 0..65535. */
  readonly allocationLength: number;
}

export type ReadTocPmaAtipOptions = Partial<ReadTocPmaAtipCdb>;

const DEFAULT_ALLOCATION_LENGTH = 0xfffe;

// byte 0      OPERATION CODE (43h)
// byte 1      bit 1 MSF
// byte 2      bits 3..0 Format
// bytes 3..5  Reserved
// byte 6      Track/Session Number
// bytes 7..8  Allocation Length
// byte 9      CONTROL
export function encodeReadTocPmaAtipCdb(o: ReadTocPmaAtipOptions = {}): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_TOC_PMA_ATIP);
  w.flag(1, 1, o.msf); // MSF
  w.bits(2, 0, 0x0f, o.format ?? TocFormat.FORMATTED_TOC, 'Format');
  w.u8(6, o.trackSessionNumber ?? 0, 'Track/Session Number');
  w.u16(7, o.allocationLength ?? DEFAULT_ALLOCATION_LENGTH, 'Allocation Length');
  return w.bytes;
}

export function decodeReadTocPmaAtipCdb(cdb: Uint8Array): ReadTocPmaAtipCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ TOC/PMA/ATIP CDB');
  if (r.u8(0) !== Opcode.READ_TOC_PMA_ATIP) {
    throw new MalformedDataError('not a READ TOC/PMA/ATIP CDB');
  }
  return {
    msf: r.bit(1, 1),
    format: r.bits(2, 0, 0x0f),
    trackSessionNumber: r.u8(6),
    allocationLength: r.u16(7),
  };
}

/** READ TOC/PMA/ATIP; by default the formatted TOC from track 0, LBA addresses. */
export function readTocPmaAtip(o: ReadTocPmaAtipOptions = {}): ScsiCommand {
  return scsiCommand('READ TOC/PMA/ATIP', encodeReadTocPmaAtipCdb(o), 'in', {
    allocationLength: o.allocationLength ?? DEFAULT_ALLOCATION_LENGTH,
  });
}

/** A format 0 track descriptor, or the format 1 descriptor of the last complete session. */
export interface TocTrackDescriptor {
  /** ADR, 0..15 (1 = Q sub-channel mode 1: position). */
  readonly adr: number;
  /** CONTROL, 0..15 (TocControl bits). */
  readonly control: number;
  /** Track Number (AAh = lead-out); in format 1 the first track of the last complete session. */
  readonly trackNumber: number;
  /** Track Start Address as an LBA (converted when the reply is MSF). */
  readonly trackStartAddress: number;
}

/** Format 0000b: the formatted TOC. */
export interface FormattedToc {
  readonly format: typeof TocFormat.FORMATTED_TOC;
  readonly firstTrackNumber: number;
  readonly lastTrackNumber: number;
  readonly descriptors: readonly TocTrackDescriptor[];
}

/** Format 0001b: multi-session information (normally one descriptor). */
export interface MultiSessionInformation {
  readonly format: typeof TocFormat.MULTI_SESSION_INFORMATION;
  readonly firstCompleteSessionNumber: number;
  readonly lastCompleteSessionNumber: number;
  readonly descriptors: readonly TocTrackDescriptor[];
}

/** A format 0010b descriptor: one Q sub-channel entry of a lead-in, values in binary. */
export interface RawTocDescriptor {
  readonly sessionNumber: number;
  readonly adr: number;
  readonly control: number;
  /** TNO: always 0 in the lead-in. */
  readonly tno: number;
  /** POINT: a track number 01..99 or a TocPoint value. */
  readonly point: number;
  readonly min: number;
  readonly sec: number;
  readonly frame: number;
  readonly zero: number;
  readonly pmin: number;
  readonly psec: number;
  readonly pframe: number;
}

/** Format 0010b: the raw TOC. */
export interface RawToc {
  readonly format: typeof TocFormat.RAW_TOC;
  readonly firstCompleteSessionNumber: number;
  readonly lastCompleteSessionNumber: number;
  readonly descriptors: readonly RawTocDescriptor[];
}

export type TocData = FormattedToc | MultiSessionInformation | RawToc;

export interface TocAddressFormat {
  /** The CDB asked for MSF addresses (formats 0 and 1). Default false. */
  readonly msf?: boolean;
}

/** Total bytes of the TOC data the drive has (2 + TOC Data Length). */
export function readTocPmaAtipDataLength(bytes: Uint8Array): number {
  return 2 + new ByteReader(bytes).u16(0);
}

const TRACK_DESCRIPTOR_LENGTH = 8;
const RAW_DESCRIPTOR_LENGTH = 11;

/** Reads the 4-byte header and returns where the descriptors end (clamped to the bytes present). */
function header(
  r: ByteReader,
  what: string,
): { b2: number; b3: number; count: (n: number) => number } {
  r.need(0, 4, `${what} header`);
  const declared = 2 + r.u16(0);
  if (declared < 4) throw new MalformedDataError(`${what}: TOC Data Length ${declared - 2} < 2`);
  const end = Math.min(declared, r.length);
  // A partial trailing descriptor (tgt's 2-byte shortfall, or an allocation length cut) is dropped.
  return { b2: r.u8(2), b3: r.u8(3), count: (n) => Math.floor((end - 4) / n) };
}

function decodeTrackDescriptors(r: ByteReader, n: number, msf: boolean): TocTrackDescriptor[] {
  const out: TocTrackDescriptor[] = [];
  for (let i = 0; i < n; i++) {
    const at = 4 + i * TRACK_DESCRIPTOR_LENGTH;
    out.push({
      adr: r.bits(at + 1, 4, 0x0f),
      control: r.bits(at + 1, 0, 0x0f),
      trackNumber: r.u8(at + 2),
      trackStartAddress: readAddressField(r, at + 4, msf),
    });
  }
  return out;
}

export function decodeFormattedToc(bytes: Uint8Array, o: TocAddressFormat = {}): FormattedToc {
  const r = new ByteReader(bytes);
  const h = header(r, 'formatted TOC');
  return {
    format: TocFormat.FORMATTED_TOC,
    firstTrackNumber: h.b2,
    lastTrackNumber: h.b3,
    descriptors: decodeTrackDescriptors(r, h.count(TRACK_DESCRIPTOR_LENGTH), o.msf ?? false),
  };
}

export function decodeMultiSessionInformation(
  bytes: Uint8Array,
  o: TocAddressFormat = {},
): MultiSessionInformation {
  const r = new ByteReader(bytes);
  const h = header(r, 'multi-session information');
  return {
    format: TocFormat.MULTI_SESSION_INFORMATION,
    firstCompleteSessionNumber: h.b2,
    lastCompleteSessionNumber: h.b3,
    descriptors: decodeTrackDescriptors(r, h.count(TRACK_DESCRIPTOR_LENGTH), o.msf ?? false),
  };
}

export function decodeRawToc(bytes: Uint8Array): RawToc {
  const r = new ByteReader(bytes);
  const h = header(r, 'raw TOC');
  const descriptors: RawTocDescriptor[] = [];
  for (let i = 0; i < h.count(RAW_DESCRIPTOR_LENGTH); i++) {
    const at = 4 + i * RAW_DESCRIPTOR_LENGTH;
    descriptors.push({
      sessionNumber: r.u8(at),
      adr: r.bits(at + 1, 4, 0x0f),
      control: r.bits(at + 1, 0, 0x0f),
      tno: r.u8(at + 2),
      point: r.u8(at + 3),
      min: r.u8(at + 4),
      sec: r.u8(at + 5),
      frame: r.u8(at + 6),
      zero: r.u8(at + 7),
      pmin: r.u8(at + 8),
      psec: r.u8(at + 9),
      pframe: r.u8(at + 10),
    });
  }
  return {
    format: TocFormat.RAW_TOC,
    firstCompleteSessionNumber: h.b2,
    lastCompleteSessionNumber: h.b3,
    descriptors,
  };
}

/** Decodes the reply of the `format` the CDB asked for (0, 1 or 2). */
export function decodeReadTocPmaAtipData(
  bytes: Uint8Array,
  o: TocAddressFormat & { readonly format: number },
): TocData {
  switch (o.format) {
    case TocFormat.FORMATTED_TOC:
      return decodeFormattedToc(bytes, o);
    case TocFormat.MULTI_SESSION_INFORMATION:
      return decodeMultiSessionInformation(bytes, o);
    case TocFormat.RAW_TOC:
      return decodeRawToc(bytes);
    default:
      throw invalidArgument(`READ TOC/PMA/ATIP format ${o.format} is not decoded (only 0, 1, 2)`);
  }
}

function newToc(descriptorBytes: number, b2: number, b3: number, what: string): ByteWriter {
  const length = 4 + descriptorBytes;
  if (length - 2 > 0xffff) throw invalidArgument(`${what} too long for TOC Data Length`);
  const w = new ByteWriter(length);
  w.u16(0, length - 2, 'TOC Data Length');
  w.u8(2, b2, what).u8(3, b3, what);
  return w;
}

// bytes 0..1  TOC Data Length (bytes that follow)
// byte 2      First Track Number (format 0) / First Complete Session Number (format 1)
// byte 3      Last Track Number (format 0) / Last Complete Session Number (format 1)
// then 8 bytes per descriptor:
//   byte 0      Reserved
//   byte 1      bits 7..4 ADR, bits 3..0 CONTROL
//   byte 2      Track Number
//   byte 3      Reserved
//   bytes 4..7  Track Start Address (LBA, or with MSF: 0, M, S, F)
function encodeTrackDescriptors(
  w: ByteWriter,
  descriptors: readonly TocTrackDescriptor[],
  msf: boolean,
): Uint8Array {
  descriptors.forEach((d, i) => {
    const at = 4 + i * TRACK_DESCRIPTOR_LENGTH;
    w.bits(at + 1, 4, 0x0f, d.adr, 'ADR');
    w.bits(at + 1, 0, 0x0f, d.control, 'CONTROL');
    w.u8(at + 2, d.trackNumber, 'Track Number');
    writeAddressField(w, at + 4, d.trackStartAddress, msf, 'Track Start Address');
  });
  return w.bytes;
}

export function encodeFormattedToc(toc: FormattedToc, o: TocAddressFormat = {}): Uint8Array {
  const w = newToc(
    toc.descriptors.length * TRACK_DESCRIPTOR_LENGTH,
    toc.firstTrackNumber,
    toc.lastTrackNumber,
    'formatted TOC',
  );
  return encodeTrackDescriptors(w, toc.descriptors, o.msf ?? false);
}

export function encodeMultiSessionInformation(
  info: MultiSessionInformation,
  o: TocAddressFormat = {},
): Uint8Array {
  const w = newToc(
    info.descriptors.length * TRACK_DESCRIPTOR_LENGTH,
    info.firstCompleteSessionNumber,
    info.lastCompleteSessionNumber,
    'multi-session information',
  );
  return encodeTrackDescriptors(w, info.descriptors, o.msf ?? false);
}

// bytes 0..1  TOC Data Length (bytes that follow)
// byte 2      First Complete Session Number
// byte 3      Last Complete Session Number
// then 11 bytes per descriptor:
//   byte 0      Session Number
//   byte 1      bits 7..4 ADR, bits 3..0 CONTROL
//   byte 2      TNO
//   byte 3      POINT
//   bytes 4..6  Min, Sec, Frame
//   byte 7      Zero
//   bytes 8..10 PMIN, PSEC, PFRAME
export function encodeRawToc(toc: RawToc): Uint8Array {
  const w = newToc(
    toc.descriptors.length * RAW_DESCRIPTOR_LENGTH,
    toc.firstCompleteSessionNumber,
    toc.lastCompleteSessionNumber,
    'raw TOC',
  );
  toc.descriptors.forEach((d, i) => {
    const at = 4 + i * RAW_DESCRIPTOR_LENGTH;
    w.u8(at, d.sessionNumber, 'Session Number');
    w.bits(at + 1, 4, 0x0f, d.adr, 'ADR');
    w.bits(at + 1, 0, 0x0f, d.control, 'CONTROL');
    w.u8(at + 2, d.tno, 'TNO');
    w.u8(at + 3, d.point, 'POINT');
    w.u8(at + 4, d.min, 'Min')
      .u8(at + 5, d.sec, 'Sec')
      .u8(at + 6, d.frame, 'Frame');
    w.u8(at + 7, d.zero, 'Zero');
    w.u8(at + 8, d.pmin, 'PMIN')
      .u8(at + 9, d.psec, 'PSEC')
      .u8(at + 10, d.pframe, 'PFRAME');
  });
  return w.bytes;
}

/** Encodes any of the three formats; `msf` applies to formats 0 and 1. */
export function encodeReadTocPmaAtipData(toc: TocData, o: TocAddressFormat = {}): Uint8Array {
  switch (toc.format) {
    case TocFormat.FORMATTED_TOC:
      return encodeFormattedToc(toc, o);
    case TocFormat.MULTI_SESSION_INFORMATION:
      return encodeMultiSessionInformation(toc, o);
    case TocFormat.RAW_TOC:
      return encodeRawToc(toc);
  }
}
