// GET PERFORMANCE (MMC-6 6.8). Pure codec: CDB and response data, no I/O.
// Two data types matter to a recorder: Type 00h, performance (nominal or exception data over LBA
// ranges), and Type 03h, the write speed descriptors used to pick a SET STREAMING speed. Both have
// an 8-byte header and 16-byte descriptors. Drives often return exactly the allocation length
// whatever the descriptor count, so decoders trust the PERFORMANCE DATA LENGTH field and clamp it
// to the bytes present; a trailing partial descriptor is dropped.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** TYPE field values (MMC-6 6.8.2.5). */
export const PerformanceType = {
  PERFORMANCE: 0x00,
  UNUSABLE_AREA: 0x01,
  DEFECT_STATUS: 0x02,
  WRITE_SPEED: 0x03,
  DBI: 0x04,
  DBI_CACHE_ZONE: 0x05,
} as const;

/** Tolerance (Type 00h): 10b = 10 % nominal tolerance, the value drives require. */
export const PerformanceTolerance = {
  NOMINAL_10_PERCENT: 0b10,
} as const;

/** Except (Type 00h): 00b nominal performance, 01b entire exception list, 10b exceptions only. */
export const PerformanceExcept = {
  NOMINAL: 0b00,
  ALL_EXCEPTIONS: 0b01,
  EXCEPTIONS_ONLY: 0b10,
} as const;

/** Write Rotation Control of a write speed descriptor (and of SET STREAMING). */
export const WriteRotationControl = {
  DEFAULT: 0b00,
  CAV: 0b01,
} as const;

export const PERFORMANCE_HEADER_LENGTH = 8;
export const PERFORMANCE_DESCRIPTOR_LENGTH = 16;

export interface GetPerformanceCdb {
  readonly type: number;
  /** DATA TYPE bits 4..3 (Type 00h): Tolerance. */
  readonly tolerance: number;
  /** DATA TYPE bit 2 (Type 00h): Write (1 = write performance, 0 = read). */
  readonly write: boolean;
  /** DATA TYPE bits 1..0 (Type 00h): Except. */
  readonly except: number;
  readonly startingLba: number;
  readonly maximumNumberOfDescriptors: number;
}

export type GetPerformanceOptions = Pick<GetPerformanceCdb, 'type' | 'maximumNumberOfDescriptors'> &
  Partial<Omit<GetPerformanceCdb, 'type' | 'maximumNumberOfDescriptors'>>;

// byte 0      OPERATION CODE (ACh)
// byte 1      bits 4..0 DATA TYPE; for Type 00h: bits 4..3 Tolerance, bit 2 Write, bits 1..0 Except
// bytes 2..5  STARTING LBA
// bytes 6..7  reserved
// bytes 8..9  MAXIMUM NUMBER OF DESCRIPTORS
// byte 10     TYPE
// byte 11     CONTROL
export function encodeGetPerformanceCdb(o: GetPerformanceOptions): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.GET_PERFORMANCE);
  w.bits(1, 3, 0x03, o.tolerance ?? 0, 'Tolerance');
  w.flag(1, 2, o.write); // Write
  w.bits(1, 0, 0x03, o.except ?? 0, 'Except');
  w.u32(2, o.startingLba ?? 0, 'STARTING LBA');
  w.u16(8, o.maximumNumberOfDescriptors, 'MAXIMUM NUMBER OF DESCRIPTORS');
  w.u8(10, o.type, 'TYPE');
  return w.bytes;
}

export function decodeGetPerformanceCdb(cdb: Uint8Array): GetPerformanceCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'GET PERFORMANCE CDB');
  if (r.u8(0) !== Opcode.GET_PERFORMANCE) throw new MalformedDataError('not a GET PERFORMANCE CDB');
  return {
    type: r.u8(10),
    tolerance: r.bits(1, 3, 0x03),
    write: r.bit(1, 2),
    except: r.bits(1, 0, 0x03),
    startingLba: r.u32(2),
    maximumNumberOfDescriptors: r.u16(8),
  };
}

/**
 * GET PERFORMANCE with an allocation length of 8 + 16 × maximumNumberOfDescriptors (the size of
 * a Type 00h or 03h reply). With 0 descriptors it fetches the header alone, whose length field
 * tells how many descriptors to ask for next (getPerformanceFullLength()).
 */
export function getPerformance(o: GetPerformanceOptions): ScsiCommand {
  const cdb = encodeGetPerformanceCdb(o);
  const allocationLength =
    PERFORMANCE_HEADER_LENGTH + PERFORMANCE_DESCRIPTOR_LENGTH * o.maximumNumberOfDescriptors;
  return scsiCommand('GET PERFORMANCE', cdb, 'in', { allocationLength });
}

/** The Type 00h request for nominal read (or write) performance with 10 % tolerance. */
export function getNominalPerformance(
  o: { readonly write?: boolean; readonly startingLba?: number } & {
    readonly maximumNumberOfDescriptors: number;
  },
): ScsiCommand {
  return getPerformance({
    type: PerformanceType.PERFORMANCE,
    tolerance: PerformanceTolerance.NOMINAL_10_PERCENT,
    except: PerformanceExcept.NOMINAL,
    ...o,
  });
}

/** The Type 03h request for the write speed descriptors. */
export function getWriteSpeeds(o: { readonly maximumNumberOfDescriptors: number }): ScsiCommand {
  return getPerformance({
    type: PerformanceType.WRITE_SPEED,
    maximumNumberOfDescriptors: o.maximumNumberOfDescriptors,
  });
}

/** Bytes the whole reply takes: 4 + PERFORMANCE DATA LENGTH (needs the first 4 bytes). */
export function getPerformanceFullLength(bytes: Uint8Array): number {
  const r = new ByteReader(bytes);
  r.need(0, 4, 'GET PERFORMANCE header');
  return 4 + r.u32(0);
}

/** The descriptor area of a reply: [8, end) with end = min(present, 4 + data length). */
function descriptorArea(bytes: Uint8Array, what: string): { r: ByteReader; count: number } {
  const r = new ByteReader(bytes);
  r.need(0, PERFORMANCE_HEADER_LENGTH, `${what} header`);
  const dataLength = r.u32(0);
  if (dataLength < PERFORMANCE_HEADER_LENGTH - 4) {
    throw new MalformedDataError(`${what} data length ${dataLength} is below 4`);
  }
  const end = Math.min(bytes.length, 4 + dataLength);
  return {
    r,
    count: Math.floor((end - PERFORMANCE_HEADER_LENGTH) / PERFORMANCE_DESCRIPTOR_LENGTH),
  };
}

function header(descriptors: number, write?: boolean, except?: number): ByteWriter {
  const n = PERFORMANCE_HEADER_LENGTH + PERFORMANCE_DESCRIPTOR_LENGTH * descriptors;
  const w = new ByteWriter(n);
  w.u32(0, n - 4); // PERFORMANCE DATA LENGTH
  w.flag(4, 1, write); // Write
  w.bits(4, 0, 0x01, except ?? 0, 'Except'); // Except (the header carries one bit)
  return w;
}

// --- Type 00h: performance ---------------------------------------------------------------------

export interface PerformanceDescriptor {
  readonly startLba: number;
  readonly startPerformanceKBps: number;
  readonly endLba: number;
  readonly endPerformanceKBps: number;
}

export interface PerformanceData {
  /** Header Write bit: the descriptors describe write performance. */
  readonly write: boolean;
  /** Header Except bit: the descriptors are exceptions (0 = nominal). */
  readonly except: boolean;
  readonly descriptors: readonly PerformanceDescriptor[];
}

// header:       bytes 0..3 PERFORMANCE DATA LENGTH (n − 4), byte 4 bit 1 Write, bit 0 Except,
//               bytes 5..7 reserved
// descriptor i: at 8 + 16i: bytes 0..3 START LBA, 4..7 START PERFORMANCE (kB/s),
//               8..11 END LBA, 12..15 END PERFORMANCE (kB/s)
export function encodePerformanceData(d: PerformanceData): Uint8Array {
  const w = header(d.descriptors.length, d.write, d.except ? 1 : 0);
  d.descriptors.forEach((p, i) => {
    const at = PERFORMANCE_HEADER_LENGTH + PERFORMANCE_DESCRIPTOR_LENGTH * i;
    w.u32(at, p.startLba, 'START LBA');
    w.u32(at + 4, p.startPerformanceKBps, 'START PERFORMANCE');
    w.u32(at + 8, p.endLba, 'END LBA');
    w.u32(at + 12, p.endPerformanceKBps, 'END PERFORMANCE');
  });
  return w.bytes;
}

/** Decodes a Type 00h reply. */
export function decodePerformanceData(bytes: Uint8Array): PerformanceData {
  const { r, count } = descriptorArea(bytes, 'GET PERFORMANCE (performance)');
  const descriptors: PerformanceDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    const at = PERFORMANCE_HEADER_LENGTH + PERFORMANCE_DESCRIPTOR_LENGTH * i;
    descriptors.push({
      startLba: r.u32(at),
      startPerformanceKBps: r.u32(at + 4),
      endLba: r.u32(at + 8),
      endPerformanceKBps: r.u32(at + 12),
    });
  }
  return { write: r.bit(4, 1), except: r.bit(4, 0), descriptors };
}

// --- Type 03h: write speed descriptors ---------------------------------------------------------

export interface WriteSpeedDescriptor {
  /** WRC: Write Rotation Control (WriteRotationControl). */
  readonly wrc: number;
  /** RDD: the drive restores its defaults on reset. */
  readonly rdd: boolean;
  /** Exact: the drive can perform at exactly this speed over the whole disc. */
  readonly exact: boolean;
  /** MRW: the speed applies to MRW formatted media. */
  readonly mrw: boolean;
  readonly endLba: number;
  readonly readSpeedKBps: number;
  readonly writeSpeedKBps: number;
}

export interface WriteSpeedData {
  readonly descriptors: readonly WriteSpeedDescriptor[];
}

// header:       bytes 0..3 PERFORMANCE DATA LENGTH (n − 4), bytes 4..7 reserved
// descriptor i: at 8 + 16i: byte 0 bits 4..3 WRC, bit 2 RDD, bit 1 Exact, bit 0 MRW;
//               bytes 1..3 reserved, 4..7 END LBA, 8..11 READ SPEED (kB/s),
//               12..15 WRITE SPEED (kB/s)
export function encodeWriteSpeedData(d: WriteSpeedData): Uint8Array {
  const w = header(d.descriptors.length);
  d.descriptors.forEach((s, i) => {
    const at = PERFORMANCE_HEADER_LENGTH + PERFORMANCE_DESCRIPTOR_LENGTH * i;
    w.bits(at, 3, 0x03, s.wrc, 'WRC');
    w.flag(at, 2, s.rdd); // RDD
    w.flag(at, 1, s.exact); // Exact
    w.flag(at, 0, s.mrw); // MRW
    w.u32(at + 4, s.endLba, 'END LBA');
    w.u32(at + 8, s.readSpeedKBps, 'READ SPEED');
    w.u32(at + 12, s.writeSpeedKBps, 'WRITE SPEED');
  });
  return w.bytes;
}

/** Decodes a Type 03h reply. */
export function decodeWriteSpeedData(bytes: Uint8Array): WriteSpeedData {
  const { r, count } = descriptorArea(bytes, 'GET PERFORMANCE (write speed)');
  const descriptors: WriteSpeedDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    const at = PERFORMANCE_HEADER_LENGTH + PERFORMANCE_DESCRIPTOR_LENGTH * i;
    descriptors.push({
      wrc: r.bits(at, 3, 0x03),
      rdd: r.bit(at, 2),
      exact: r.bit(at, 1),
      mrw: r.bit(at, 0),
      endLba: r.u32(at + 4),
      readSpeedKBps: r.u32(at + 8),
      writeSpeedKBps: r.u32(at + 12),
    });
  }
  return { descriptors };
}
