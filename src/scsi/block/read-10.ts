// READ(10) (SBC-3, MMC-6). Pure codec: the CDB; the data-in is the blocks. The LBA is signed
// like WRITE(10)'s, so a CD's pre-gap (negative LBAs) can be addressed.

import { scsiCommand, type ScsiCommand } from '../command.js';
import { Opcode } from '../opcodes.js';
import { dataInLength } from './read-common.js';
import {
  decodeReadWrite10Cdb,
  encodeReadWrite10Cdb,
  type ReadWrite10Cdb,
  type ReadWrite10Options,
} from './read-write-cdb.js';

export type Read10Cdb = ReadWrite10Cdb;
export type Read10Options = ReadWrite10Options;

/** The CDB; layout in read-write-cdb.ts. */
export function encodeRead10Cdb(o: Read10Options): Uint8Array {
  return encodeReadWrite10Cdb(Opcode.READ_10, o);
}

export function decodeRead10Cdb(cdb: Uint8Array): Read10Cdb {
  return decodeReadWrite10Cdb(Opcode.READ_10, 'READ(10)', cdb);
}

/** READ(10) of `transferLength` blocks of `blockSize` bytes. */
export function read10(o: Read10Options & { readonly blockSize: number }): ScsiCommand {
  return scsiCommand('READ(10)', encodeRead10Cdb(o), 'in', {
    allocationLength: dataInLength(o.transferLength, o.blockSize),
  });
}
