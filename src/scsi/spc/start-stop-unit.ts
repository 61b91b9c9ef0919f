// START STOP UNIT (SBC-3, MMC-6). Pure codec: a 6-byte CDB, no data phase. With LoEj it
// moves the medium: LoEj 1 + Start 0 ejects, LoEj 1 + Start 1 loads (closes the tray).

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** POWER CONDITION(S) field values (SBC-3, MMC-6). */
export const PowerCondition = {
  /** Process LoEj and Start; no power condition change. */
  START_VALID: 0x0,
  ACTIVE: 0x1,
  IDLE: 0x2,
  STANDBY: 0x3,
  /** MMC only (obsolete in SBC-3). */
  SLEEP: 0x5,
  /** Give power control back to the logical unit. */
  LU_CONTROL: 0x7,
  FORCE_IDLE_0: 0xa,
  FORCE_STANDBY_0: 0xb,
} as const;

export interface StartStopUnitCdb {
  /** IMMED: return status before the operation completes. */
  readonly immed: boolean;
  /** POWER CONDITION, 0..15; anything but START_VALID makes the device ignore LoEj and Start. */
  readonly powerCondition: number;
  /** LoEj: load (with Start) or eject (without) the medium. */
  readonly loEj: boolean;
  /** Start: spin up / make ready (or, with LoEj, load). */
  readonly start: boolean;
}

export type StartStopUnitOptions = Partial<StartStopUnitCdb>;

// byte 0      OPERATION CODE (1Bh)
// byte 1      bit 0 IMMED
// bytes 2..3  Reserved
// byte 4      bits 7..4 POWER CONDITION, bit 1 LOEJ, bit 0 START
// byte 5      CONTROL
export function encodeStartStopUnitCdb(o: StartStopUnitOptions = {}): Uint8Array {
  const w = new ByteWriter(6);
  w.u8(0, Opcode.START_STOP_UNIT);
  w.flag(1, 0, o.immed); // IMMED
  w.bits(4, 4, 0x0f, o.powerCondition ?? PowerCondition.START_VALID, 'POWER CONDITION');
  w.flag(4, 1, o.loEj); // LoEj
  w.flag(4, 0, o.start); // Start
  return w.bytes;
}

export function decodeStartStopUnitCdb(cdb: Uint8Array): StartStopUnitCdb {
  const r = new ByteReader(cdb);
  r.need(0, 6, 'START STOP UNIT CDB');
  if (r.u8(0) !== Opcode.START_STOP_UNIT) throw new MalformedDataError('not a START STOP UNIT CDB');
  return {
    immed: r.bit(1, 0),
    powerCondition: r.bits(4, 4, 0x0f),
    loEj: r.bit(4, 1),
    start: r.bit(4, 0),
  };
}

export function startStopUnit(o: StartStopUnitOptions = {}): ScsiCommand {
  return scsiCommand('START STOP UNIT', encodeStartStopUnitCdb(o), 'none');
}

/** Eject the medium / open the tray: LoEj 1, Start 0. */
export function ejectMedium(o: { readonly immed?: boolean } = {}): ScsiCommand {
  return startStopUnit({ ...o, loEj: true, start: false });
}

/** Load the medium / close the tray: LoEj 1, Start 1. */
export function loadMedium(o: { readonly immed?: boolean } = {}): ScsiCommand {
  return startStopUnit({ ...o, loEj: true, start: true });
}
