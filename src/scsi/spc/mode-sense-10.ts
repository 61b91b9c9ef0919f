// MODE SENSE(10) (SPC-4, MMC-6). Pure codec: the CDB, and the mode parameter list it
// returns (decoder for the host, encoder for the virtual drive; see ./mode-parameters.ts).

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import {
  decodeModeParameterList10,
  encodeModeParameterList10,
  modeParameterList10Length,
  type ModeParameterList10,
  type ModeParameterList10Init,
} from './mode-parameters.js';
import { ModePageRequestType } from './mode-pages.js';

export interface ModeSense10Cdb {
  /** LLBAA: long LBA block descriptors are accepted. */
  readonly llbaa: boolean;
  /** DBD: disable block descriptors. Some drives send one anyway. */
  readonly dbd: boolean;
  /** PC (page control), a ModePageRequestType value 0..3. */
  readonly pageControl: number;
  /** PAGE CODE, 0..63; ALL_MODE_PAGES (3Fh) for every page. */
  readonly pageCode: number;
  /** SUBPAGE CODE, 0..255. */
  readonly subpageCode: number;
  /** Bytes, 0..65535. */
  readonly allocationLength: number;
}

export type ModeSense10Options = Pick<ModeSense10Cdb, 'pageCode' | 'allocationLength'> &
  Partial<Omit<ModeSense10Cdb, 'pageCode' | 'allocationLength'>>;

// byte 0      OPERATION CODE (5Ah)
// byte 1      bit 4 LLBAA, bit 3 DBD
// byte 2      bits 7..6 PC, bits 5..0 PAGE CODE
// byte 3      SUBPAGE CODE
// bytes 4..6  Reserved
// bytes 7..8  ALLOCATION LENGTH
// byte 9      CONTROL
export function encodeModeSense10Cdb(o: ModeSense10Options): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.MODE_SENSE_10);
  w.flag(1, 4, o.llbaa); // LLBAA
  w.flag(1, 3, o.dbd); // DBD
  w.bits(2, 6, 0x03, o.pageControl ?? ModePageRequestType.CURRENT_VALUES, 'PC');
  w.bits(2, 0, 0x3f, o.pageCode, 'PAGE CODE');
  w.u8(3, o.subpageCode ?? 0, 'SUBPAGE CODE');
  w.u16(7, o.allocationLength, 'ALLOCATION LENGTH');
  return w.bytes;
}

export function decodeModeSense10Cdb(cdb: Uint8Array): ModeSense10Cdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'MODE SENSE(10) CDB');
  if (r.u8(0) !== Opcode.MODE_SENSE_10) throw new MalformedDataError('not a MODE SENSE(10) CDB');
  return {
    llbaa: r.bit(1, 4),
    dbd: r.bit(1, 3),
    pageControl: r.bits(2, 6, 0x03),
    pageCode: r.bits(2, 0, 0x3f),
    subpageCode: r.u8(3),
    allocationLength: r.u16(7),
  };
}

/** `2 + MODE DATA LENGTH` from the first 2 bytes of a reply: the allocation length to re-issue. */
export function modeSense10DataLength(bytes: Uint8Array): number {
  return modeParameterList10Length(bytes);
}

/**
 * Splits a MODE SENSE(10) reply into header, block descriptors and raw pages. A reply cut at the
 * allocation length decodes with `truncated` set; bytes past the MODE DATA LENGTH are ignored.
 */
export function decodeModeSense10Data(bytes: Uint8Array): ModeParameterList10 {
  return decodeModeParameterList10(bytes);
}

/** A MODE SENSE(10) reply (virtual drive side); MODE DATA LENGTH is computed. */
export function encodeModeSense10Data(v: ModeParameterList10Init): Uint8Array {
  return encodeModeParameterList10(v);
}

export function modeSense10(o: ModeSense10Options): ScsiCommand {
  return scsiCommand('MODE SENSE(10)', encodeModeSense10Cdb(o), 'in', {
    allocationLength: o.allocationLength,
  });
}
