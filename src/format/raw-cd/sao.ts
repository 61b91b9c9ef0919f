// Session-at-Once of a RawCDImage (docs/cd.md, "SAO"): the cue sheet a drive needs for the image's
// layout (MMC-6 6.33, built by buildCueSheet) and the lead-in's CD-TEXT as the host sends it.
// Every sector from −150 to the lead-out comes from the host as the image has it: 2,352 bytes of
// main channel (CD-DA 00h, Mode 1 raw 11h, Mode 2 raw 31h) plus 96 bytes of raw P-W (sub-channel
// 01b), of which the drive keeps R-W and makes P and Q itself from the cue sheet. The lead-in and
// the lead-out are the drive's (generated); CD-TEXT goes in the lead-in's R-W.

import {
  buildCueSheet,
  CueMainForm,
  CueSubchannelForm,
  type CueSession,
  type CueSheetEntry,
  type CueTrack,
} from '../../scsi/mmc/send-cue-sheet.js';
import { CdSectorType } from '../../device/types.js';
import type { DiscLayout, LaidOutTrack } from './layout.js';

function mainFormOf(t: LaidOutTrack): number {
  if (t.sectorType === CdSectorType.AUDIO) return CueMainForm.CD_DA;
  const mode2 =
    t.sectorType === CdSectorType.MODE2FORM0 ||
    t.sectorType === CdSectorType.MODE2FORM1 ||
    t.sectorType === CdSectorType.MODE2FORM2 ||
    t.sectorType === CdSectorType.MODE2FORM0RAW ||
    t.sectorType === CdSectorType.MODE2FORM1RAW ||
    t.sectorType === CdSectorType.MODE2FORM2RAW;
  return mode2 ? CueMainForm.MODE2_RAW : CueMainForm.MODE1_RAW;
}

/** The cue sheet of `layout`: each track and its pregap sent by the host with raw P-W. */
export function saoCueSheet(layout: DiscLayout): CueSheetEntry[] {
  const tracks: CueTrack[] = layout.tracks.map((t) => ({
    control: t.control,
    mainForm: mainFormOf(t),
    subchannelForm: CueSubchannelForm.RAW_PW,
    startLba: t.startingLba,
    pregapSectors: t.startingLba - t.pregapLba,
    indexLbas: t.indexes.slice(1).map((off) => t.startingLba + off),
    ...(t.isrc === undefined ? {} : { isrc: t.isrc }),
  }));
  const session: CueSession = {
    firstTrackNumber: layout.tracks[0]?.trackNumber ?? 1,
    tracks,
    leadOutLba: layout.startOfLeadout,
    ...(layout.mediaCatalogNumber === undefined
      ? {}
      : { mediaCatalogNumber: layout.mediaCatalogNumber }),
    cdTextInLeadIn: layout.cdTextSymbols !== undefined,
  };
  return buildCueSheet(session);
}

/** 96-byte R-W blocks of the lead-in from `leadInStart` up to −150: the CD-TEXT symbols cycled. */
export function saoLeadInText(symbols: Uint8Array, leadInStart: number): Uint8Array {
  const sectors = -150 - leadInStart;
  const out = new Uint8Array(sectors * 96);
  for (let at = 0; at < out.length; at += symbols.length) {
    out.set(symbols.subarray(0, Math.min(symbols.length, out.length - at)), at);
  }
  return out;
}
