// TEST UNIT READY (SPC-4, MMC-6). Pure codec: a 6-byte CDB, no data phase. The answer is
// the status alone: GOOD when a medium is ready, CHECK CONDITION with sense otherwise.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** TEST UNIT READY has no fields besides the operation code and CONTROL. */
export type TestUnitReadyCdb = Record<string, never>;

// byte 0      OPERATION CODE (00h)
// bytes 1..4  Reserved
// byte 5      CONTROL
export function encodeTestUnitReadyCdb(): Uint8Array {
  return new ByteWriter(6).u8(0, Opcode.TEST_UNIT_READY).bytes;
}

export function decodeTestUnitReadyCdb(cdb: Uint8Array): TestUnitReadyCdb {
  const r = new ByteReader(cdb);
  r.need(0, 6, 'TEST UNIT READY CDB');
  if (r.u8(0) !== Opcode.TEST_UNIT_READY) throw new MalformedDataError('not a TEST UNIT READY CDB');
  return {};
}

export function testUnitReady(): ScsiCommand {
  return scsiCommand('TEST UNIT READY', encodeTestUnitReadyCdb(), 'none');
}
