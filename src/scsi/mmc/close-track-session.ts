// CLOSE TRACK/SESSION (MMC-6 6.4). Pure codec: the 10-byte CDB, no data phase. Closes a track,
// closes a session (keeping the disc appendable where the medium allows it) or finalizes the
// disc. The Close Function field widened from the old Session and Track bits to three bits whose
// meaning depends on the medium (MMC-6 6.4.3); a drive rejects a function its medium lacks.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** Close Function (byte 2 bits 2..0). 111b is reserved. */
export const CloseFunction = {
  /** DVD+RW: quick stop of a background format (de-icing stops, nothing more is written). */
  QUICK_STOP_BG_FORMAT: 0b000,
  /** Close the logical track given by Logical Track Number (CD, DVD±R, BD-R). */
  CLOSE_TRACK: 0b001,
  /**
   * Close the session: CD (finalizes unless page 05h Multi-session says otherwise), DVD-R (close
   * the border), DVD+R and BD-R (disc stays appendable); DVD+RW, formatted DVD-RW: stop or
   * complete formatting.
   */
  CLOSE_SESSION: 0b010,
  /** DVD+RW only; see MMC-6 6.4.3 for the medium's definition. */
  DVD_PLUS_RW_FUNCTION_011: 0b011,
  /** DVD+R DL only; see MMC-6 6.4.3 for the medium's definition. */
  DVD_PLUS_R_DL_FUNCTION_100: 0b100,
  /** DVD+R, DVD+R DL: close the session and finalize the disc with minimal radius. */
  FINALIZE_MINIMAL_RADIUS: 0b101,
  /** DVD+R, DVD+R DL, BD-R: close the session and finalize the disc. */
  FINALIZE: 0b110,
} as const;
export type CloseFunction = (typeof CloseFunction)[keyof typeof CloseFunction];

export interface CloseTrackSessionCdb {
  /** IMMED: return status at once; the close goes on (poll READ DISC INFORMATION). */
  readonly immed: boolean;
  /** Close Function, 0..7 (CloseFunction). */
  readonly closeFunction: number;
  /** Logical Track Number, 0..65535 (used by CLOSE_TRACK; 0 otherwise). */
  readonly logicalTrackNumber: number;
}

export type CloseTrackSessionOptions = Pick<CloseTrackSessionCdb, 'closeFunction'> &
  Partial<Omit<CloseTrackSessionCdb, 'closeFunction'>>;

// byte 0      OPERATION CODE (5Bh)
// byte 1      bit 0 IMMED
// byte 2      bits 2..0 Close Function
// byte 3      Reserved
// bytes 4..5  Logical Track Number
// bytes 6..8  Reserved
// byte 9      CONTROL
export function encodeCloseTrackSessionCdb(o: CloseTrackSessionOptions): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.CLOSE_TRACK_SESSION);
  w.flag(1, 0, o.immed); // IMMED
  w.bits(2, 0, 0x07, o.closeFunction, 'Close Function');
  w.u16(4, o.logicalTrackNumber ?? 0, 'Logical Track Number');
  return w.bytes;
}

export function decodeCloseTrackSessionCdb(cdb: Uint8Array): CloseTrackSessionCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'CLOSE TRACK/SESSION CDB');
  if (r.u8(0) !== Opcode.CLOSE_TRACK_SESSION) {
    throw new MalformedDataError('not a CLOSE TRACK/SESSION CDB');
  }
  return {
    immed: r.bit(1, 0),
    closeFunction: r.bits(2, 0, 0x07),
    logicalTrackNumber: r.u16(4),
  };
}

/** CLOSE TRACK/SESSION, e.g. `{ closeFunction: CloseFunction.CLOSE_TRACK, logicalTrackNumber: 1 }`. */
export function closeTrackSession(o: CloseTrackSessionOptions): ScsiCommand {
  return scsiCommand('CLOSE TRACK/SESSION', encodeCloseTrackSessionCdb(o), 'none');
}
