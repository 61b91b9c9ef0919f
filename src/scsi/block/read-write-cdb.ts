// The CDB layouts READ and WRITE share (SBC-3: READ(10)/WRITE(10) and READ(12)/WRITE(12) differ
// only in the operation code). Pure. The command files keep their own names and types; this is
// the one place the bytes are laid out.

import { ByteReader, ByteWriter } from '../bytes.js';
import { MalformedDataError } from '../../errors.js';

/** Fields of a 10-byte READ/WRITE CDB. */
export interface ReadWrite10Cdb {
  /** Signed 32-bit: negative LBAs address a CD's pre-gap and lead-in. */
  readonly lba: number;
  /** Blocks, 0..65535. */
  readonly transferLength: number;
  readonly dpo: boolean;
  readonly fua: boolean;
  readonly groupNumber: number;
}

/** Fields of a 12-byte READ/WRITE CDB. */
export interface ReadWrite12Cdb {
  /** Signed 32-bit. */
  readonly lba: number;
  /** Blocks, 0..2^32-1. */
  readonly transferLength: number;
  readonly dpo: boolean;
  readonly fua: boolean;
  readonly streaming: boolean;
}

type Options<T> = Pick<T, 'lba' & keyof T> &
  Pick<T, 'transferLength' & keyof T> &
  Partial<Omit<T, 'lba' | 'transferLength'>>;
export type ReadWrite10Options = Options<ReadWrite10Cdb>;
export type ReadWrite12Options = Options<ReadWrite12Cdb>;

// byte 0      OPERATION CODE (28h READ(10), 2Ah WRITE(10))
// byte 1      bit 4 DPO, bit 3 FUA
// bytes 2..5  LOGICAL BLOCK ADDRESS (two's complement for negative LBAs: -150 = FF FF FF 6A)
// byte 6      bits 4..0 GROUP NUMBER
// bytes 7..8  TRANSFER LENGTH (blocks)
// byte 9      CONTROL
export function encodeReadWrite10Cdb(opcode: number, o: ReadWrite10Options): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, opcode);
  w.flag(1, 4, o.dpo); // DPO
  w.flag(1, 3, o.fua); // FUA
  w.i32(2, o.lba, 'LOGICAL BLOCK ADDRESS');
  w.bits(6, 0, 0x1f, o.groupNumber ?? 0, 'GROUP NUMBER');
  w.u16(7, o.transferLength, 'TRANSFER LENGTH');
  return w.bytes;
}

export function decodeReadWrite10Cdb(
  opcode: number,
  name: string,
  cdb: Uint8Array,
): ReadWrite10Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, `${name} CDB`);
  if (r.u8(0) !== opcode) throw new MalformedDataError(`not a ${name} CDB`);
  return {
    lba: r.i32(2),
    transferLength: r.u16(7),
    dpo: r.bit(1, 4),
    fua: r.bit(1, 3),
    groupNumber: r.bits(6, 0, 0x1f),
  };
}

// byte 0       OPERATION CODE (A8h READ(12), AAh WRITE(12))
// byte 1       bit 4 DPO, bit 3 FUA
// bytes 2..5   LOGICAL BLOCK ADDRESS (signed)
// bytes 6..9   TRANSFER LENGTH (blocks)
// byte 10      bit 7 Streaming
// byte 11      CONTROL
export function encodeReadWrite12Cdb(opcode: number, o: ReadWrite12Options): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, opcode);
  w.flag(1, 4, o.dpo); // DPO
  w.flag(1, 3, o.fua); // FUA
  w.i32(2, o.lba, 'LOGICAL BLOCK ADDRESS');
  w.u32(6, o.transferLength, 'TRANSFER LENGTH');
  w.flag(10, 7, o.streaming); // Streaming
  return w.bytes;
}

export function decodeReadWrite12Cdb(
  opcode: number,
  name: string,
  cdb: Uint8Array,
): ReadWrite12Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, `${name} CDB`);
  if (r.u8(0) !== opcode) throw new MalformedDataError(`not a ${name} CDB`);
  return {
    lba: r.i32(2),
    transferLength: r.u32(6),
    dpo: r.bit(1, 4),
    fua: r.bit(1, 3),
    streaming: r.bit(10, 7),
  };
}
