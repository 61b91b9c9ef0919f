// READ DISC INFORMATION (MMC-6 6.22), data type 000b: the Standard Disc Information block. Pure
// codec: the CDB and the response data, no I/O. Disc status, session state and the addresses a
// burn needs (lead-in of the last session, last possible lead-out) come from here.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import { lbaToMsf, msfToLba } from './msf.js';

/** Data Type field of the CDB (MMC-6 Table 314). Only STANDARD is decoded here. */
export const DiscInformationDataType = {
  STANDARD: 0b000,
  TRACK_RESOURCES: 0b001,
  POW_RESOURCES: 0b010,
} as const;

/** Disc Status (byte 2 bits 1..0). */
export const DiscStatus = {
  EMPTY: 0b00,
  /** Incomplete disc: appendable. */
  INCOMPLETE: 0b01,
  /** Complete disc: not appendable (finalized). */
  COMPLETE: 0b10,
  /** Others: e.g. randomly writable media, which have no appendable state. */
  OTHERS: 0b11,
} as const;
export type DiscStatus = (typeof DiscStatus)[keyof typeof DiscStatus];

/** State of Last Session (byte 2 bits 3..2). */
export const LastSessionState = {
  EMPTY: 0b00,
  INCOMPLETE: 0b01,
  /** Reserved/Damaged session. */
  DAMAGED: 0b10,
  COMPLETE: 0b11,
} as const;
export type LastSessionState = (typeof LastSessionState)[keyof typeof LastSessionState];

/** BG Format Status (byte 7 bits 1..0): background formatting of DVD+RW, MRW, BD-RE. */
export const BgFormatStatus = {
  /** Not formatted, or not a background-formattable medium. */
  NONE: 0b00,
  /** Started but stopped before it completed. */
  INCOMPLETE: 0b01,
  IN_PROGRESS: 0b10,
  COMPLETE: 0b11,
} as const;
export type BgFormatStatus = (typeof BgFormatStatus)[keyof typeof BgFormatStatus];

/** Disc Type (byte 8), from the CD TOC; other values are reserved. */
export const DiscType = {
  CD_DA_OR_CD_ROM: 0x00,
  CD_I: 0x10,
  CD_ROM_XA: 0x20,
  UNDEFINED: 0xff,
} as const;

/** Bytes of the standard block before the OPC table entries. */
export const STANDARD_DISC_INFORMATION_LENGTH = 34;
/** One OPC table entry. */
const OPC_ENTRY_LENGTH = 8;
/** The longest standard block: 255 OPC entries. A sensible allocation length. */
export const MAX_STANDARD_DISC_INFORMATION_LENGTH =
  STANDARD_DISC_INFORMATION_LENGTH + 255 * OPC_ENTRY_LENGTH;

export interface ReadDiscInformationCdb {
  /** Data Type, 0..7 (DiscInformationDataType). */
  readonly dataType: number;
  /** Allocation Length, 0..65535. */
  readonly allocationLength: number;
}

export interface ReadDiscInformationOptions {
  /** Default DiscInformationDataType.STANDARD. */
  readonly dataType?: number;
  /** Default MAX_STANDARD_DISC_INFORMATION_LENGTH. */
  readonly allocationLength?: number;
}

// byte 0      OPERATION CODE (51h)
// byte 1      bits 2..0 Data Type
// bytes 2..6  Reserved
// bytes 7..8  Allocation Length
// byte 9      CONTROL
export function encodeReadDiscInformationCdb(o: ReadDiscInformationOptions = {}): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_DISC_INFORMATION);
  w.bits(1, 0, 0x07, o.dataType ?? DiscInformationDataType.STANDARD, 'Data Type');
  w.u16(7, o.allocationLength ?? MAX_STANDARD_DISC_INFORMATION_LENGTH, 'Allocation Length');
  return w.bytes;
}

export function decodeReadDiscInformationCdb(cdb: Uint8Array): ReadDiscInformationCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ DISC INFORMATION CDB');
  if (r.u8(0) !== Opcode.READ_DISC_INFORMATION) {
    throw new MalformedDataError('not a READ DISC INFORMATION CDB');
  }
  return { dataType: r.bits(1, 0, 0x07), allocationLength: r.u16(7) };
}

/** READ DISC INFORMATION (standard disc information unless `dataType` says otherwise). */
export function readDiscInformation(o: ReadDiscInformationOptions = {}): ScsiCommand {
  const cdb = encodeReadDiscInformationCdb(o);
  return scsiCommand('READ DISC INFORMATION', cdb, 'in', {
    allocationLength: o.allocationLength ?? MAX_STANDARD_DISC_INFORMATION_LENGTH,
  });
}

/** One OPC table entry: a speed and the drive's 6 bytes of OPC values for it. */
export interface OpcTableEntry {
  /** Speed, in kBytes per second (1000 bytes). */
  readonly speedKBps: number;
  /** OPC Values, 6 bytes, drive specific. */
  readonly opcValues: Uint8Array;
}

/** Standard Disc Information (data type 000b). */
export interface DiscInformation {
  readonly erasable: boolean;
  readonly stateOfLastSession: LastSessionState;
  readonly discStatus: DiscStatus;
  /** Number of First Track on Disc. */
  readonly numberOfFirstTrackOnDisc: number;
  /** Number of Sessions (LSB byte 4 + MSB byte 9); includes an empty or incomplete last one. */
  readonly numberOfSessions: number;
  /** First Track Number in Last Session (LSB byte 5 + MSB byte 10). */
  readonly firstTrackNumberInLastSession: number;
  /** Last Track Number in Last Session (LSB byte 6 + MSB byte 11). */
  readonly lastTrackNumberInLastSession: number;
  /** DID_V: discIdentification is valid. */
  readonly didV: boolean;
  /** DBC_V: discBarCode is valid. */
  readonly dbcV: boolean;
  /** URU: unrestricted use disc. */
  readonly uru: boolean;
  /** DAC_V: discApplicationCode is valid. */
  readonly dacV: boolean;
  /** Dbit: MRW dirty bit. */
  readonly dbit: boolean;
  readonly bgFormatStatus: BgFormatStatus;
  /** Disc Type (DiscType). */
  readonly discType: number;
  /** Disc Identification (unsigned 32-bit). */
  readonly discIdentification: number;
  /**
   * Last Session Lead-in Start Address as an LBA; on CD the drive reports it as MSF (decode with
   * `msf: true`), so a blank CD-R gives a negative LBA (97:26:66 = -11634). `null` when the field
   * is FFFFFFFFh (MSF FF:FF:FF): not applicable, e.g. on a complete disc.
   */
  readonly lastSessionLeadInStartAddress: number | null;
  /** Last Possible Lead-out Start Address as an LBA (MSF on CD), `null` when FFFFFFFFh. */
  readonly lastPossibleLeadOutStartAddress: number | null;
  /** Disc Bar Code, 8 bytes. */
  readonly discBarCode: Uint8Array;
  readonly discApplicationCode: number;
  /** Number of OPC Tables as reported; more than opcTableEntries when the reply was cut short. */
  readonly numberOfOpcTables: number;
  /** The OPC table entries present in the reply. */
  readonly opcTableEntries: readonly OpcTableEntry[];
}

export interface DiscInformationAddressFormat {
  /**
   * The two address fields are MSF (CD media: MMC-6 says MSF for CD, LBA otherwise). The reply
   * does not say which; the caller knows from the current profile. Default false.
   */
  readonly msf?: boolean;
}

/**
 * Total bytes of the disc information the drive has (2 + Disc Information Length), from a reply
 * of at least 2 bytes. Re-issue with this allocation length to get all OPC entries.
 */
export function readDiscInformationDataLength(bytes: Uint8Array): number {
  return 2 + new ByteReader(bytes).u16(0);
}

const NOT_APPLICABLE = 0xffffffff;

function readLeadAddress(r: ByteReader, at: number, msf: boolean): number | null {
  if (msf) {
    // FF:FF:FF is the MSF spelling of "not applicable" whatever byte 0 holds.
    if (r.u8(at + 1) === 0xff && r.u8(at + 2) === 0xff && r.u8(at + 3) === 0xff) return null;
    return msfToLba({ m: r.u8(at + 1), s: r.u8(at + 2), f: r.u8(at + 3) });
  }
  if (r.u32(at) === NOT_APPLICABLE) return null;
  return r.i32(at);
}

export function decodeReadDiscInformationData(
  bytes: Uint8Array,
  o: DiscInformationAddressFormat = {},
): DiscInformation {
  const msf = o.msf ?? false;
  const r = new ByteReader(bytes);
  const declared = 2 + r.u16(0);
  if (declared < STANDARD_DISC_INFORMATION_LENGTH) {
    throw new MalformedDataError(
      `Disc Information Length ${declared - 2} is shorter than the standard block`,
    );
  }
  // Drives pad the reply to the allocation length (tgt with uninitialised memory) or cut it to
  // it: believe the length field, but only as far as the bytes go.
  const end = Math.min(declared, bytes.length);
  r.need(0, STANDARD_DISC_INFORMATION_LENGTH, 'standard disc information');
  const dataType = r.bits(2, 5, 0x07);
  if (dataType !== DiscInformationDataType.STANDARD) {
    throw new MalformedDataError(`disc information data type ${dataType} is not standard (000b)`);
  }
  const numberOfOpcTables = r.u8(33);
  const present = Math.floor((end - STANDARD_DISC_INFORMATION_LENGTH) / OPC_ENTRY_LENGTH);
  const opcTableEntries: OpcTableEntry[] = [];
  for (let i = 0; i < Math.min(numberOfOpcTables, present); i++) {
    const at = STANDARD_DISC_INFORMATION_LENGTH + i * OPC_ENTRY_LENGTH;
    opcTableEntries.push({ speedKBps: r.u16(at), opcValues: r.slice(at + 2, 6) });
  }
  return {
    erasable: r.bit(2, 4),
    stateOfLastSession: r.bits(2, 2, 0x03) as LastSessionState,
    discStatus: r.bits(2, 0, 0x03) as DiscStatus,
    numberOfFirstTrackOnDisc: r.u8(3),
    numberOfSessions: (r.u8(9) << 8) | r.u8(4),
    firstTrackNumberInLastSession: (r.u8(10) << 8) | r.u8(5),
    lastTrackNumberInLastSession: (r.u8(11) << 8) | r.u8(6),
    didV: r.bit(7, 7),
    dbcV: r.bit(7, 6),
    uru: r.bit(7, 5),
    dacV: r.bit(7, 4),
    dbit: r.bit(7, 2),
    bgFormatStatus: r.bits(7, 0, 0x03) as BgFormatStatus,
    discType: r.u8(8),
    discIdentification: r.u32(12),
    lastSessionLeadInStartAddress: readLeadAddress(r, 16, msf),
    lastPossibleLeadOutStartAddress: readLeadAddress(r, 20, msf),
    discBarCode: r.slice(24, 8),
    discApplicationCode: r.u8(32),
    numberOfOpcTables,
    opcTableEntries,
  };
}

function writeLeadAddress(
  w: ByteWriter,
  at: number,
  lba: number | null,
  msf: boolean,
  what: string,
): void {
  if (lba === null) {
    w.u32(at, NOT_APPLICABLE, what);
  } else if (msf) {
    const a = lbaToMsf(lba);
    w.u8(at + 1, a.m, what)
      .u8(at + 2, a.s, what)
      .u8(at + 3, a.f, what);
  } else {
    // -1 would be written as FFFFFFFFh, which reads back as "not applicable".
    if (lba === -1) throw invalidArgument(`${what} -1 collides with FFFFFFFFh; use null`);
    w.i32(at, lba, what);
  }
}

// byte 0..1    Disc Information Length (bytes that follow: 32 + 8 × OPC entries)
// byte 2       bits 7..5 Disc Information Data Type (000b), bit 4 Erasable,
//              bits 3..2 State of Last Session, bits 1..0 Disc Status
// byte 3       Number of First Track on Disc
// byte 4       Number of Sessions (LSB)
// byte 5       First Track Number in Last Session (LSB)
// byte 6       Last Track Number in Last Session (LSB)
// byte 7       bit 7 DID_V, bit 6 DBC_V, bit 5 URU, bit 4 DAC_V, bit 2 Dbit,
//              bits 1..0 BG Format Status
// byte 8       Disc Type
// byte 9       Number of Sessions (MSB)
// byte 10      First Track Number in Last Session (MSB)
// byte 11      Last Track Number in Last Session (MSB)
// bytes 12..15 Disc Identification
// bytes 16..19 Last Session Lead-in Start Address (LBA, or on CD: 0, M, S, F)
// bytes 20..23 Last Possible Lead-out Start Address (LBA, or on CD: 0, M, S, F)
// bytes 24..31 Disc Bar Code
// byte 32      Disc Application Code
// byte 33      Number of OPC Tables
// bytes 34..   OPC Table Entries, 8 bytes each: bytes 0..1 Speed (kBytes/s), 2..7 OPC Values
export function encodeReadDiscInformationData(
  d: DiscInformation,
  o: DiscInformationAddressFormat = {},
): Uint8Array {
  const msf = o.msf ?? false;
  const n = d.opcTableEntries.length;
  if (n > 255) throw invalidArgument(`${n} OPC table entries do not fit (at most 255)`);
  const w = new ByteWriter(STANDARD_DISC_INFORMATION_LENGTH + n * OPC_ENTRY_LENGTH);
  w.u16(0, w.bytes.length - 2, 'Disc Information Length');
  w.flag(2, 4, d.erasable); // Erasable
  w.bits(2, 2, 0x03, d.stateOfLastSession, 'State of Last Session');
  w.bits(2, 0, 0x03, d.discStatus, 'Disc Status');
  w.u8(3, d.numberOfFirstTrackOnDisc, 'Number of First Track on Disc');
  const split = (at: number, atMsb: number, v: number, what: string) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw invalidArgument(`${what} must be an integer in 0..65535, got ${String(v)}`);
    }
    w.u8(at, v & 0xff, what).u8(atMsb, v >>> 8, what);
  };
  split(4, 9, d.numberOfSessions, 'Number of Sessions');
  split(5, 10, d.firstTrackNumberInLastSession, 'First Track Number in Last Session');
  split(6, 11, d.lastTrackNumberInLastSession, 'Last Track Number in Last Session');
  w.flag(7, 7, d.didV); // DID_V
  w.flag(7, 6, d.dbcV); // DBC_V
  w.flag(7, 5, d.uru); // URU
  w.flag(7, 4, d.dacV); // DAC_V
  w.flag(7, 2, d.dbit); // Dbit
  w.bits(7, 0, 0x03, d.bgFormatStatus, 'BG Format Status');
  w.u8(8, d.discType, 'Disc Type');
  w.u32(12, d.discIdentification, 'Disc Identification');
  writeLeadAddress(w, 16, d.lastSessionLeadInStartAddress, msf, 'Last Session Lead-in Start');
  writeLeadAddress(w, 20, d.lastPossibleLeadOutStartAddress, msf, 'Last Possible Lead-out Start');
  if (d.discBarCode.length !== 8) throw invalidArgument('Disc Bar Code must be 8 bytes');
  w.bytesAt(24, d.discBarCode, 'Disc Bar Code');
  w.u8(32, d.discApplicationCode, 'Disc Application Code');
  w.u8(33, d.numberOfOpcTables, 'Number of OPC Tables');
  d.opcTableEntries.forEach((e, i) => {
    const at = STANDARD_DISC_INFORMATION_LENGTH + i * OPC_ENTRY_LENGTH;
    w.u16(at, e.speedKBps, 'OPC Speed');
    if (e.opcValues.length !== 6) throw invalidArgument('OPC Values must be 6 bytes');
    w.bytesAt(at + 2, e.opcValues, 'OPC Values');
  });
  return w.bytes;
}
