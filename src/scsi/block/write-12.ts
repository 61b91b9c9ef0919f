// WRITE(12) (SBC-3 5.42, MMC-6 6.45; spec §1a, §2.6). Pure codec. The Streaming bit (byte 10,
// bit 7) asks an MMC drive for stream recording (Real Time Streaming feature, SW bit).

import { scsiCommand, type ScsiCommand } from '../command.js';
import { Opcode } from '../opcodes.js';
import {
  decodeReadWrite12Cdb,
  encodeReadWrite12Cdb,
  type ReadWrite12Cdb,
  type ReadWrite12Options,
} from './read-write-cdb.js';

export type Write12Cdb = ReadWrite12Cdb;
export type Write12Options = ReadWrite12Options;

/** The CDB; layout in read-write-cdb.ts. */
export function encodeWrite12Cdb(o: Write12Options): Uint8Array {
  return encodeReadWrite12Cdb(Opcode.WRITE_12, o);
}

export function decodeWrite12Cdb(cdb: Uint8Array): Write12Cdb {
  return decodeReadWrite12Cdb(Opcode.WRITE_12, 'WRITE(12)', cdb);
}

export function write12(o: Write12Options & { readonly data: Uint8Array }): ScsiCommand {
  return scsiCommand('WRITE(12)', encodeWrite12Cdb(o), 'out', { dataOut: o.data });
}
