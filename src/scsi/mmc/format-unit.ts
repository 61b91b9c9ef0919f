// FORMAT UNIT (MMC-6 6.5). Pure codec: the 6-byte CDB and the parameter list the host sends (a
// format list header and one format descriptor), no I/O. The format type and its size come from
// READ FORMAT CAPACITIES. IMMED lives in the parameter list header, not in the CDB.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** Format Code (CDB byte 1 bits 2..0): MMC devices take 001b only. */
export const FORMAT_CODE_MMC = 0b001;

/** Format Type of a format descriptor (6 bits), as offered by READ FORMAT CAPACITIES. */
export const FormatType = {
  FULL_FORMAT: 0x00,
  /** DVD-RAM, BD-RE: grow the spare area. */
  SPARE_AREA_EXPANSION: 0x01,
  /** DVD-RAM zoned formats. */
  ZONE_REFORMAT: 0x04,
  ZONE_FORMAT: 0x05,
  CD_DVD_RW_FULL_FORMAT: 0x10,
  CD_DVD_RW_GROW_SESSION: 0x11,
  CD_DVD_RW_ADD_SESSION: 0x12,
  DVD_RW_QUICK_GROW_LAST_SESSION: 0x13,
  DVD_RW_QUICK_ADD_SESSION: 0x14,
  DVD_RW_QUICK: 0x15,
  MRW_FORMAT: 0x24,
  /** Background format of DVD+RW; Type Dependent Parameter bit 0 = Restart. */
  DVD_PLUS_RW_BASIC_FORMAT: 0x26,
  BD_RE_FULL_FORMAT_WITH_SPARE_AREAS: 0x30,
  BD_RE_FULL_FORMAT_WITHOUT_SPARE_AREAS: 0x31,
  BD_R_FULL_FORMAT_WITH_SPARE_AREAS: 0x32,
} as const;

export interface FormatUnitCdb {
  /** FmtData: a parameter list follows. */
  readonly fmtData: boolean;
  /** CmpList: replace the existing defect list. */
  readonly cmpList: boolean;
  /** Format Code (defect list format), 0..7; MMC requires 001b. */
  readonly formatCode: number;
}

// byte 0      OPERATION CODE (04h)
// byte 1      bit 4 FmtData, bit 3 CmpList, bits 2..0 Format Code
// byte 2      Vendor specific
// bytes 3..4  Obsolete (interleave)
// byte 5      CONTROL
export function encodeFormatUnitCdb(o: Partial<FormatUnitCdb> = {}): Uint8Array {
  const w = new ByteWriter(6);
  w.u8(0, Opcode.FORMAT_UNIT);
  w.flag(1, 4, o.fmtData); // FmtData
  w.flag(1, 3, o.cmpList); // CmpList
  w.bits(1, 0, 0x07, o.formatCode ?? FORMAT_CODE_MMC, 'Format Code');
  return w.bytes;
}

export function decodeFormatUnitCdb(cdb: Uint8Array): FormatUnitCdb {
  const r = new ByteReader(cdb);
  r.need(0, 6, 'FORMAT UNIT CDB');
  if (r.u8(0) !== Opcode.FORMAT_UNIT) throw new MalformedDataError('not a FORMAT UNIT CDB');
  return { fmtData: r.bit(1, 4), cmpList: r.bit(1, 3), formatCode: r.bits(1, 0, 0x07) };
}

/** Format Descriptor (the one MMC allows). */
export interface FormatDescriptor {
  /** Number of Blocks (unsigned 32-bit; FFFFFFFFh asks DVD+RW for the maximum). */
  readonly numberOfBlocks: number;
  /** Format Type, 0..63 (FormatType). */
  readonly formatType: number;
  /** Format Sub-type, 0..3 (BD: certification and spare handling). */
  readonly formatSubType: number;
  /** Type Dependent Parameter (24 bits). */
  readonly typeDependentParameter: number;
}

/** FORMAT UNIT parameter list: format list header flags and the format descriptor. */
export interface FormatUnitParameterList {
  /** FOV: the option bits below are valid. */
  readonly fov: boolean;
  /** DPRY: disable the primary defect list. */
  readonly dpry: boolean;
  /** DCRT: disable certification. */
  readonly dcrt: boolean;
  /** STPF: stop format on a defect list error. */
  readonly stpf: boolean;
  /** IP: an initialization pattern descriptor follows (not used by MMC devices). */
  readonly ip: boolean;
  /** Try-Out: check the parameters without formatting. */
  readonly tryOut: boolean;
  /** IMMED: return status before the format completes; poll for progress. */
  readonly immed: boolean;
  /** VS: vendor specific. */
  readonly vs: boolean;
  readonly formatDescriptor: FormatDescriptor;
}

export type FormatUnitDataOptions = Partial<Omit<FormatUnitParameterList, 'formatDescriptor'>> &
  Pick<FormatUnitParameterList, 'formatDescriptor'>;

const HEADER_LENGTH = 4;
const FORMAT_DESCRIPTOR_LENGTH = 8;
export const FORMAT_UNIT_PARAMETER_LIST_LENGTH = HEADER_LENGTH + FORMAT_DESCRIPTOR_LENGTH;

// Format list header:
//   byte 0       Reserved
//   byte 1       bit 7 FOV, bit 6 DPRY, bit 5 DCRT, bit 4 STPF, bit 3 IP, bit 2 Try-Out,
//                bit 1 IMMED, bit 0 VS
//   bytes 2..3   Format Descriptor Length (8)
// Format descriptor:
//   bytes 4..7   Number of Blocks
//   byte 8       bits 7..2 Format Type, bits 1..0 Format Sub-type
//   bytes 9..11  Type Dependent Parameter
export function encodeFormatUnitData(p: FormatUnitDataOptions): Uint8Array {
  const w = new ByteWriter(FORMAT_UNIT_PARAMETER_LIST_LENGTH);
  w.flag(1, 7, p.fov); // FOV
  w.flag(1, 6, p.dpry); // DPRY
  w.flag(1, 5, p.dcrt); // DCRT
  w.flag(1, 4, p.stpf); // STPF
  w.flag(1, 3, p.ip); // IP
  w.flag(1, 2, p.tryOut); // Try-Out
  w.flag(1, 1, p.immed); // IMMED
  w.flag(1, 0, p.vs); // VS
  w.u16(2, FORMAT_DESCRIPTOR_LENGTH, 'Format Descriptor Length');
  const d = p.formatDescriptor;
  w.u32(4, d.numberOfBlocks, 'Number of Blocks');
  w.bits(8, 2, 0x3f, d.formatType, 'Format Type');
  w.bits(8, 0, 0x03, d.formatSubType, 'Format Sub-type');
  w.u24(9, d.typeDependentParameter, 'Type Dependent Parameter');
  return w.bytes;
}

/** The parameter list as the device receives it (the virtual drive's side). */
export function decodeFormatUnitData(bytes: Uint8Array): FormatUnitParameterList {
  const r = new ByteReader(bytes);
  r.need(0, HEADER_LENGTH, 'format list header');
  const descriptorLength = r.u16(2);
  if (descriptorLength !== FORMAT_DESCRIPTOR_LENGTH) {
    throw new MalformedDataError(
      `Format Descriptor Length ${descriptorLength}, MMC devices take exactly 8`,
    );
  }
  r.need(HEADER_LENGTH, FORMAT_DESCRIPTOR_LENGTH, 'format descriptor');
  return {
    fov: r.bit(1, 7),
    dpry: r.bit(1, 6),
    dcrt: r.bit(1, 5),
    stpf: r.bit(1, 4),
    ip: r.bit(1, 3),
    tryOut: r.bit(1, 2),
    immed: r.bit(1, 1),
    vs: r.bit(1, 0),
    formatDescriptor: {
      numberOfBlocks: r.u32(4),
      formatType: r.bits(8, 2, 0x3f),
      formatSubType: r.bits(8, 0, 0x03),
      typeDependentParameter: r.u24(9),
    },
  };
}

/**
 * FORMAT UNIT with a parameter list: FmtData 1, Format Code 001b, the list as data-out. With
 * `immed` in the list the command returns at once and the format runs on (poll TEST UNIT READY
 * or REQUEST SENSE for progress).
 */
export function formatUnit(o: FormatUnitDataOptions & { readonly cmpList?: boolean }): ScsiCommand {
  const { cmpList, ...list } = o;
  const cdb = encodeFormatUnitCdb({ fmtData: true, cmpList: cmpList ?? false });
  return scsiCommand('FORMAT UNIT', cdb, 'out', { dataOut: encodeFormatUnitData(list) });
}
