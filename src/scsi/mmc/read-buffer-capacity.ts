// READ BUFFER CAPACITY (MMC-6 6.18; spec §2.7). Pure codec: CDB and response data, no I/O.
// The engine polls it between WRITEs to report the drive buffer's fill. With Block = 0 the drive
// answers in bytes (buffer length and free length); with Block = 1 it may answer with the free
// space in blocks, and says which form it used in the Block Data Returned bit.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** Size of either response form: 2-byte data length (0Ah) + 10 bytes. */
export const READ_BUFFER_CAPACITY_DATA_LENGTH = 12;

export interface ReadBufferCapacityCdb {
  /** Block: ask for the available space in blocks instead of bytes. */
  readonly block: boolean;
  readonly allocationLength: number;
}

export type ReadBufferCapacityOptions = Partial<ReadBufferCapacityCdb>;

// byte 0      OPERATION CODE (5Ch)
// byte 1      bit 0 Block
// bytes 2..6  reserved
// bytes 7..8  ALLOCATION LENGTH (default 12)
// byte 9      CONTROL
export function encodeReadBufferCapacityCdb(o: ReadBufferCapacityOptions = {}): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_BUFFER_CAPACITY);
  w.flag(1, 0, o.block); // Block
  w.u16(7, o.allocationLength ?? READ_BUFFER_CAPACITY_DATA_LENGTH, 'ALLOCATION LENGTH');
  return w.bytes;
}

export function decodeReadBufferCapacityCdb(cdb: Uint8Array): ReadBufferCapacityCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ BUFFER CAPACITY CDB');
  if (r.u8(0) !== Opcode.READ_BUFFER_CAPACITY) {
    throw new MalformedDataError('not a READ BUFFER CAPACITY CDB');
  }
  return { block: r.bit(1, 0), allocationLength: r.u16(7) };
}

/** READ BUFFER CAPACITY; the defaults give the spec §2.7 CDB `5C 00 00 00 00 00 00 00 0C 00`. */
export function readBufferCapacity(o: ReadBufferCapacityOptions = {}): ScsiCommand {
  const cdb = encodeReadBufferCapacityCdb(o);
  return scsiCommand('READ BUFFER CAPACITY', cdb, 'in', {
    allocationLength: o.allocationLength ?? READ_BUFFER_CAPACITY_DATA_LENGTH,
  });
}

/** The reply, in whichever form the drive chose (Block Data Returned). */
export type ReadBufferCapacityData =
  | {
      readonly blockDataReturned: false;
      /** LENGTH OF BUFFER: the drive's buffer size in bytes. */
      readonly bufferLengthBytes: number;
      /** AVAILABLE LENGTH OF BUFFER: free ("blank") bytes in the buffer. */
      readonly bufferAvailableBytes: number;
    }
  | {
      readonly blockDataReturned: true;
      /** AVAILABLE BUFFER LENGTH: free space in blocks. */
      readonly bufferAvailableBlocks: number;
    };

// bytes form (Block Data Returned = 0):
//   bytes 0..1  DATA LENGTH (000Ah), bytes 2..3 reserved
//   bytes 4..7  LENGTH OF BUFFER (bytes), bytes 8..11 AVAILABLE LENGTH OF BUFFER (bytes)
// blocks form:
//   bytes 0..1  DATA LENGTH (000Ah), byte 2 reserved, byte 3 bit 0 Block Data Returned (1)
//   bytes 4..7  reserved, bytes 8..11 AVAILABLE BUFFER LENGTH (blocks)
export function encodeReadBufferCapacityData(d: ReadBufferCapacityData): Uint8Array {
  const w = new ByteWriter(READ_BUFFER_CAPACITY_DATA_LENGTH);
  w.u16(0, READ_BUFFER_CAPACITY_DATA_LENGTH - 2); // DATA LENGTH
  if (d.blockDataReturned) {
    w.flag(3, 0, true); // Block Data Returned
    w.u32(8, d.bufferAvailableBlocks, 'AVAILABLE BUFFER LENGTH');
  } else {
    w.u32(4, d.bufferLengthBytes, 'LENGTH OF BUFFER');
    w.u32(8, d.bufferAvailableBytes, 'AVAILABLE LENGTH OF BUFFER');
  }
  return w.bytes;
}

/**
 * Decodes either form. The reply must hold all 12 bytes, and its DATA LENGTH must cover them;
 * bytes past 12 (padding) are ignored. The values are reported as sent: the spec §2.7 sanity
 * rules (free > total, total = 0) belong to the engine.
 */
export function decodeReadBufferCapacityData(bytes: Uint8Array): ReadBufferCapacityData {
  const r = new ByteReader(bytes);
  r.need(0, READ_BUFFER_CAPACITY_DATA_LENGTH, 'READ BUFFER CAPACITY data');
  const dataLength = r.u16(0);
  if (dataLength + 2 < READ_BUFFER_CAPACITY_DATA_LENGTH) {
    throw new MalformedDataError(`READ BUFFER CAPACITY data length ${dataLength} is below 10`);
  }
  if (r.bit(3, 0)) {
    return { blockDataReturned: true, bufferAvailableBlocks: r.u32(8) };
  }
  return { blockDataReturned: false, bufferLengthBytes: r.u32(4), bufferAvailableBytes: r.u32(8) };
}
