// The layout of a raw disc-at-once CD image (IRawCDImageCreator's result) and the subchannel of
// each of its sectors: where each track's pregap, indexes and the lead-out lie, and the P and Q
// a recorder must be sent with every 2,352-byte sector (ECMA-130 §22.3; the choices where the
// standard leaves room are in docs/raw-cd.md, "Subchannel choices"). Pure: no I/O.

import { CdSectorType, Format2RawCdDataSectorType } from '../../device/types.js';
import { invalidArgument } from '../../errors.js';
import { toBcd } from '../../scsi/cd/sector.js';
import { cdTextLeadInSector, rwChannelsFromSymbols } from '../../scsi/cd/cd-text.js';
import { lbaToMsf } from '../../scsi/mmc/msf.js';
import {
  QControl,
  TNO_LEAD_OUT,
  encodeQ,
  packRawPW,
  pChannel,
  type QFrame,
} from '../../scsi/cd/subchannel.js';
import {
  LEAD_OUT_TRACK_NUMBER,
  TocFormat,
  type FormattedToc,
} from '../../scsi/mmc/read-toc-pma-atip.js';

/** Bytes per sector of each result sector type. */
export { CdSectorType, Format2RawCdDataSectorType };

export const RAW_CD_SECTOR_BYTES: Readonly<Record<Format2RawCdDataSectorType, number>> = {
  1: 2368,
  2: 2448,
  3: 2448,
};

/** Red Book and IMAPI2 limits. */
export const RAW_CD_LIMITS = {
  maxTrackNumber: 99,
  /** Index 1..99 per track. */
  maxIndexes: 99,
  /** Indexes closer than this (sectors) are refused (E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE...). */
  minIndexSpacing: 10,
  /** A track's program part (from index 1) lasts at least 4 s. */
  minTrackSectors: 300,
  /** The pregap of the first track and of a track whose mode differs from the one before: 2 s. */
  modeChangePregap: 150,
} as const;

/** One track as laid out. LBAs are absolute; `indexes` are offsets from the track's start. */
export interface LaidOutTrack {
  readonly trackNumber: number;
  readonly sectorType: CdSectorType;
  /** Q CONTROL of the track (QControl bits). */
  readonly control: number;
  /** First LBA of the pregap (index 0); equals `startingLba` when there is none. */
  readonly pregapLba: number;
  /** Index 1: the track's first sector. */
  readonly startingLba: number;
  readonly sectorCount: number;
  /** Offsets of index 1, 2, ... from `startingLba` (first is 0), ascending. */
  readonly indexes: readonly number[];
  readonly isrc: string | undefined;
}

export interface DiscLayout {
  readonly tracks: readonly LaidOutTrack[];
  /** First LBA of the lead-in when the image includes it (e.g. −11,634 = 97:26:66); else −150. */
  readonly leadInStartLba: number;
  readonly startOfLeadout: number;
  readonly leadOutSectors: number;
  readonly mediaCatalogNumber: string | undefined;
  /** CD-TEXT as the lead-in's R-W symbols (cdTextLeadInSymbols), cycled from its first sector. */
  readonly cdTextSymbols?: Uint8Array;
  /** A0's PSEC: 00h CD-DA or CD-ROM, 20h CD-ROM XA (absent: 00h). */
  readonly discType?: number;
  /** Track 1's pregap (−150 up to its index 1) from the special pregap's audio, if given. */
  readonly specialPregap?: boolean;
}

/** Is the sector type audio (CD-DA) rather than data? */
export function isAudio(t: CdSectorType): boolean {
  return t === CdSectorType.AUDIO;
}

/** The track (with its pregap) that holds `lba`, for LBAs from the first pregap to the lead-out. */
export function trackAt(layout: DiscLayout, lba: number): LaidOutTrack | undefined {
  let found: LaidOutTrack | undefined;
  for (const t of layout.tracks) {
    if (t.pregapLba > lba) break;
    found = t;
  }
  return found;
}

/** Index number (0 in the pregap) and the LBA where that index starts, of `lba` in `track`. */
function indexAt(track: LaidOutTrack, lba: number): { index: number; startLba: number } {
  if (lba < track.startingLba) return { index: 0, startLba: track.pregapLba };
  let index = 1;
  let startLba = track.startingLba;
  for (const [i, off] of track.indexes.entries()) {
    if (track.startingLba + off <= lba) {
      index = i + 1;
      startLba = track.startingLba + off;
    }
  }
  return { index, startLba };
}

/** Q mode 2/3 slots (docs/raw-cd.md): one MCN and one ISRC frame in every 100 sectors. */
const MCN_SLOT = 50;
const ISRC_SLOT = 25;

/** Lead-in TOC entries: how often each Q frame is repeated before the next one. */
export const LEAD_IN_REPEAT = 3;

/**
 * The lead-in's table of contents as Q mode 1 entries in the order they cycle: one per track
 * (PMIN:PSEC:PFRAME its start), then A0 (first track, the disc type: 00h CD-DA or CD-ROM, 20h
 * CD-ROM XA), A1 (last
 * track), A2 (start of the lead-out). CONTROL is the track's; the first/last track's for A0/A1,
 * the last track's for A2.
 */
export function leadInEntries(
  layout: DiscLayout,
): { control: number; point: number; pointValue: [number, number, number] }[] {
  const at = (lba: number): [number, number, number] => {
    const m = lbaToMsf(lba);
    return [toBcd(m.m), toBcd(m.s), toBcd(m.f)];
  };
  const first = layout.tracks[0] as LaidOutTrack;
  const last = layout.tracks[layout.tracks.length - 1] as LaidOutTrack;
  return [
    ...layout.tracks.map((t) => ({
      control: t.control,
      point: t.trackNumber,
      pointValue: at(t.startingLba),
    })),
    {
      control: first.control,
      point: 0xa0,
      pointValue: [toBcd(first.trackNumber), layout.discType ?? 0x00, 0x00],
    },
    { control: last.control, point: 0xa1, pointValue: [toBcd(last.trackNumber), 0x00, 0x00] },
    { control: last.control, point: 0xa2, pointValue: at(layout.startOfLeadout) },
  ];
}

/** The Q frame of `lba` (from the lead-in or the first pregap through the lead-out). */
export function qFrameAt(layout: DiscLayout, lba: number): QFrame {
  if (lba < -150) {
    if (lba < layout.leadInStartLba) throw invalidArgument(`LBA ${lba} lies before the lead-in`);
    // Each entry LEAD_IN_REPEAT times in a row; MIN:SEC:FRAME run from 00:00:00 at the lead-in start.
    const entries = leadInEntries(layout);
    const n = lba - layout.leadInStartLba;
    const e = entries[Math.floor(n / LEAD_IN_REPEAT) % entries.length] as (typeof entries)[number];
    return {
      adr: 1,
      control: e.control,
      point: e.point,
      relativeFrames: n,
      pointValue: e.pointValue,
    };
  }
  const absolute = lbaToMsf(lba);
  if (lba >= layout.startOfLeadout) {
    const last = layout.tracks[layout.tracks.length - 1] as LaidOutTrack;
    return {
      adr: 1,
      control: last.control,
      trackNumber: TNO_LEAD_OUT,
      index: 1,
      relativeFrames: lba - layout.startOfLeadout,
      absolute,
    };
  }
  const track = trackAt(layout, lba);
  if (track === undefined) throw invalidArgument(`LBA ${lba} lies before the first pregap`);
  const { index, startLba } = indexAt(track, lba);
  // Mode 2/3 frames never replace the first sector of an index, so an index start is always
  // found in mode 1; the ISRC only appears inside the track itself (index 1 on).
  const slot = (lba + 150) % 100;
  if (lba !== startLba && layout.mediaCatalogNumber !== undefined && slot === MCN_SLOT) {
    return {
      adr: 2,
      control: track.control,
      mediaCatalogNumber: layout.mediaCatalogNumber,
      aframe: absolute.f,
    };
  }
  if (lba !== startLba && index >= 1 && track.isrc !== undefined && slot === ISRC_SLOT) {
    return { adr: 3, control: track.control, isrc: track.isrc, aframe: absolute.f };
  }
  return {
    adr: 1,
    control: track.control,
    trackNumber: track.trackNumber,
    index,
    // In the pause the relative time counts down and reaches 00:00:00 on its last sector.
    relativeFrames: index === 0 ? track.startingLba - 1 - lba : lba - track.startingLba,
    absolute,
  };
}

/**
 * The P flag of `lba`: set in every pause (index 0), clear in the tracks, and in the lead-out a
 * 2 Hz square wave starting set (ECMA-130 §22.3.2).
 */
export function pFlagAt(layout: DiscLayout, lba: number): boolean {
  if (lba >= layout.startOfLeadout) {
    return Math.floor(((lba - layout.startOfLeadout) * 4) / 75) % 2 === 0;
  }
  // The lead-in's P is clear; trackAt finds no track there.
  const track = trackAt(layout, lba);
  return track !== undefined && lba < track.startingLba;
}

/** The 96-byte raw P-W block of `lba` into `out`: R-W carry the CD-TEXT in the lead-in, else zero. */
export function rawSubcodeAt(layout: DiscLayout, lba: number, out: Uint8Array): Uint8Array {
  const text = layout.cdTextSymbols;
  const rw =
    text !== undefined && lba < -150
      ? rwChannelsFromSymbols(cdTextLeadInSector(text, lba - layout.leadInStartLba))
      : undefined;
  return packRawPW(pChannel(pFlagAt(layout, lba)), encodeQ(qFrameAt(layout, lba)), rw, out);
}

/** The formatted TOC (READ TOC format 0000b) a drive reports for the finished disc. */
export function formattedToc(layout: DiscLayout): FormattedToc {
  const first = layout.tracks[0] as LaidOutTrack;
  const last = layout.tracks[layout.tracks.length - 1] as LaidOutTrack;
  return {
    format: TocFormat.FORMATTED_TOC,
    firstTrackNumber: first.trackNumber,
    lastTrackNumber: last.trackNumber,
    descriptors: [
      ...layout.tracks.map((t) => ({
        adr: 1,
        control: t.control,
        trackNumber: t.trackNumber,
        trackStartAddress: t.startingLba,
      })),
      {
        adr: 1,
        control: last.control,
        trackNumber: LEAD_OUT_TRACK_NUMBER,
        trackStartAddress: layout.startOfLeadout,
      },
    ],
  };
}

/** Q CONTROL of a track: data or audio, with its copy and pre-emphasis bits. */
export function controlFor(
  sectorType: CdSectorType,
  copyPermitted: boolean,
  preEmphasis: boolean,
): number {
  let c = isAudio(sectorType) ? 0 : QControl.DATA_TRACK;
  if (copyPermitted) c |= QControl.COPY_PERMITTED;
  if (preEmphasis && isAudio(sectorType)) c |= QControl.PRE_EMPHASIS;
  return c;
}
