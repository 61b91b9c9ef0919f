// INQUIRY (SPC-4, MMC-6). Pure codec: the CDB, the standard INQUIRY data and its encoder for the
// virtual drive. Vital product data pages (EVPD = 1) can be requested with the same CDB; their
// contents are not decoded here.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';

export interface InquiryCdb {
  /** Return the vital product data page `pageCode` instead of the standard data (EVPD). */
  readonly evpd: boolean;
  /** VPD page code; must be 0 when `evpd` is false. */
  readonly pageCode: number;
  /** Bytes, 0..65535. */
  readonly allocationLength: number;
}

export type InquiryOptions = Partial<InquiryCdb>;

/**
 * Default allocation length: the 36-byte standard part. Some USB bridges misbehave when asked for
 * any other length, which is why operating systems probe with 36 first.
 */
export const INQUIRY_ALLOCATION_LENGTH = 36;

/** PERIPHERAL QUALIFIER values (SPC-4). */
export const PeripheralQualifier = {
  CONNECTED: 0,
  NOT_CONNECTED: 1,
  NOT_SUPPORTED: 3,
} as const;

/** PERIPHERAL DEVICE TYPE values (SPC-4), the ones a disc tool may meet. */
export const PeripheralDeviceType = {
  SBC: 0x00,
  SSC: 0x01,
  WORM: 0x04,
  MMC: 0x05,
  OPTICAL_MEMORY: 0x07,
  SMC: 0x08,
  SCC: 0x0c,
  SES: 0x0d,
  RBC: 0x0e,
  WELL_KNOWN_LU: 0x1e,
  UNKNOWN: 0x1f,
} as const;

/** The standard INQUIRY data (SPC-4). Field names follow the standard's. */
export interface InquiryData {
  readonly peripheralQualifier: number;
  readonly peripheralDeviceType: number;
  /** Removable medium (RMB). */
  readonly rmb: boolean;
  /** LU_CONG: the logical unit is a member of a conglomerate. */
  readonly luCong: boolean;
  /** VERSION: the SPC revision claimed (0 = none, 5 = SPC-3, 6 = SPC-4). */
  readonly version: number;
  readonly normAca: boolean;
  readonly hiSup: boolean;
  /** RESPONSE DATA FORMAT; 2 for every current device. */
  readonly responseDataFormat: number;
  /** ADDITIONAL LENGTH: bytes after byte 4 the device says it has. */
  readonly additionalLength: number;
  readonly sccs: boolean;
  readonly acc: boolean;
  /** TPGS, 0..3. */
  readonly tpgs: number;
  /** 3PC: third-party copy supported. */
  readonly threePc: boolean;
  readonly protect: boolean;
  readonly encServ: boolean;
  readonly multiP: boolean;
  readonly cmdQue: boolean;
  /** T10 VENDOR IDENTIFICATION (bytes 8..15), trailing spaces trimmed. */
  readonly vendorIdentification: string;
  /** PRODUCT IDENTIFICATION (bytes 16..31), trailing spaces trimmed. */
  readonly productIdentification: string;
  /** PRODUCT REVISION LEVEL (bytes 32..35), trailing spaces trimmed. */
  readonly productRevisionLevel: string;
  /** VERSION DESCRIPTORs 1..8 (bytes 58..73) that are present and non-zero, in order. */
  readonly versionDescriptors: readonly number[];
}

/** What the encoder needs: identification strings and the device type; the rest defaults. */
export type InquiryDataInit = Pick<
  InquiryData,
  'peripheralDeviceType' | 'vendorIdentification' | 'productIdentification' | 'productRevisionLevel'
> &
  Partial<Omit<InquiryData, 'additionalLength'>>;

const STANDARD_LENGTH = 36;
const FULL_LENGTH = 96;
const VERSION_DESCRIPTORS_AT = 58;
const VERSION_DESCRIPTOR_COUNT = 8;

// byte 0      OPERATION CODE (12h)
// byte 1      bit 0 EVPD (bit 1 CMDDT is obsolete and left zero)
// byte 2      PAGE CODE
// bytes 3..4  ALLOCATION LENGTH
// byte 5      CONTROL
export function encodeInquiryCdb(o: InquiryOptions = {}): Uint8Array {
  const pageCode = o.pageCode ?? 0;
  // A device terminates EVPD = 0 with a non-zero page code as an invalid field (SPC-4).
  if (o.evpd !== true && pageCode !== 0) {
    throw invalidArgument('INQUIRY PAGE CODE must be 0 unless EVPD is set');
  }
  const w = new ByteWriter(6);
  w.u8(0, Opcode.INQUIRY);
  w.flag(1, 0, o.evpd); // EVPD
  w.u8(2, pageCode, 'PAGE CODE');
  w.u16(3, o.allocationLength ?? INQUIRY_ALLOCATION_LENGTH, 'ALLOCATION LENGTH');
  return w.bytes;
}

export function decodeInquiryCdb(cdb: Uint8Array): InquiryCdb {
  const r = new ByteReader(cdb);
  r.need(0, 6, 'INQUIRY CDB');
  if (r.u8(0) !== Opcode.INQUIRY) throw new MalformedDataError('not an INQUIRY CDB');
  return { evpd: r.bit(1, 0), pageCode: r.u8(2), allocationLength: r.u16(3) };
}

/** Total length of the INQUIRY data from its first 5 bytes, to re-issue with enough room. */
export function inquiryDataLength(bytes: Uint8Array): number {
  return new ByteReader(bytes).u8(4) + 5;
}

/**
 * Decodes standard INQUIRY data. Needs the 36-byte standard part; fields after it (the version
 * descriptors) are read only where both the ADDITIONAL LENGTH and the bytes present cover them.
 */
export function decodeInquiryData(bytes: Uint8Array): InquiryData {
  const r = new ByteReader(bytes);
  r.need(0, STANDARD_LENGTH, 'standard INQUIRY data');
  const additionalLength = r.u8(4);
  // Devices that under-report ADDITIONAL LENGTH (below 31) still send the 36-byte standard part,
  // so the structure is taken to be at least 36 bytes long, as operating systems do.
  const end = Math.min(bytes.length, Math.max(STANDARD_LENGTH, additionalLength + 5));
  const versionDescriptors: number[] = [];
  for (let i = 0; i < VERSION_DESCRIPTOR_COUNT; i++) {
    const at = VERSION_DESCRIPTORS_AT + 2 * i;
    if (at + 2 > end) break;
    const d = r.u16(at);
    if (d !== 0) versionDescriptors.push(d);
  }
  return {
    peripheralQualifier: r.bits(0, 5, 0x07),
    peripheralDeviceType: r.bits(0, 0, 0x1f),
    rmb: r.bit(1, 7),
    luCong: r.bit(1, 6),
    version: r.u8(2),
    normAca: r.bit(3, 5),
    hiSup: r.bit(3, 4),
    responseDataFormat: r.bits(3, 0, 0x0f),
    additionalLength,
    sccs: r.bit(5, 7),
    acc: r.bit(5, 6),
    tpgs: r.bits(5, 4, 0x03),
    threePc: r.bit(5, 3),
    protect: r.bit(5, 0),
    encServ: r.bit(6, 6),
    multiP: r.bit(6, 4),
    cmdQue: r.bit(7, 1),
    vendorIdentification: r.ascii(8, 8),
    productIdentification: r.ascii(16, 16),
    productRevisionLevel: r.ascii(32, 4),
    versionDescriptors,
  };
}

// byte 0        bits 7..5 PERIPHERAL QUALIFIER, bits 4..0 PERIPHERAL DEVICE TYPE
// byte 1        bit 7 RMB, bit 6 LU_CONG
// byte 2        VERSION
// byte 3        bit 5 NORMACA, bit 4 HISUP, bits 3..0 RESPONSE DATA FORMAT
// byte 4        ADDITIONAL LENGTH (n - 4)
// byte 5        bit 7 SCCS, bit 6 ACC, bits 5..4 TPGS, bit 3 3PC, bit 0 PROTECT
// byte 6        bit 6 ENCSERV, bit 4 MULTIP
// byte 7        bit 1 CMDQUE
// bytes 8..15   T10 VENDOR IDENTIFICATION (ASCII, space padded)
// bytes 16..31  PRODUCT IDENTIFICATION
// bytes 32..35  PRODUCT REVISION LEVEL
// bytes 36..57  Vendor specific / SPI fields (zero)
// bytes 58..73  VERSION DESCRIPTOR 1..8
// bytes 74..95  Reserved
/** 36 bytes, or 96 when version descriptors are given (the common length of real drives). */
export function encodeInquiryData(v: InquiryDataInit): Uint8Array {
  const descriptors = v.versionDescriptors ?? [];
  if (descriptors.length > VERSION_DESCRIPTOR_COUNT) {
    throw invalidArgument(`at most ${VERSION_DESCRIPTOR_COUNT} VERSION DESCRIPTORs fit`);
  }
  const w = new ByteWriter(descriptors.length > 0 ? FULL_LENGTH : STANDARD_LENGTH);
  w.bits(0, 5, 0x07, v.peripheralQualifier ?? 0, 'PERIPHERAL QUALIFIER');
  w.bits(0, 0, 0x1f, v.peripheralDeviceType, 'PERIPHERAL DEVICE TYPE');
  w.flag(1, 7, v.rmb); // RMB
  w.flag(1, 6, v.luCong); // LU_CONG
  w.u8(2, v.version ?? 0, 'VERSION');
  w.flag(3, 5, v.normAca); // NORMACA
  w.flag(3, 4, v.hiSup); // HISUP
  w.bits(3, 0, 0x0f, v.responseDataFormat ?? 2, 'RESPONSE DATA FORMAT');
  w.u8(4, w.bytes.length - 5, 'ADDITIONAL LENGTH');
  w.flag(5, 7, v.sccs); // SCCS
  w.flag(5, 6, v.acc); // ACC
  w.bits(5, 4, 0x03, v.tpgs ?? 0, 'TPGS');
  w.flag(5, 3, v.threePc); // 3PC
  w.flag(5, 0, v.protect); // PROTECT
  w.flag(6, 6, v.encServ); // ENCSERV
  w.flag(6, 4, v.multiP); // MULTIP
  w.flag(7, 1, v.cmdQue); // CMDQUE
  w.ascii(8, 8, v.vendorIdentification, 'T10 VENDOR IDENTIFICATION');
  w.ascii(16, 16, v.productIdentification, 'PRODUCT IDENTIFICATION');
  w.ascii(32, 4, v.productRevisionLevel, 'PRODUCT REVISION LEVEL');
  descriptors.forEach((d, i) => {
    // Zero marks an unused slot, so a zero descriptor could not be told apart from none.
    if (d === 0) throw invalidArgument('a VERSION DESCRIPTOR cannot be 0');
    w.u16(VERSION_DESCRIPTORS_AT + 2 * i, d, 'VERSION DESCRIPTOR');
  });
  return w.bytes;
}

/** INQUIRY for the standard data (default) or, with `evpd`, a vital product data page. */
export function inquiry(o: InquiryOptions = {}): ScsiCommand {
  return scsiCommand('INQUIRY', encodeInquiryCdb(o), 'in', {
    allocationLength: o.allocationLength ?? INQUIRY_ALLOCATION_LENGTH,
  });
}
