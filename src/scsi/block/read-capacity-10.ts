// READ CAPACITY(10) (SBC-3, MMC-6). Pure codec: the CDB and the 8-byte parameter data, with an
// encoder for the virtual drive. On optical media the last LBA is that of the last recorded
// block (a blank disc may answer 0, indistinguishable from a one-block disc).

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

export interface ReadCapacity10Cdb {
  /** LOGICAL BLOCK ADDRESS (SBC-3, used with PMI; reserved in MMC-6). */
  readonly lba: number;
  /** PMI: partial medium indicator (SBC-3; reserved in MMC-6). */
  readonly pmi: boolean;
}

export type ReadCapacity10Options = Partial<ReadCapacity10Cdb>;

export interface ReadCapacity10Data {
  /** RETURNED LOGICAL BLOCK ADDRESS: the last LBA (FFFFFFFFh: use READ CAPACITY(16)). */
  readonly lastLba: number;
  /** BLOCK LENGTH IN BYTES (2048 on DVD/BD and CD data). */
  readonly blockLength: number;
}

export const READ_CAPACITY_10_DATA_LENGTH = 8;

// byte 0      OPERATION CODE (25h)
// byte 1      Reserved (bit 0 RELADR, obsolete)
// bytes 2..5  LOGICAL BLOCK ADDRESS
// bytes 6..7  Reserved
// byte 8      bit 0 PMI
// byte 9      CONTROL
export function encodeReadCapacity10Cdb(o: ReadCapacity10Options = {}): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_CAPACITY_10);
  w.u32(2, o.lba ?? 0, 'LOGICAL BLOCK ADDRESS');
  w.flag(8, 0, o.pmi); // PMI
  return w.bytes;
}

export function decodeReadCapacity10Cdb(cdb: Uint8Array): ReadCapacity10Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ CAPACITY(10) CDB');
  if (r.u8(0) !== Opcode.READ_CAPACITY_10) {
    throw new MalformedDataError('not a READ CAPACITY(10) CDB');
  }
  return { lba: r.u32(2), pmi: r.bit(8, 0) };
}

export function decodeReadCapacity10Data(bytes: Uint8Array): ReadCapacity10Data {
  const r = new ByteReader(bytes);
  r.need(0, READ_CAPACITY_10_DATA_LENGTH, 'READ CAPACITY(10) data');
  return { lastLba: r.u32(0), blockLength: r.u32(4) };
}

// bytes 0..3  RETURNED LOGICAL BLOCK ADDRESS
// bytes 4..7  BLOCK LENGTH IN BYTES
export function encodeReadCapacity10Data(v: ReadCapacity10Data): Uint8Array {
  const w = new ByteWriter(READ_CAPACITY_10_DATA_LENGTH);
  w.u32(0, v.lastLba, 'RETURNED LOGICAL BLOCK ADDRESS');
  w.u32(4, v.blockLength, 'BLOCK LENGTH IN BYTES');
  return w.bytes;
}

export function readCapacity10(o: ReadCapacity10Options = {}): ScsiCommand {
  return scsiCommand('READ CAPACITY(10)', encodeReadCapacity10Cdb(o), 'in', {
    allocationLength: READ_CAPACITY_10_DATA_LENGTH,
  });
}
