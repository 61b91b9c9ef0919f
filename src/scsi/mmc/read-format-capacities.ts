// READ FORMAT CAPACITIES (MMC-6 6.24). Pure codec: the CDB and the capacity list, no I/O. The
// list says whether the medium is formatted, its current or maximum capacity, and which FORMAT
// UNIT format types (FormatType in format-unit.ts) the drive offers, with their sizes.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** Descriptor Type of the Current/Maximum Capacity Descriptor (byte 4 bits 1..0). */
export const CapacityDescriptorType = {
  /** Unformatted or blank medium: Number of Blocks is the maximum formattable capacity. */
  UNFORMATTED: 0b01,
  /** Formatted medium: Number of Blocks is the current capacity. */
  FORMATTED: 0b10,
  /** No medium present, or unknown capacity: Number of Blocks is the drive's maximum. */
  NO_MEDIA: 0b11,
} as const;

const HEADER_LENGTH = 4;
const DESCRIPTOR_LENGTH = 8;
/** Capacity List Length is one byte holding n × 8, n < 32: at most 30 formattable descriptors. */
const MAX_FORMATTABLE_DESCRIPTORS = 30;
/** Header, current/maximum descriptor and 30 formattable descriptors. A sensible allocation. */
export const MAX_FORMAT_CAPACITIES_LENGTH =
  HEADER_LENGTH + DESCRIPTOR_LENGTH * (1 + MAX_FORMATTABLE_DESCRIPTORS);

export interface ReadFormatCapacitiesCdb {
  /** Allocation Length, 0..65535. */
  readonly allocationLength: number;
}

// byte 0      OPERATION CODE (23h)
// bytes 1..6  Reserved
// bytes 7..8  Allocation Length
// byte 9      CONTROL
export function encodeReadFormatCapacitiesCdb(
  o: Partial<ReadFormatCapacitiesCdb> = {},
): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_FORMAT_CAPACITIES);
  w.u16(7, o.allocationLength ?? MAX_FORMAT_CAPACITIES_LENGTH, 'Allocation Length');
  return w.bytes;
}

export function decodeReadFormatCapacitiesCdb(cdb: Uint8Array): ReadFormatCapacitiesCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ FORMAT CAPACITIES CDB');
  if (r.u8(0) !== Opcode.READ_FORMAT_CAPACITIES) {
    throw new MalformedDataError('not a READ FORMAT CAPACITIES CDB');
  }
  return { allocationLength: r.u16(7) };
}

export function readFormatCapacities(o: Partial<ReadFormatCapacitiesCdb> = {}): ScsiCommand {
  return scsiCommand('READ FORMAT CAPACITIES', encodeReadFormatCapacitiesCdb(o), 'in', {
    allocationLength: o.allocationLength ?? MAX_FORMAT_CAPACITIES_LENGTH,
  });
}

/** Current/Maximum Capacity Descriptor. */
export interface CurrentMaximumCapacityDescriptor {
  readonly numberOfBlocks: number;
  /** Descriptor Type, 0..3 (CapacityDescriptorType; 0 is reserved). */
  readonly descriptorType: number;
  /** Block Length in bytes (24 bits). */
  readonly blockLength: number;
}

/** Formattable Capacity Descriptor: one format type the drive offers for this medium. */
export interface FormattableCapacityDescriptor {
  readonly numberOfBlocks: number;
  /** Format Type, 0..63 (FormatType). */
  readonly formatType: number;
  /** Type Dependent Parameter (24 bits), e.g. the block length or the packet size. */
  readonly typeDependentParameter: number;
}

export interface FormatCapacities {
  readonly currentMaximumCapacity: CurrentMaximumCapacityDescriptor;
  readonly formattableCapacities: readonly FormattableCapacityDescriptor[];
}

/** Total bytes of the capacity list the drive has (4 + Capacity List Length). */
export function readFormatCapacitiesDataLength(bytes: Uint8Array): number {
  return HEADER_LENGTH + new ByteReader(bytes).u8(3);
}

export function decodeReadFormatCapacitiesData(bytes: Uint8Array): FormatCapacities {
  const r = new ByteReader(bytes);
  const listLength = r.u8(3);
  if (listLength < DESCRIPTOR_LENGTH) {
    throw new MalformedDataError(
      `Capacity List Length ${listLength} leaves no Current/Maximum Capacity Descriptor`,
    );
  }
  r.need(HEADER_LENGTH, DESCRIPTOR_LENGTH, 'Current/Maximum Capacity Descriptor');
  // A list cut short by the allocation length keeps its whole descriptors only.
  const end = Math.min(HEADER_LENGTH + listLength, bytes.length);
  const count = Math.floor((end - HEADER_LENGTH) / DESCRIPTOR_LENGTH) - 1;
  const formattableCapacities: FormattableCapacityDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_LENGTH + DESCRIPTOR_LENGTH * (1 + i);
    formattableCapacities.push({
      numberOfBlocks: r.u32(at),
      formatType: r.bits(at + 4, 2, 0x3f),
      typeDependentParameter: r.u24(at + 5),
    });
  }
  return {
    currentMaximumCapacity: {
      numberOfBlocks: r.u32(4),
      descriptorType: r.bits(8, 0, 0x03),
      blockLength: r.u24(9),
    },
    formattableCapacities,
  };
}

// bytes 0..2   Reserved
// byte 3       Capacity List Length (8 × descriptors that follow)
// Current/Maximum Capacity Descriptor:
//   bytes 4..7   Number of Blocks
//   byte 8       bits 1..0 Descriptor Type
//   bytes 9..11  Block Length
// Formattable Capacity Descriptors, 8 bytes each:
//   bytes 0..3   Number of Blocks
//   byte 4       bits 7..2 Format Type
//   bytes 5..7   Type Dependent Parameter
export function encodeReadFormatCapacitiesData(c: FormatCapacities): Uint8Array {
  const n = c.formattableCapacities.length;
  if (n > MAX_FORMATTABLE_DESCRIPTORS) {
    throw invalidArgument(
      `${n} formattable capacity descriptors do not fit (at most ${MAX_FORMATTABLE_DESCRIPTORS})`,
    );
  }
  const w = new ByteWriter(HEADER_LENGTH + DESCRIPTOR_LENGTH * (1 + n));
  w.u8(3, DESCRIPTOR_LENGTH * (1 + n), 'Capacity List Length');
  const cur = c.currentMaximumCapacity;
  w.u32(4, cur.numberOfBlocks, 'Number of Blocks');
  w.bits(8, 0, 0x03, cur.descriptorType, 'Descriptor Type');
  w.u24(9, cur.blockLength, 'Block Length');
  c.formattableCapacities.forEach((d, i) => {
    const at = HEADER_LENGTH + DESCRIPTOR_LENGTH * (1 + i);
    w.u32(at, d.numberOfBlocks, 'Number of Blocks');
    w.bits(at + 4, 2, 0x3f, d.formatType, 'Format Type');
    w.u24(at + 5, d.typeDependentParameter, 'Type Dependent Parameter');
  });
  return w.bytes;
}
