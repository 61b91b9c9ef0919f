// PREVENT ALLOW MEDIUM REMOVAL (SPC-4, MMC-6). Pure codec: a 6-byte CDB, no data phase.
// Locks or unlocks the tray; the lock is held per initiator until allowed again or reset.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** PREVENT field values: MMC-6 splits it into Persistent (bit 1) and Prevent (bit 0). */
export const Prevent = {
  ALLOW: 0,
  PREVENT: 1,
  PERSISTENT_ALLOW: 2,
  PERSISTENT_PREVENT: 3,
} as const;

export interface PreventAllowMediumRemovalCdb {
  /** PREVENT, 0..3 (see Prevent). */
  readonly prevent: number;
}

// byte 0      OPERATION CODE (1Eh)
// bytes 1..3  Reserved
// byte 4      bits 1..0 PREVENT (MMC-6: bit 1 Persistent, bit 0 Prevent)
// byte 5      CONTROL
export function encodePreventAllowMediumRemovalCdb(o: PreventAllowMediumRemovalCdb): Uint8Array {
  const w = new ByteWriter(6);
  w.u8(0, Opcode.PREVENT_ALLOW_MEDIUM_REMOVAL);
  w.bits(4, 0, 0x03, o.prevent, 'PREVENT');
  return w.bytes;
}

export function decodePreventAllowMediumRemovalCdb(cdb: Uint8Array): PreventAllowMediumRemovalCdb {
  const r = new ByteReader(cdb);
  r.need(0, 6, 'PREVENT ALLOW MEDIUM REMOVAL CDB');
  if (r.u8(0) !== Opcode.PREVENT_ALLOW_MEDIUM_REMOVAL) {
    throw new MalformedDataError('not a PREVENT ALLOW MEDIUM REMOVAL CDB');
  }
  return { prevent: r.bits(4, 0, 0x03) };
}

export function preventAllowMediumRemoval(o: PreventAllowMediumRemovalCdb): ScsiCommand {
  return scsiCommand('PREVENT ALLOW MEDIUM REMOVAL', encodePreventAllowMediumRemovalCdb(o), 'none');
}
