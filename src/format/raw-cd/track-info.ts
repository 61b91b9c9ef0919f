// IRawCDImageTrackInfo (camelCase): a live view of one track added to a RawCDImageCreator, with
// its ISRC, copy and pre-emphasis settings and index points (IMAPI2's limits: 99 indexes, at
// least 10 sectors apart). Split from raw-cd-image-creator.ts; docs/raw-cd.md.

import { DwError, HR, invalidArgument, type HResult } from '../../errors.js';
import { isValidIsrc } from '../../scsi/cd/subchannel.js';
import {
  CdSectorType,
  controlFor,
  RAW_CD_LIMITS,
  type DiscLayout,
  type LaidOutTrack,
} from './layout.js';
import type { TrackData } from './track-source.js';

/** What a track's view needs of its creator. */
export interface TrackOwner {
  checkWritable(): void;
  layout(): DiscLayout;
}

/** @internal One added track. */
export interface TrackEntry {
  readonly sectorType: CdSectorType;
  readonly data: TrackData;
  /** Pregap (index 0) sectors in all, generated ones and `data.pregapInSource`. */
  readonly pregapSectors: number;
  /** Generated sectors after the source's last (a CUE POSTGAP), part of the track. */
  readonly postgapSectors: number;
  indexes: number[];
  isrc: string | undefined;
  copy: number;
  preEmphasis: boolean;
}

/** Sectors of a track from index 1 on: the source's after its pregap, plus the postgap. */
export function trackSectors(e: Pick<TrackEntry, 'data' | 'postgapSectors'>): number {
  return e.data.sectorCount - (e.data.pregapInSource ?? 0) + e.postgapSectors;
}

/** What a layout takes from the creator beside its tracks. */
export interface LayoutSettings {
  readonly startingTrackNumber: number;
  readonly mediaCatalogNumber: string | undefined;
  /** Track 1's pregap from LBA −150: 150 sectors, or the special pregap's length. */
  readonly firstPregapSectors: number;
  readonly leadOutSectors: number;
}

const MODE2_TYPES: readonly CdSectorType[] = [
  CdSectorType.MODE2FORM0,
  CdSectorType.MODE2FORM1,
  CdSectorType.MODE2FORM2,
  CdSectorType.MODE2FORM0RAW,
  CdSectorType.MODE2FORM1RAW,
  CdSectorType.MODE2FORM2RAW,
];

/**
 * Lays the tracks out from LBA −150: track 1 starts after its pregap, each later one after the
 * previous track and its own pregap. The disc type (A0's PSEC) is CD-ROM XA (20h) when a track
 * is Mode 2, else CD-DA / CD-ROM (00h).
 */
export function layOutTracks(entries: readonly TrackEntry[], s: LayoutSettings): DiscLayout {
  let lba = -150;
  const tracks: LaidOutTrack[] = entries.map((e, i) => {
    const pregapLba = lba;
    const startingLba = lba + (i === 0 ? s.firstPregapSectors : e.pregapSectors);
    const sectorCount = trackSectors(e);
    lba = startingLba + sectorCount;
    return {
      trackNumber: s.startingTrackNumber + i,
      sectorType: e.sectorType,
      control: controlFor(e.sectorType, e.copy === 0, e.preEmphasis),
      pregapLba,
      startingLba,
      sectorCount,
      indexes: [...e.indexes],
      isrc: e.isrc,
    };
  });
  return {
    tracks,
    leadInStartLba: -150,
    startOfLeadout: lba,
    leadOutSectors: s.leadOutSectors,
    mediaCatalogNumber: s.mediaCatalogNumber,
    discType: entries.some((e) => MODE2_TYPES.includes(e.sectorType)) ? 0x20 : 0x00,
  };
}

/** IRawCDImageTrackInfo: a live view of one added track. */
export class RawCDImageTrackInfo {
  readonly #owner: TrackOwner;
  readonly #entry: TrackEntry;
  readonly #position: number;

  /** @internal */
  constructor(owner: TrackOwner, entry: TrackEntry, position: number) {
    this.#owner = owner;
    this.#entry = entry;
    this.#position = position;
  }

  #laid(): LaidOutTrack {
    return this.#owner.layout().tracks[this.#position] as LaidOutTrack;
  }
  get startingLba(): number {
    return this.#laid().startingLba;
  }
  get sectorCount(): number {
    return trackSectors(this.#entry);
  }
  get trackNumber(): number {
    return this.#laid().trackNumber;
  }
  get sectorType(): CdSectorType {
    return this.#entry.sectorType;
  }
  get isrc(): string {
    return this.#entry.isrc ?? '';
  }
  /** ISO 3901 code, CCOOOYYNNNNN (12 characters, no hyphens); '' clears it. */
  set isrc(value: string) {
    this.#owner.checkWritable();
    if (value !== '' && !isValidIsrc(value)) {
      throw invalidArgument(`ISRC "${value}" is not 5 letters/digits then 7 digits`);
    }
    this.#entry.isrc = value === '' ? undefined : value;
  }
  get digitalAudioCopySetting(): number {
    return this.#entry.copy;
  }
  set digitalAudioCopySetting(value: number) {
    this.#owner.checkWritable();
    if (value !== 0 && value !== 1) throw invalidArgument(`copy setting ${value}: 0 or 1`);
    this.#entry.copy = value;
  }
  get audioHasPreemphasis(): boolean {
    return this.#entry.preEmphasis;
  }
  set audioHasPreemphasis(value: boolean) {
    this.#owner.checkWritable();
    this.#entry.preEmphasis = value;
  }
  /** Offsets of index 1, 2, ... from the track's start; index 1 is always at 0. */
  get trackIndexes(): readonly number[] {
    return [...this.#entry.indexes];
  }

  /** Adds an index at `lbaOffset`; S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS if present. */
  addTrackIndex(lbaOffset: number): HResult {
    this.#owner.checkWritable();
    const idx = this.#entry.indexes;
    if (!Number.isInteger(lbaOffset) || lbaOffset < 0 || lbaOffset >= this.sectorCount) {
      throw invalidArgument(`index offset ${lbaOffset} lies outside 0..${this.sectorCount - 1}`);
    }
    if (idx.includes(lbaOffset)) return HR.S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS;
    if (idx.length >= RAW_CD_LIMITS.maxIndexes) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES);
    }
    const near = idx.find((o) => Math.abs(o - lbaOffset) < RAW_CD_LIMITS.minIndexSpacing);
    if (near !== undefined) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX, {
        message: `index at offset ${lbaOffset} is ${Math.abs(near - lbaOffset)} sectors from the one at ${near} (at least ${RAW_CD_LIMITS.minIndexSpacing})`,
      });
    }
    idx.push(lbaOffset);
    idx.sort((a, b) => a - b);
    return HR.S_OK;
  }

  /** Removes the index at `lbaOffset` (index 1, at 0, cannot be removed). */
  clearTrackIndex(lbaOffset: number): void {
    this.#owner.checkWritable();
    if (lbaOffset === 0)
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED);
    const at = this.#entry.indexes.indexOf(lbaOffset);
    if (at < 0) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND, {
        message: `track ${this.trackNumber} has no index at offset ${lbaOffset}`,
      });
    }
    this.#entry.indexes.splice(at, 1);
  }
}
