// SET CD SPEED (MMC-6 6.37). Pure codec: the CDB, no data phase. The legacy way to set read and
// write speeds (CD, and the fallback when SET STREAMING is refused); FFFFh asks for the maximum.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** A speed field of FFFFh: the drive's maximum (or optimal) speed. */
export const SET_CD_SPEED_MAXIMUM = 0xffff;

/** ROTATIONAL CONTROL values. */
export const RotationalControl = {
  /** CLV, or non-pure CAV. */
  CLV: 0b00,
  PURE_CAV: 0b01,
} as const;

export interface SetCdSpeedCdb {
  readonly rotationalControl: number;
  /** LOGICAL UNIT READ SPEED in kB/s (FFFFh = maximum). */
  readonly readSpeedKBps: number;
  /** LOGICAL UNIT WRITE SPEED in kB/s (FFFFh = maximum). */
  readonly writeSpeedKBps: number;
}

export type SetCdSpeedOptions = Partial<SetCdSpeedCdb>;

// byte 0      OPERATION CODE (BBh)
// byte 1      bits 1..0 ROTATIONAL CONTROL
// bytes 2..3  LOGICAL UNIT READ SPEED (kB/s)
// bytes 4..5  LOGICAL UNIT WRITE SPEED (kB/s)
// bytes 6..10 reserved
// byte 11     CONTROL
/** Speeds default to FFFFh (maximum), rotational control to CLV. */
export function encodeSetCdSpeedCdb(o: SetCdSpeedOptions = {}): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.SET_CD_SPEED);
  w.bits(1, 0, 0x03, o.rotationalControl ?? RotationalControl.CLV, 'ROTATIONAL CONTROL');
  w.u16(2, o.readSpeedKBps ?? SET_CD_SPEED_MAXIMUM, 'LOGICAL UNIT READ SPEED');
  w.u16(4, o.writeSpeedKBps ?? SET_CD_SPEED_MAXIMUM, 'LOGICAL UNIT WRITE SPEED');
  return w.bytes;
}

export function decodeSetCdSpeedCdb(cdb: Uint8Array): SetCdSpeedCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'SET CD SPEED CDB');
  if (r.u8(0) !== Opcode.SET_CD_SPEED) throw new MalformedDataError('not a SET CD SPEED CDB');
  return {
    rotationalControl: r.bits(1, 0, 0x03),
    readSpeedKBps: r.u16(2),
    writeSpeedKBps: r.u16(4),
  };
}

export function setCdSpeed(o: SetCdSpeedOptions = {}): ScsiCommand {
  return scsiCommand('SET CD SPEED', encodeSetCdSpeedCdb(o), 'none');
}
