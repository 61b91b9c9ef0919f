// BLANK (MMC-6 6.3). Pure codec: the 12-byte CDB, no data phase. Erases CD-RW and DVD-RW media in
// whole or in part; with IMMED the drive returns at once and reports progress in sense data.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** Blanking Type (byte 1 bits 2..0). 111b is reserved. */
export const BlankingType = {
  /** Blank the disc: the whole disc, slowly. */
  BLANK_DISC: 0b000,
  /** Minimally blank the disc: PMA, lead-in and the first track's pre-gap only. */
  MINIMALLY_BLANK_DISC: 0b001,
  /** Blank a track (CD-RW: the track given by the Start Address/Track Number). */
  BLANK_TRACK: 0b010,
  /** Un-reserve a track: the last track, reserved but not written. */
  UNRESERVE_TRACK: 0b011,
  /** Blank a track tail: from the LBA given to the end of its track. */
  BLANK_TRACK_TAIL: 0b100,
  /** Unclose the last session: make a complete last session appendable again. */
  UNCLOSE_LAST_SESSION: 0b101,
  /** Erase the last session (blank an empty or incomplete session). */
  BLANK_SESSION: 0b110,
} as const;
export type BlankingType = (typeof BlankingType)[keyof typeof BlankingType];

export interface BlankCdb {
  /** IMMED: return status at once; the blanking goes on. */
  readonly immed: boolean;
  /** Blanking Type, 0..7 (BlankingType). */
  readonly blankingType: number;
  /**
   * START ADDRESS/TRACK NUMBER: the track number (BLANK_TRACK) or the LBA (BLANK_TRACK_TAIL);
   * ignored by the other types. Signed 32-bit.
   */
  readonly startAddressTrackNumber: number;
}

export type BlankOptions = Pick<BlankCdb, 'blankingType'> & Partial<Omit<BlankCdb, 'blankingType'>>;

// byte 0       OPERATION CODE (A1h)
// byte 1       bit 4 IMMED, bits 2..0 Blanking Type
// bytes 2..5   Start Address/Track Number
// bytes 6..10  Reserved
// byte 11      CONTROL
export function encodeBlankCdb(o: BlankOptions): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.BLANK);
  w.flag(1, 4, o.immed); // IMMED
  w.bits(1, 0, 0x07, o.blankingType, 'Blanking Type');
  w.i32(2, o.startAddressTrackNumber ?? 0, 'Start Address/Track Number');
  return w.bytes;
}

export function decodeBlankCdb(cdb: Uint8Array): BlankCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'BLANK CDB');
  if (r.u8(0) !== Opcode.BLANK) throw new MalformedDataError('not a BLANK CDB');
  return {
    immed: r.bit(1, 4),
    blankingType: r.bits(1, 0, 0x07),
    startAddressTrackNumber: r.i32(2),
  };
}

/** BLANK, e.g. `{ blankingType: BlankingType.MINIMALLY_BLANK_DISC, immed: true }`. */
export function blank(o: BlankOptions): ScsiCommand {
  return scsiCommand('BLANK', encodeBlankCdb(o), 'none');
}
