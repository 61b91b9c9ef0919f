// The CDB length check of IDiscRecorder2Ex's sendCommand* methods (spec §4.4): 6..16 bytes and,
// outside the reserved/vendor groups and IMAPI2's legacy exemptions, the opcode group's length.

import { DwError, HR } from '../errors.js';
import { cdbLengthForOpcode } from '../scsi/opcodes.js';

/** Opcodes IMAPI2 exempts from the group rule (legacy commands with odd CDB lengths). */
const EXEMPT = new Set([
  0x02, 0x05, 0x06, 0x09, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x13, 0x14, 0x19, 0x20, 0x21, 0x22, 0x23,
  0x24, 0x26, 0x27, 0x29, 0x2c, 0x2d,
]);

/** The length a CDB must have, or undefined when any length 6..16 is accepted. */
export function requiredCdbLength(opcode: number): number | undefined {
  if (EXEMPT.has(opcode)) return undefined;
  return cdbLengthForOpcode(opcode);
}

/** Throws E_POINTER / E_INVALIDARG unless `cdb` may be sent (nothing is sent on failure). */
export function checkCdb(cdb: unknown): asserts cdb is Uint8Array {
  if (cdb === null || cdb === undefined)
    throw new DwError(HR.E_POINTER, { message: 'cdb is required' });
  if (!(cdb instanceof Uint8Array)) {
    throw new DwError(HR.E_INVALIDARG, { message: 'cdb must be a Uint8Array' });
  }
  if (cdb.length < 6 || cdb.length > 16) {
    throw new DwError(HR.E_INVALIDARG, {
      message: `a CDB must be 6 to 16 bytes long; got ${cdb.length}`,
    });
  }
  const opcode = cdb[0] as number;
  const need = requiredCdbLength(opcode);
  if (need !== undefined && cdb.length !== need) {
    throw new DwError(HR.E_INVALIDARG, {
      message: `opcode 0x${opcode.toString(16).padStart(2, '0')} needs a ${need}-byte CDB; got ${cdb.length}`,
    });
  }
}
