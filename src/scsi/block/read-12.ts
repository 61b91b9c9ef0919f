// READ(12) (SBC-3, MMC-6). Pure codec: the CDB; the data-in is the blocks. The Streaming bit
// (byte 10, bit 7) asks an MMC drive for a stream read, favouring a steady data rate over
// error recovery.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import { dataInLength } from './read-common.js';

export interface Read12Cdb {
  /** Signed 32-bit. */
  readonly lba: number;
  /** Blocks, 0..2^32-1. */
  readonly transferLength: number;
  readonly dpo: boolean;
  readonly fua: boolean;
  readonly streaming: boolean;
}

export type Read12Options = Pick<Read12Cdb, 'lba' | 'transferLength'> &
  Partial<Omit<Read12Cdb, 'lba' | 'transferLength'>>;

// byte 0       OPERATION CODE (A8h)
// byte 1       bit 4 DPO, bit 3 FUA
// bytes 2..5   LOGICAL BLOCK ADDRESS (signed)
// bytes 6..9   TRANSFER LENGTH (blocks)
// byte 10      bit 7 Streaming
// byte 11      CONTROL
export function encodeRead12Cdb(o: Read12Options): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.READ_12);
  w.flag(1, 4, o.dpo); // DPO
  w.flag(1, 3, o.fua); // FUA
  w.i32(2, o.lba, 'LOGICAL BLOCK ADDRESS');
  w.u32(6, o.transferLength, 'TRANSFER LENGTH');
  w.flag(10, 7, o.streaming); // Streaming
  return w.bytes;
}

export function decodeRead12Cdb(cdb: Uint8Array): Read12Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'READ(12) CDB');
  if (r.u8(0) !== Opcode.READ_12) throw new MalformedDataError('not a READ(12) CDB');
  return {
    lba: r.i32(2),
    transferLength: r.u32(6),
    dpo: r.bit(1, 4),
    fua: r.bit(1, 3),
    streaming: r.bit(10, 7),
  };
}

/** READ(12) of `transferLength` blocks of `blockSize` bytes. */
export function read12(o: Read12Options & { readonly blockSize: number }): ScsiCommand {
  return scsiCommand('READ(12)', encodeRead12Cdb(o), 'in', {
    allocationLength: dataInLength(o.transferLength, o.blockSize),
  });
}
