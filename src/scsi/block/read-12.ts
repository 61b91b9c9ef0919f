// READ(12) (SBC-3, MMC-6). Pure codec: the CDB; the data-in is the blocks. The Streaming bit
// (byte 10, bit 7) asks an MMC drive for a stream read, favouring a steady data rate over
// error recovery.

import { scsiCommand, type ScsiCommand } from '../command.js';
import { Opcode } from '../opcodes.js';
import { dataInLength } from './read-common.js';
import {
  decodeReadWrite12Cdb,
  encodeReadWrite12Cdb,
  type ReadWrite12Cdb,
  type ReadWrite12Options,
} from './read-write-cdb.js';

export type Read12Cdb = ReadWrite12Cdb;
export type Read12Options = ReadWrite12Options;

/** The CDB; layout in read-write-cdb.ts. */
export function encodeRead12Cdb(o: Read12Options): Uint8Array {
  return encodeReadWrite12Cdb(Opcode.READ_12, o);
}

export function decodeRead12Cdb(cdb: Uint8Array): Read12Cdb {
  return decodeReadWrite12Cdb(Opcode.READ_12, 'READ(12)', cdb);
}

/** READ(12) of `transferLength` blocks of `blockSize` bytes. */
export function read12(o: Read12Options & { readonly blockSize: number }): ScsiCommand {
  return scsiCommand('READ(12)', encodeRead12Cdb(o), 'in', {
    allocationLength: dataInLength(o.transferLength, o.blockSize),
  });
}
