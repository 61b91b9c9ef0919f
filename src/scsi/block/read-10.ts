// READ(10) (SBC-3, MMC-6). Pure codec: the CDB; the data-in is the blocks. The LBA is signed
// like WRITE(10)'s, so a CD's pre-gap (negative LBAs) can be addressed.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import { dataInLength } from './read-common.js';

export interface Read10Cdb {
  /** Signed 32-bit. */
  readonly lba: number;
  /** Blocks, 0..65535. */
  readonly transferLength: number;
  readonly dpo: boolean;
  readonly fua: boolean;
  readonly groupNumber: number;
}

export type Read10Options = Pick<Read10Cdb, 'lba' | 'transferLength'> &
  Partial<Omit<Read10Cdb, 'lba' | 'transferLength'>>;

// byte 0      OPERATION CODE (28h)
// byte 1      bit 4 DPO, bit 3 FUA
// bytes 2..5  LOGICAL BLOCK ADDRESS (two's complement for negative LBAs)
// byte 6      bits 4..0 GROUP NUMBER
// bytes 7..8  TRANSFER LENGTH (blocks)
// byte 9      CONTROL
export function encodeRead10Cdb(o: Read10Options): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.READ_10);
  w.flag(1, 4, o.dpo); // DPO
  w.flag(1, 3, o.fua); // FUA
  w.i32(2, o.lba, 'LOGICAL BLOCK ADDRESS');
  w.bits(6, 0, 0x1f, o.groupNumber ?? 0, 'GROUP NUMBER');
  w.u16(7, o.transferLength, 'TRANSFER LENGTH');
  return w.bytes;
}

export function decodeRead10Cdb(cdb: Uint8Array): Read10Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'READ(10) CDB');
  if (r.u8(0) !== Opcode.READ_10) throw new MalformedDataError('not a READ(10) CDB');
  return {
    lba: r.i32(2),
    transferLength: r.u16(7),
    dpo: r.bit(1, 4),
    fua: r.bit(1, 3),
    groupNumber: r.bits(6, 0, 0x1f),
  };
}

/** READ(10) of `transferLength` blocks of `blockSize` bytes. */
export function read10(o: Read10Options & { readonly blockSize: number }): ScsiCommand {
  return scsiCommand('READ(10)', encodeRead10Cdb(o), 'in', {
    allocationLength: dataInLength(o.transferLength, o.blockSize),
  });
}
