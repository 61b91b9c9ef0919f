// WRITE(10) (SBC-3 5.41, MMC-6 6.44; spec §2.6). Pure codec: the CDB; the data-out is the blocks.

import { scsiCommand, type ScsiCommand } from '../command.js';
import { Opcode } from '../opcodes.js';
import {
  decodeReadWrite10Cdb,
  encodeReadWrite10Cdb,
  type ReadWrite10Cdb,
  type ReadWrite10Options,
} from './read-write-cdb.js';

export type Write10Cdb = ReadWrite10Cdb;
export type Write10Options = ReadWrite10Options;

/** The CDB; layout in read-write-cdb.ts. */
export function encodeWrite10Cdb(o: Write10Options): Uint8Array {
  return encodeReadWrite10Cdb(Opcode.WRITE_10, o);
}

export function decodeWrite10Cdb(cdb: Uint8Array): Write10Cdb {
  return decodeReadWrite10Cdb(Opcode.WRITE_10, 'WRITE(10)', cdb);
}

/** WRITE(10) of `data` (exactly transferLength blocks of the current block size). */
export function write10(o: Write10Options & { readonly data: Uint8Array }): ScsiCommand {
  return scsiCommand('WRITE(10)', encodeWrite10Cdb(o), 'out', { dataOut: o.data });
}
