// RESERVE TRACK (MMC-6 6.31). Pure codec: the 10-byte CDB, no data phase. Reserves the next track
// (CD TAO, DVD-R, DVD+R, BD-R) before it is written: by size (ARSV 0), or by the LBA where the
// next track shall start (ARSV 1, the logical track reservation parameter form).

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** ARSV 0: reserve `reservationSize` blocks for the invisible track. */
export interface ReserveTrackBySize {
  readonly arsv: false;
  /** RMZ: reserve an RMZ (HD DVD-R); normally false. */
  readonly rmz?: boolean;
  /** Reservation Size in blocks (unsigned 32-bit). */
  readonly reservationSize: number;
}

/** ARSV 1: the reserved track ends just before `reservationLba`. */
export interface ReserveTrackByLba {
  readonly arsv: true;
  readonly rmz?: boolean;
  /** Reservation LBA: the first LBA after the reserved track (signed 32-bit). */
  readonly reservationLba: number;
}

export type ReserveTrackOptions = ReserveTrackBySize | ReserveTrackByLba;

export type ReserveTrackCdb =
  | { readonly arsv: false; readonly rmz: boolean; readonly reservationSize: number }
  | { readonly arsv: true; readonly rmz: boolean; readonly reservationLba: number };

// byte 0      OPERATION CODE (53h)
// byte 1      bit 1 RMZ, bit 0 ARSV
// ARSV = 0:   bytes 2..4 Reserved, bytes 5..8 Reservation Size
// ARSV = 1:   bytes 2..8 Logical Track Reservation Parameter: bytes 2..5 Reservation LBA,
//             bytes 6..8 Reserved
// byte 9      CONTROL
export function encodeReserveTrackCdb(o: ReserveTrackOptions): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.RESERVE_TRACK);
  w.flag(1, 1, o.rmz); // RMZ
  if (o.arsv) {
    w.flag(1, 0, true); // ARSV
    w.i32(2, o.reservationLba, 'Reservation LBA');
  } else {
    w.u32(5, o.reservationSize, 'Reservation Size');
  }
  return w.bytes;
}

export function decodeReserveTrackCdb(cdb: Uint8Array): ReserveTrackCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'RESERVE TRACK CDB');
  if (r.u8(0) !== Opcode.RESERVE_TRACK) throw new MalformedDataError('not a RESERVE TRACK CDB');
  const rmz = r.bit(1, 1);
  return r.bit(1, 0)
    ? { arsv: true, rmz, reservationLba: r.i32(2) }
    : { arsv: false, rmz, reservationSize: r.u32(5) };
}

/** RESERVE TRACK, e.g. `{ arsv: false, reservationSize: 2_295_104 }`. */
export function reserveTrack(o: ReserveTrackOptions): ScsiCommand {
  return scsiCommand('RESERVE TRACK', encodeReserveTrackCdb(o), 'none');
}
