// WRITE(12) (SBC-3 5.42, MMC-6 6.45; spec §1a, §2.6). Pure codec. The Streaming bit (byte 10,
// bit 7) asks an MMC drive for stream recording (Real Time Streaming feature, SW bit).

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

export interface Write12Cdb {
  /** Signed 32-bit. */
  readonly lba: number;
  /** Blocks, 0..2^32-1. */
  readonly transferLength: number;
  readonly dpo: boolean;
  readonly fua: boolean;
  readonly streaming: boolean;
}

export type Write12Options = Pick<Write12Cdb, 'lba' | 'transferLength'> &
  Partial<Omit<Write12Cdb, 'lba' | 'transferLength'>>;

// byte 0       OPERATION CODE (AAh)
// byte 1       bit 4 DPO, bit 3 FUA
// bytes 2..5   LOGICAL BLOCK ADDRESS (signed)
// bytes 6..9   TRANSFER LENGTH (blocks)
// byte 10      bit 7 Streaming
// byte 11      CONTROL
export function encodeWrite12Cdb(o: Write12Options): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.WRITE_12);
  w.flag(1, 4, o.dpo); // DPO
  w.flag(1, 3, o.fua); // FUA
  w.i32(2, o.lba, 'LOGICAL BLOCK ADDRESS');
  w.u32(6, o.transferLength, 'TRANSFER LENGTH');
  w.flag(10, 7, o.streaming); // Streaming
  return w.bytes;
}

export function decodeWrite12Cdb(cdb: Uint8Array): Write12Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'WRITE(12) CDB');
  if (r.u8(0) !== Opcode.WRITE_12) throw new MalformedDataError('not a WRITE(12) CDB');
  return {
    lba: r.i32(2),
    transferLength: r.u32(6),
    dpo: r.bit(1, 4),
    fua: r.bit(1, 3),
    streaming: r.bit(10, 7),
  };
}

export function write12(o: Write12Options & { readonly data: Uint8Array }): ScsiCommand {
  return scsiCommand('WRITE(12)', encodeWrite12Cdb(o), 'out', { dataOut: o.data });
}
