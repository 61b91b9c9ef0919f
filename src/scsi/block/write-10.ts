// WRITE(10) (SBC-3 5.41, MMC-6 6.44; spec §2.6). Pure codec: the CDB; the data-out is the blocks.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

export interface Write10Cdb {
  /** Signed 32-bit: negative LBAs address a CD's pre-gap and lead-in. */
  readonly lba: number;
  /** Blocks, 0..65535. */
  readonly transferLength: number;
  readonly dpo: boolean;
  readonly fua: boolean;
  readonly groupNumber: number;
}

export type Write10Options = Pick<Write10Cdb, 'lba' | 'transferLength'> &
  Partial<Omit<Write10Cdb, 'lba' | 'transferLength'>>;

// byte 0      OPERATION CODE (2Ah)
// byte 1      bit 4 DPO, bit 3 FUA
// bytes 2..5  LOGICAL BLOCK ADDRESS (two's complement for negative LBAs: -150 = FF FF FF 6A)
// byte 6      bits 4..0 GROUP NUMBER
// bytes 7..8  TRANSFER LENGTH (blocks)
// byte 9      CONTROL
export function encodeWrite10Cdb(o: Write10Options): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.WRITE_10);
  w.flag(1, 4, o.dpo); // DPO
  w.flag(1, 3, o.fua); // FUA
  w.i32(2, o.lba, 'LOGICAL BLOCK ADDRESS');
  w.bits(6, 0, 0x1f, o.groupNumber ?? 0, 'GROUP NUMBER');
  w.u16(7, o.transferLength, 'TRANSFER LENGTH');
  return w.bytes;
}

export function decodeWrite10Cdb(cdb: Uint8Array): Write10Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'WRITE(10) CDB');
  if (r.u8(0) !== Opcode.WRITE_10) throw new MalformedDataError('not a WRITE(10) CDB');
  return {
    lba: r.i32(2),
    transferLength: r.u16(7),
    dpo: r.bit(1, 4),
    fua: r.bit(1, 3),
    groupNumber: r.bits(6, 0, 0x1f),
  };
}

/** WRITE(10) of `data` (exactly transferLength blocks of the current block size). */
export function write10(o: Write10Options & { readonly data: Uint8Array }): ScsiCommand {
  return scsiCommand('WRITE(10)', encodeWrite10Cdb(o), 'out', { dataOut: o.data });
}
