// SYNCHRONIZE CACHE(10) (SBC-3, MMC-6). Pure codec: a 10-byte CDB, no data phase. On a recorder
// it writes out the drive buffer; with IMMED the drive answers at once and later commands see
// NOT READY until the buffer is written, so the caller polls.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

export interface SynchronizeCache10Cdb {
  /** IMMED: return status before the cache is written. */
  readonly immed: boolean;
  /** LOGICAL BLOCK ADDRESS of the first block to synchronize. */
  readonly lba: number;
  /** NUMBER OF LOGICAL BLOCKS, 0..65535; 0 means through the last block. */
  readonly numberOfBlocks: number;
  readonly groupNumber: number;
}

export type SynchronizeCache10Options = Partial<SynchronizeCache10Cdb>;

// byte 0      OPERATION CODE (35h)
// byte 1      bit 1 IMMED
// bytes 2..5  LOGICAL BLOCK ADDRESS
// byte 6      bits 4..0 GROUP NUMBER
// bytes 7..8  NUMBER OF LOGICAL BLOCKS
// byte 9      CONTROL
export function encodeSynchronizeCache10Cdb(o: SynchronizeCache10Options = {}): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.SYNCHRONIZE_CACHE_10);
  w.flag(1, 1, o.immed); // IMMED
  w.u32(2, o.lba ?? 0, 'LOGICAL BLOCK ADDRESS');
  w.bits(6, 0, 0x1f, o.groupNumber ?? 0, 'GROUP NUMBER');
  w.u16(7, o.numberOfBlocks ?? 0, 'NUMBER OF LOGICAL BLOCKS');
  return w.bytes;
}

export function decodeSynchronizeCache10Cdb(cdb: Uint8Array): SynchronizeCache10Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'SYNCHRONIZE CACHE(10) CDB');
  if (r.u8(0) !== Opcode.SYNCHRONIZE_CACHE_10) {
    throw new MalformedDataError('not a SYNCHRONIZE CACHE(10) CDB');
  }
  return {
    immed: r.bit(1, 1),
    lba: r.u32(2),
    numberOfBlocks: r.u16(7),
    groupNumber: r.bits(6, 0, 0x1f),
  };
}

/** SYNCHRONIZE CACHE(10); with no options, the whole cache, waiting for completion. */
export function synchronizeCache10(o: SynchronizeCache10Options = {}): ScsiCommand {
  return scsiCommand('SYNCHRONIZE CACHE(10)', encodeSynchronizeCache10Cdb(o), 'none');
}
