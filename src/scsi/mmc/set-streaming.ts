// SET STREAMING (MMC-6 6.39). Pure codec: CDB and the Type 00h performance descriptor the host
// sends, no I/O. This is how a DVD/BD recorder is given a speed: a read and a write rate, each
// expressed as a size in kilobytes per time in milliseconds (peers send size = speed in kB/s and
// time = 1000 ms), over an LBA range.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** TYPE values (MMC-6 6.39.2.1). */
export const StreamingType = {
  PERFORMANCE_DESCRIPTOR: 0x00,
  DBI_CACHE_ZONE_DESCRIPTOR: 0x05,
} as const;

export const STREAMING_PERFORMANCE_DESCRIPTOR_LENGTH = 28;

export interface SetStreamingCdb {
  readonly type: number;
  readonly parameterListLength: number;
}

// byte 0      OPERATION CODE (B6h)
// bytes 1..7  reserved
// byte 8      TYPE
// bytes 9..10 PARAMETER LIST LENGTH
// byte 11     CONTROL
export function encodeSetStreamingCdb(o: SetStreamingCdb): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.SET_STREAMING);
  w.u8(8, o.type, 'TYPE');
  w.u16(9, o.parameterListLength, 'PARAMETER LIST LENGTH');
  return w.bytes;
}

export function decodeSetStreamingCdb(cdb: Uint8Array): SetStreamingCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'SET STREAMING CDB');
  if (r.u8(0) !== Opcode.SET_STREAMING) throw new MalformedDataError('not a SET STREAMING CDB');
  return { type: r.u8(8), parameterListLength: r.u16(9) };
}

/** The Type 00h performance descriptor. */
export interface StreamingPerformanceDescriptor {
  /** WRC: Write Rotation Control (WriteRotationControl in get-performance.ts). */
  readonly wrc: number;
  /** RDD: restore the drive's default performance settings (the other fields are ignored). */
  readonly rdd: boolean;
  /** Exact: fail instead of choosing the closest speed the drive supports. */
  readonly exact: boolean;
  /** RA: random access (the read/write sizes and times describe a random workload). */
  readonly ra: boolean;
  readonly startLba: number;
  /** Some drives reject FFFFFFFFh here; use the last LBA of the disc. */
  readonly endLba: number;
  readonly readSizeKB: number;
  readonly readTimeMs: number;
  readonly writeSizeKB: number;
  readonly writeTimeMs: number;
}

export type StreamingPerformanceOptions = Pick<
  StreamingPerformanceDescriptor,
  'endLba' | 'readSizeKB' | 'readTimeMs' | 'writeSizeKB' | 'writeTimeMs'
> &
  Partial<
    Omit<
      StreamingPerformanceDescriptor,
      'endLba' | 'readSizeKB' | 'readTimeMs' | 'writeSizeKB' | 'writeTimeMs'
    >
  >;

// byte 0        bits 4..3 WRC, bit 2 RDD, bit 1 Exact, bit 0 RA
// bytes 1..3    reserved
// bytes 4..7    START LBA
// bytes 8..11   END LBA
// bytes 12..15  READ SIZE (kB)
// bytes 16..19  READ TIME (ms)
// bytes 20..23  WRITE SIZE (kB)
// bytes 24..27  WRITE TIME (ms)
export function encodeSetStreamingData(d: StreamingPerformanceOptions): Uint8Array {
  const w = new ByteWriter(STREAMING_PERFORMANCE_DESCRIPTOR_LENGTH);
  w.bits(0, 3, 0x03, d.wrc ?? 0, 'WRC');
  w.flag(0, 2, d.rdd); // RDD
  w.flag(0, 1, d.exact); // Exact
  w.flag(0, 0, d.ra); // RA
  w.u32(4, d.startLba ?? 0, 'START LBA');
  w.u32(8, d.endLba, 'END LBA');
  w.u32(12, d.readSizeKB, 'READ SIZE');
  w.u32(16, d.readTimeMs, 'READ TIME');
  w.u32(20, d.writeSizeKB, 'WRITE SIZE');
  w.u32(24, d.writeTimeMs, 'WRITE TIME');
  return w.bytes;
}

/** Decodes the Type 00h descriptor (the virtual drive's side); bytes past 28 are ignored. */
export function decodeSetStreamingData(bytes: Uint8Array): StreamingPerformanceDescriptor {
  const r = new ByteReader(bytes);
  r.need(0, STREAMING_PERFORMANCE_DESCRIPTOR_LENGTH, 'SET STREAMING performance descriptor');
  return {
    wrc: r.bits(0, 3, 0x03),
    rdd: r.bit(0, 2),
    exact: r.bit(0, 1),
    ra: r.bit(0, 0),
    startLba: r.u32(4),
    endLba: r.u32(8),
    readSizeKB: r.u32(12),
    readTimeMs: r.u32(16),
    writeSizeKB: r.u32(20),
    writeTimeMs: r.u32(24),
  };
}

/** SET STREAMING with one Type 00h performance descriptor. */
export function setStreaming(d: StreamingPerformanceOptions): ScsiCommand {
  const data = encodeSetStreamingData(d);
  const cdb = encodeSetStreamingCdb({
    type: StreamingType.PERFORMANCE_DESCRIPTOR,
    parameterListLength: data.length,
  });
  return scsiCommand('SET STREAMING', cdb, 'out', { dataOut: data });
}
