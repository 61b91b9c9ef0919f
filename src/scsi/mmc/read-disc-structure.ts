// READ DISC STRUCTURE (MMC-6 6.23; spec §4.3 readDvdStructure). Pure codec: the CDB, the generic
// 4-byte header + payload split, and the formats a recorder needs: 00h physical format information
// (DVD/HD DVD layer descriptor), 04h disc manufacturing information (kept raw) and FFh the disc
// structure list. Payload decoders take the bytes after the 4-byte header. BD media (media type
// 1) format codes and disc information are in bd-disc-information.ts.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** MEDIA TYPE values (CDB byte 1 bits 3..0). */
export const DiscStructureMediaType = {
  DVD: 0x0,
  BD: 0x1,
} as const;

/** FORMAT CODE values for DVD media (media type 0), MMC-6 6.23.3. */
export const DiscStructureFormat = {
  PHYSICAL_FORMAT_INFORMATION: 0x00,
  COPYRIGHT_INFORMATION: 0x01,
  DISC_KEY: 0x02,
  BCA: 0x03,
  DISC_MANUFACTURING_INFORMATION: 0x04,
  COPYRIGHT_MANAGEMENT_INFORMATION: 0x05,
  MEDIA_IDENTIFIER: 0x06,
  MEDIA_KEY_BLOCK: 0x07,
  DVD_RAM_DDS: 0x08,
  DVD_RAM_MEDIUM_STATUS: 0x09,
  DVD_RAM_SPARE_AREA_INFORMATION: 0x0a,
  DVD_RAM_RECORDING_TYPE_INFORMATION: 0x0b,
  RMD_IN_LAST_BORDER_OUT: 0x0c,
  RECORDING_MANAGEMENT_AREA_DATA: 0x0d,
  PRE_RECORDED_INFORMATION_IN_LEAD_IN: 0x0e,
  UNIQUE_DISC_IDENTIFIER: 0x0f,
  PHYSICAL_FORMAT_INFORMATION_OF_CONTROL_DATA_ZONE: 0x10,
  ADIP_INFORMATION: 0x11,
  LAYER_BOUNDARY_INFORMATION: 0x20,
  SHIFTED_MIDDLE_AREA_START_ADDRESS: 0x21,
  JUMP_INTERVAL_SIZE: 0x22,
  MANUAL_LAYER_JUMP_ADDRESS_INFORMATION: 0x23,
  REMAPPING_ADDRESS_INFORMATION: 0x24,
  DISC_CONTROL_BLOCK: 0x30,
  WRITE_PROTECTION_STATUS: 0xc0,
  DISC_STRUCTURE_LIST: 0xff,
} as const;

/** BOOK TYPE values of the physical format information. */
export const BookType = {
  DVD_ROM: 0x0,
  DVD_RAM: 0x1,
  DVD_R: 0x2,
  DVD_RW: 0x3,
  HD_DVD_ROM: 0x4,
  HD_DVD_RAM: 0x5,
  HD_DVD_R: 0x6,
  DVD_PLUS_RW: 0x9,
  DVD_PLUS_R: 0xa,
  DVD_PLUS_RW_DL: 0xd,
  DVD_PLUS_R_DL: 0xe,
} as const;

export const DISC_STRUCTURE_HEADER_LENGTH = 4;
/** A DVD layer descriptor (formats 00h, 04h and 10h carry 2048 bytes). */
export const DVD_LAYER_DESCRIPTOR_LENGTH = 2048;

export interface ReadDiscStructureCdb {
  readonly mediaType: number;
  readonly address: number;
  readonly layerNumber: number;
  readonly formatCode: number;
  readonly allocationLength: number;
  readonly agid: number;
}

export type ReadDiscStructureOptions = Pick<ReadDiscStructureCdb, 'formatCode'> &
  Partial<Omit<ReadDiscStructureCdb, 'formatCode'>>;

/**
 * The allocation length a request uses when none is given: the full reply for the fixed-size
 * formats 00h and 04h (4 + 2048), the largest list for FFh, else the 4-byte header alone (read the
 * header, then re-issue with readDiscStructureFullLength()).
 */
export function defaultDiscStructureAllocationLength(formatCode: number): number {
  switch (formatCode) {
    case DiscStructureFormat.PHYSICAL_FORMAT_INFORMATION:
    case DiscStructureFormat.DISC_MANUFACTURING_INFORMATION:
      return DISC_STRUCTURE_HEADER_LENGTH + DVD_LAYER_DESCRIPTOR_LENGTH;
    case DiscStructureFormat.DISC_STRUCTURE_LIST:
      return DISC_STRUCTURE_HEADER_LENGTH + 4 * 256;
    default:
      return DISC_STRUCTURE_HEADER_LENGTH;
  }
}

// byte 0      OPERATION CODE (ADh)
// byte 1      bits 3..0 MEDIA TYPE
// bytes 2..5  ADDRESS
// byte 6      LAYER NUMBER
// byte 7      FORMAT CODE
// bytes 8..9  ALLOCATION LENGTH
// byte 10     bits 7..6 AGID
// byte 11     CONTROL
export function encodeReadDiscStructureCdb(o: ReadDiscStructureOptions): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.READ_DISC_STRUCTURE);
  w.bits(1, 0, 0x0f, o.mediaType ?? DiscStructureMediaType.DVD, 'MEDIA TYPE');
  w.u32(2, o.address ?? 0, 'ADDRESS');
  w.u8(6, o.layerNumber ?? 0, 'LAYER NUMBER');
  w.u8(7, o.formatCode, 'FORMAT CODE');
  w.u16(
    8,
    o.allocationLength ?? defaultDiscStructureAllocationLength(o.formatCode),
    'ALLOCATION LENGTH',
  );
  w.bits(10, 6, 0x03, o.agid ?? 0, 'AGID');
  return w.bytes;
}

export function decodeReadDiscStructureCdb(cdb: Uint8Array): ReadDiscStructureCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'READ DISC STRUCTURE CDB');
  if (r.u8(0) !== Opcode.READ_DISC_STRUCTURE) {
    throw new MalformedDataError('not a READ DISC STRUCTURE CDB');
  }
  return {
    mediaType: r.bits(1, 0, 0x0f),
    address: r.u32(2),
    layerNumber: r.u8(6),
    formatCode: r.u8(7),
    allocationLength: r.u16(8),
    agid: r.bits(10, 6, 0x03),
  };
}

export function readDiscStructure(o: ReadDiscStructureOptions): ScsiCommand {
  const cdb = encodeReadDiscStructureCdb(o);
  return scsiCommand('READ DISC STRUCTURE', cdb, 'in', {
    allocationLength: o.allocationLength ?? defaultDiscStructureAllocationLength(o.formatCode),
  });
}

// --- the generic header ------------------------------------------------------------------------

/** Bytes the whole reply takes: 2 + DISC STRUCTURE DATA LENGTH (needs the first 2 bytes). */
export function readDiscStructureFullLength(bytes: Uint8Array): number {
  return 2 + new ByteReader(bytes).u16(0);
}

export interface DiscStructureReply {
  /** The bytes after the 4-byte header, up to 2 + DATA LENGTH or the end of what arrived. */
  readonly payload: Uint8Array;
  /** The reply ended before 2 + DATA LENGTH: re-issue with readDiscStructureFullLength(). */
  readonly truncated: boolean;
}

// bytes 0..1  DISC STRUCTURE DATA LENGTH (n − 2)
// bytes 2..3  reserved
// bytes 4..n  the format's payload
/** Header + payload; the same framing SEND DISC STRUCTURE's parameter list uses. */
export function encodeReadDiscStructureData(payload: Uint8Array): Uint8Array {
  const n = DISC_STRUCTURE_HEADER_LENGTH + payload.length;
  if (n - 2 > 0xffff)
    throw invalidArgument(`disc structure of ${payload.length} bytes is too long`);
  return new ByteWriter(n)
    .u16(0, n - 2, 'DISC STRUCTURE DATA LENGTH')
    .bytesAt(DISC_STRUCTURE_HEADER_LENGTH, payload).bytes;
}

/** Splits a reply into its payload (a copy), using the length field clamped to what arrived. */
export function decodeReadDiscStructureData(bytes: Uint8Array): DiscStructureReply {
  const r = new ByteReader(bytes);
  r.need(0, DISC_STRUCTURE_HEADER_LENGTH, 'disc structure header');
  const full = 2 + r.u16(0);
  if (full < DISC_STRUCTURE_HEADER_LENGTH) {
    throw new MalformedDataError(`disc structure data length ${full - 2} is below 2`);
  }
  const end = Math.min(bytes.length, full);
  return {
    payload: r.slice(DISC_STRUCTURE_HEADER_LENGTH, end - DISC_STRUCTURE_HEADER_LENGTH),
    truncated: bytes.length < full,
  };
}

// --- format 00h: physical format information ---------------------------------------------------

/** The DVD/HD DVD layer descriptor of format 00h (media type 0). */
export interface PhysicalFormatInformation {
  /** BOOK TYPE (BookType). */
  readonly bookType: number;
  readonly partVersion: number;
  /** DISC SIZE: 0 = 120 mm, 1 = 80 mm. */
  readonly discSize: number;
  /** MAXIMUM RATE: 0 = 2.52, 1 = 5.04, 2 = 10.08, 3 = 20.16, 4 = 30.24 Mbit/s, Fh = unspecified. */
  readonly maximumRate: number;
  /** The layer count, 1..4 (the NUMBER OF LAYERS field holds count − 1). */
  readonly numberOfLayers: number;
  /** TRACK PATH: 0 = parallel (PTP), 1 = opposite (OTP). */
  readonly trackPath: number;
  /** LAYER TYPE bits: 0 embossed, 1 recordable, 2 rewritable. */
  readonly layerType: number;
  readonly linearDensity: number;
  readonly trackDensity: number;
  /** STARTING PHYSICAL SECTOR NUMBER OF DATA AREA (030000h on a 120 mm DVD). */
  readonly startPhysicalSectorNumber: number;
  /** END PHYSICAL SECTOR NUMBER OF DATA AREA. */
  readonly endPhysicalSectorNumber: number;
  /** END SECTOR NUMBER IN LAYER 0 (dual layer OTP discs). */
  readonly endSectorNumberInLayer0: number;
  /** BCA flag: a burst cutting area exists. */
  readonly bca: boolean;
  /** Bytes 17.. (media specific), as present: up to 2031 bytes. */
  readonly mediaSpecific: Uint8Array;
}

/** Bytes a layer descriptor needs before its media-specific part. */
const PFI_FIXED_PART = 17;

// byte 0        bits 7..4 BOOK TYPE, bits 3..0 PART VERSION
// byte 1        bits 7..4 DISC SIZE, bits 3..0 MAXIMUM RATE
// byte 2        bits 6..5 NUMBER OF LAYERS (count − 1), bit 4 TRACK PATH, bits 3..0 LAYER TYPE
// byte 3        bits 7..4 LINEAR DENSITY, bits 3..0 TRACK DENSITY
// bytes 4..7    00h, STARTING PHYSICAL SECTOR NUMBER OF DATA AREA (24 bits)
// bytes 8..11   00h, END PHYSICAL SECTOR NUMBER OF DATA AREA (24 bits)
// bytes 12..15  00h, END SECTOR NUMBER IN LAYER 0 (24 bits)
// byte 16       bit 7 BCA flag
// bytes 17..2047 media specific
/** The 2048-byte layer descriptor (the payload, without the 4-byte header). */
export function encodePhysicalFormatInformation(p: PhysicalFormatInformation): Uint8Array {
  if (p.mediaSpecific.length > DVD_LAYER_DESCRIPTOR_LENGTH - PFI_FIXED_PART) {
    throw invalidArgument('media specific part longer than 2031 bytes');
  }
  const w = new ByteWriter(DVD_LAYER_DESCRIPTOR_LENGTH);
  w.bits(0, 4, 0x0f, p.bookType, 'BOOK TYPE');
  w.bits(0, 0, 0x0f, p.partVersion, 'PART VERSION');
  w.bits(1, 4, 0x0f, p.discSize, 'DISC SIZE');
  w.bits(1, 0, 0x0f, p.maximumRate, 'MAXIMUM RATE');
  if (!Number.isInteger(p.numberOfLayers) || p.numberOfLayers < 1 || p.numberOfLayers > 4) {
    throw invalidArgument(`numberOfLayers must be 1..4, got ${String(p.numberOfLayers)}`);
  }
  w.bits(2, 5, 0x03, p.numberOfLayers - 1, 'NUMBER OF LAYERS');
  w.bits(2, 4, 0x01, p.trackPath, 'TRACK PATH');
  w.bits(2, 0, 0x0f, p.layerType, 'LAYER TYPE');
  w.bits(3, 4, 0x0f, p.linearDensity, 'LINEAR DENSITY');
  w.bits(3, 0, 0x0f, p.trackDensity, 'TRACK DENSITY');
  w.u24(5, p.startPhysicalSectorNumber, 'STARTING PHYSICAL SECTOR NUMBER OF DATA AREA');
  w.u24(9, p.endPhysicalSectorNumber, 'END PHYSICAL SECTOR NUMBER OF DATA AREA');
  w.u24(13, p.endSectorNumberInLayer0, 'END SECTOR NUMBER IN LAYER 0');
  w.flag(16, 7, p.bca); // BCA flag
  w.bytesAt(PFI_FIXED_PART, p.mediaSpecific, 'media specific');
  return w.bytes;
}

/** Decodes a format 00h payload (DVD layer descriptor); needs at least its first 17 bytes. */
export function decodePhysicalFormatInformation(payload: Uint8Array): PhysicalFormatInformation {
  const r = new ByteReader(payload);
  r.need(0, PFI_FIXED_PART, 'physical format information');
  const end = Math.min(payload.length, DVD_LAYER_DESCRIPTOR_LENGTH);
  return {
    bookType: r.bits(0, 4, 0x0f),
    partVersion: r.bits(0, 0, 0x0f),
    discSize: r.bits(1, 4, 0x0f),
    maximumRate: r.bits(1, 0, 0x0f),
    numberOfLayers: r.bits(2, 5, 0x03) + 1,
    trackPath: r.bits(2, 4, 0x01),
    layerType: r.bits(2, 0, 0x0f),
    linearDensity: r.bits(3, 4, 0x0f),
    trackDensity: r.bits(3, 0, 0x0f),
    startPhysicalSectorNumber: r.u24(5),
    endPhysicalSectorNumber: r.u24(9),
    endSectorNumberInLayer0: r.u24(13),
    bca: r.bit(16, 7),
    mediaSpecific: r.slice(PFI_FIXED_PART, end - PFI_FIXED_PART),
  };
}

// --- format 04h: disc manufacturing information ------------------------------------------------

/** Format 04h payload: 2048 bytes of manufacturer data, returned as a copy (at most 2048 bytes). */
export function decodeDiscManufacturingInformation(payload: Uint8Array): Uint8Array {
  return payload.slice(0, DVD_LAYER_DESCRIPTOR_LENGTH);
}

// --- format FFh: disc structure list -----------------------------------------------------------

export interface DiscStructureListEntry {
  readonly formatCode: number;
  /** SDS: the format can be sent with SEND DISC STRUCTURE. */
  readonly sds: boolean;
  /** RDS: the format can be read with READ DISC STRUCTURE. */
  readonly rds: boolean;
  /** STRUCTURE LENGTH: the format's reply length (header included) or 0 when it varies. */
  readonly structureLength: number;
}

// entry i at 4i: byte 0 FORMAT CODE, byte 1 bit 7 SDS, bit 6 RDS, bytes 2..3 STRUCTURE LENGTH
export function encodeDiscStructureList(entries: readonly DiscStructureListEntry[]): Uint8Array {
  const w = new ByteWriter(4 * entries.length);
  entries.forEach((e, i) => {
    w.u8(4 * i, e.formatCode, 'FORMAT CODE');
    w.flag(4 * i + 1, 7, e.sds); // SDS
    w.flag(4 * i + 1, 6, e.rds); // RDS
    w.u16(4 * i + 2, e.structureLength, 'STRUCTURE LENGTH');
  });
  return w.bytes;
}

/** Decodes a format FFh payload; a trailing partial entry is dropped. */
export function decodeDiscStructureList(payload: Uint8Array): DiscStructureListEntry[] {
  const r = new ByteReader(payload);
  const entries: DiscStructureListEntry[] = [];
  for (let at = 0; at + 4 <= payload.length; at += 4) {
    entries.push({
      formatCode: r.u8(at),
      sds: r.bit(at + 1, 7),
      rds: r.bit(at + 1, 6),
      structureLength: r.u16(at + 2),
    });
  }
  return entries;
}
