// MODE SELECT(10) (SPC-4, MMC-6). Pure codec: the CDB, and the mode parameter list it
// sends (encoder for the host, decoder for the virtual drive; see ./mode-parameters.ts).

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import {
  decodeModeParameterList10,
  encodeModeParameterList10,
  type ModeParameterList10,
  type ModeParameterList10Init,
} from './mode-parameters.js';

export interface ModeSelect10Cdb {
  /** PF: the pages follow the standard page format. */
  readonly pf: boolean;
  /** SP: also save the pages (as SAVED_VALUES). */
  readonly sp: boolean;
  /** Bytes of the mode parameter list, 0..65535. */
  readonly parameterListLength: number;
}

export type ModeSelect10Options = Pick<ModeSelect10Cdb, 'parameterListLength'> &
  Partial<Omit<ModeSelect10Cdb, 'parameterListLength'>>;

// byte 0      OPERATION CODE (55h)
// byte 1      bit 4 PF, bit 0 SP
// bytes 2..6  Reserved
// bytes 7..8  PARAMETER LIST LENGTH
// byte 9      CONTROL
/** PF defaults to 1: MMC devices require the standard page format (PF = 0 means vendor format). */
export function encodeModeSelect10Cdb(o: ModeSelect10Options): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.MODE_SELECT_10);
  w.flag(1, 4, o.pf ?? true); // PF
  w.flag(1, 0, o.sp); // SP
  w.u16(7, o.parameterListLength, 'PARAMETER LIST LENGTH');
  return w.bytes;
}

export function decodeModeSelect10Cdb(cdb: Uint8Array): ModeSelect10Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'MODE SELECT(10) CDB');
  if (r.u8(0) !== Opcode.MODE_SELECT_10) throw new MalformedDataError('not a MODE SELECT(10) CDB');
  return { pf: r.bit(1, 4), sp: r.bit(1, 0), parameterListLength: r.u16(7) };
}

/**
 * The MODE SELECT(10) parameter list from header fields, block descriptors and whole pages.
 * MODE DATA LENGTH is left 0 and each page's PS bit cleared: both are reserved here.
 */
export function encodeModeSelect10Data(v: ModeParameterList10Init): Uint8Array {
  return encodeModeParameterList10(v, { modeSelect: true });
}

/** Decodes a MODE SELECT(10) parameter list (virtual drive side). */
export function decodeModeSelect10Data(bytes: Uint8Array): ModeParameterList10 {
  return decodeModeParameterList10(bytes, { modeSelect: true });
}

/** MODE SELECT(10) sending `data` (see encodeModeSelect10Data); the length is set from it. */
export function modeSelect10(
  o: Partial<Omit<ModeSelect10Cdb, 'parameterListLength'>> & { readonly data: Uint8Array },
): ScsiCommand {
  const cdb = encodeModeSelect10Cdb({ ...o, parameterListLength: o.data.length });
  return scsiCommand('MODE SELECT(10)', cdb, 'out', { dataOut: o.data });
}
