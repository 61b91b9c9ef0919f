// Write Protection Status, READ DISC STRUCTURE format C0h (MMC-6 6.23.3.2, media type 0). Pure
// codec: the 4-byte payload after the 4-byte structure header. What keeps the loaded disc from
// being written: the drive's software protection until power down, persistent protection, the
// cartridge's switch, or a media-specific reason (e.g. a DVD+RW write-inhibit DCB).

import { ByteReader, ByteWriter } from '../bytes.js';

export const WRITE_PROTECTION_STATUS_LENGTH = 4;

export interface WriteProtectionStatus {
  /** MSWI: media specific write inhibition. */
  readonly mswi: boolean;
  /** CWP: the cartridge's write protect switch. */
  readonly cwp: boolean;
  /** PWP: persistent write protection. */
  readonly pwp: boolean;
  /** SWPP: software write protection until power down. */
  readonly swpp: boolean;
}

// byte 0      bits 7..4 reserved, bit 3 MSWI, bit 2 CWP, bit 1 PWP, bit 0 SWPP
// bytes 1..3  reserved
export function encodeWriteProtectionStatus(v: WriteProtectionStatus): Uint8Array {
  const w = new ByteWriter(WRITE_PROTECTION_STATUS_LENGTH);
  w.flag(0, 3, v.mswi); // MSWI
  w.flag(0, 2, v.cwp); // CWP
  w.flag(0, 1, v.pwp); // PWP
  w.flag(0, 0, v.swpp); // SWPP
  return w.bytes;
}

export function decodeWriteProtectionStatus(payload: Uint8Array): WriteProtectionStatus {
  const r = new ByteReader(payload);
  r.need(0, 1, 'write protection status');
  return { mswi: r.bit(0, 3), cwp: r.bit(0, 2), pwp: r.bit(0, 1), swpp: r.bit(0, 0) };
}
