// RawCDImageCreator (IMAPI2 IRawCDImageCreator / IRawCDImageTrackInfo, camelCase): builds the
// stream of raw 2,448-byte sectors a raw disc-at-once write sends, from audio (PCM or WAVE) and
// data (ISO user data) tracks, with pregaps, index points, ISRC and the media catalogue number
// in the subchannel. Layout and subchannel: raw-cd/layout.ts; sectors: raw-cd/image-stream.ts;
// what is built and what is left: docs/raw-cd.md.

import { DwError, HR, invalidArgument, type HResult } from '../errors.js';
import { MSF_LBA_MAX, MSF_LBA_MIN } from '../scsi/mmc/msf.js';
import { isValidIsrc, isValidMcn } from '../scsi/cd/subchannel.js';
import type { FormattedToc } from '../scsi/mmc/read-toc-pma-atip.js';
import type { CdSectorType } from './raw-cd/layout.js';
import {
  Format2RawCdDataSectorType,
  RAW_CD_LIMITS,
  RAW_CD_SECTOR_BYTES,
  controlFor,
  formattedToc,
  isAudio,
  type DiscLayout,
  type LaidOutTrack,
} from './raw-cd/layout.js';
import { IMAGE_START_LBA, rawImageSectors } from './raw-cd/image-stream.js';
import {
  describeTrackSource,
  userBytesPerSector,
  type RawTrackSource,
  type TrackData,
} from './raw-cd/track-source.js';

/** IMAPI_CD_TRACK_DIGITAL_COPY_SETTING (SCMS, 2, is not offered). */
export const ImapiCdTrackDigitalCopySetting = { PERMITTED: 0, PROHIBITED: 1 } as const;

/** Options of addTrack beyond IMAPI2's two arguments. */
export interface AddTrackOptions {
  /**
   * Pregap (index 0) sectors before this track. Default: 150 when the track's kind (audio or
   * data) differs from the previous track's or gapless audio is disabled, else 0. The first
   * track's pregap is always the 150 sectors from LBA −150.
   */
  readonly pregapSectors?: number;
}

/** The result of createResultImage: an async iterable of chunks of raw sectors. */
export interface RawCDImage extends AsyncIterable<Uint8Array> {
  readonly startLba: number;
  readonly sectorCount: number;
  readonly bytesPerSector: number;
  readonly sectorType: Format2RawCdDataSectorType;
  readonly layout: DiscLayout;
}

interface TrackEntry {
  readonly sectorType: CdSectorType;
  readonly data: TrackData;
  readonly pregapSectors: number;
  indexes: number[];
  isrc: string | undefined;
  copy: number;
  preEmphasis: boolean;
}

const LEAD_OUT_SECTORS = 6750;

/** IRawCDImageTrackInfo: a live view of one added track. */
export class RawCDImageTrackInfo {
  readonly #owner: RawCDImageCreator;
  readonly #entry: TrackEntry;
  readonly #position: number;

  /** @internal */
  constructor(owner: RawCDImageCreator, entry: TrackEntry, position: number) {
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
    return this.#entry.data.sectorCount;
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

/** IRawCDImageCreator. */
export class RawCDImageCreator {
  readonly #tracks: TrackEntry[] = [];
  #readOnly = false;
  #adding = false;
  #resultingImageType: Format2RawCdDataSectorType = Format2RawCdDataSectorType.SUBCODE_IS_RAW;
  #startingTrackNumber = 1;
  #mediaCatalogNumber: string | undefined;
  #startOfLeadoutLimit = 0;
  #disableGaplessAudio = false;

  /** @internal Throws E_IMAPI_RAW_IMAGE_IS_READ_ONLY once the result image was made. */
  checkWritable(): void {
    if (this.#readOnly) throw new DwError(HR.E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
  }

  get resultingImageType(): Format2RawCdDataSectorType {
    return this.#resultingImageType;
  }
  /** Only IS_RAW (2,448-byte sectors with raw P-W) is built so far (docs/raw-cd.md). */
  set resultingImageType(value: Format2RawCdDataSectorType) {
    this.checkWritable();
    if (!(value in RAW_CD_SECTOR_BYTES)) throw invalidArgument(`sector type ${String(value)}`);
    if (value !== Format2RawCdDataSectorType.SUBCODE_IS_RAW) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, {
        message: `result sector type ${value} is not built yet; use IS_RAW (3)`,
      });
    }
    this.#resultingImageType = value;
  }

  get startingTrackNumber(): number {
    return this.#startingTrackNumber;
  }
  set startingTrackNumber(value: number) {
    this.checkWritable();
    if (this.#tracks.length > 0) throw new DwError(HR.E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED);
    if (!Number.isInteger(value) || value < 1 || value > RAW_CD_LIMITS.maxTrackNumber) {
      throw invalidArgument(`starting track number ${value} lies outside 1..99`);
    }
    this.#startingTrackNumber = value;
  }

  get mediaCatalogNumber(): string {
    return this.#mediaCatalogNumber ?? '';
  }
  /** 13 digits (UPC/EAN); '' clears it. */
  set mediaCatalogNumber(value: string) {
    this.checkWritable();
    if (value !== '' && !isValidMcn(value)) {
      throw invalidArgument(`media catalog number "${value}" is not 13 digits`);
    }
    this.#mediaCatalogNumber = value === '' ? undefined : value;
  }

  get disableGaplessAudio(): boolean {
    return this.#disableGaplessAudio;
  }
  /** True: a 2-second pregap before every track (default: audio tracks follow each other gaplessly). */
  set disableGaplessAudio(value: boolean) {
    this.checkWritable();
    this.#disableGaplessAudio = value;
  }

  get startOfLeadoutLimit(): number {
    return this.#startOfLeadoutLimit;
  }
  /** The last LBA the lead-out may start at (0: only the MSF range limits it). */
  set startOfLeadoutLimit(value: number) {
    this.checkWritable();
    if (!Number.isInteger(value) || value < 0) throw invalidArgument(`limit ${value}`);
    this.#startOfLeadoutLimit = value;
  }

  get numberOfExistingTracks(): number {
    return this.#tracks.length;
  }
  get startOfLeadout(): number {
    return this.layout().startOfLeadout;
  }
  get lastUsedUserSectorInImage(): number {
    return this.startOfLeadout - 1;
  }
  /** The formatted TOC (READ TOC format 0) a drive reports after writing this image. */
  get expectedTableOfContents(): FormattedToc {
    if (this.#tracks.length === 0) throw new DwError(HR.E_IMAPI_RAW_IMAGE_NO_TRACKS);
    return formattedToc(this.layout());
  }

  /** @internal The layout of the tracks added so far. */
  layout(entries: readonly TrackEntry[] = this.#tracks): DiscLayout {
    let lba = IMAGE_START_LBA;
    const tracks: LaidOutTrack[] = entries.map((e, i) => {
      const pregapLba = lba;
      const startingLba = i === 0 ? 0 : lba + e.pregapSectors;
      lba = startingLba + e.data.sectorCount;
      return {
        trackNumber: this.#startingTrackNumber + i,
        sectorType: e.sectorType,
        control: controlFor(e.sectorType, e.copy === 0, e.preEmphasis),
        pregapLba,
        startingLba,
        sectorCount: e.data.sectorCount,
        indexes: [...e.indexes],
        isrc: e.isrc,
      };
    });
    return {
      tracks,
      leadInStartLba: IMAGE_START_LBA,
      startOfLeadout: lba,
      leadOutSectors: LEAD_OUT_SECTORS,
      mediaCatalogNumber: this.#mediaCatalogNumber,
    };
  }

  /**
   * Adds a track of `dataType` (AUDIO, MODE1, MODE2FORM1, MODE2FORM2) read from `source`; returns
   * its 1-based position. Audio: raw PCM or a WAVE file, at least 4 s; data: user data in whole
   * sectors (an ISO for MODE1).
   */
  async addTrack(
    dataType: CdSectorType,
    source: RawTrackSource,
    options: AddTrackOptions = {},
  ): Promise<number> {
    this.checkWritable();
    if (this.#adding) throw new DwError(HR.E_FAIL, { message: 'another addTrack is running' });
    const sectorBytes = userBytesPerSector(dataType);
    if (sectorBytes === undefined) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, {
        message: `track sector type ${String(dataType)} is not supported (AUDIO, MODE1, MODE2FORM1, MODE2FORM2 are)`,
      });
    }
    if (this.#startingTrackNumber + this.#tracks.length > RAW_CD_LIMITS.maxTrackNumber) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS);
    }
    const previous = this.#tracks[this.#tracks.length - 1];
    const modeChange = previous !== undefined && isAudio(previous.sectorType) !== isAudio(dataType);
    const minimum = modeChange ? RAW_CD_LIMITS.modeChangePregap : 0;
    const pregap =
      previous === undefined
        ? RAW_CD_LIMITS.modeChangePregap
        : (options.pregapSectors ?? (modeChange || this.#disableGaplessAudio ? 150 : 0));
    if (!Number.isInteger(pregap) || pregap < minimum || pregap > 100 * 4500) {
      throw invalidArgument(
        `pregap of ${String(pregap)} sectors; a track after one of another kind needs at least ${minimum}`,
      );
    }
    this.#adding = true;
    try {
      const data = await describeTrackSource(source, dataType, sectorBytes);
      this.checkWritable();
      if (data.sectorCount < RAW_CD_LIMITS.minTrackSectors) {
        throw invalidArgument(
          `${data.name}: ${data.sectorCount} sectors; a track lasts at least 4 s (${RAW_CD_LIMITS.minTrackSectors} sectors)`,
        );
      }
      const entry: TrackEntry = {
        sectorType: dataType,
        data,
        pregapSectors: pregap,
        indexes: [0],
        isrc: undefined,
        copy: ImapiCdTrackDigitalCopySetting.PROHIBITED,
        preEmphasis: false,
      };
      const next = this.layout([...this.#tracks, entry]);
      const limit = this.#startOfLeadoutLimit;
      if (
        (limit > 0 && next.startOfLeadout > limit) ||
        next.startOfLeadout + next.leadOutSectors - 1 > MSF_LBA_MAX
      ) {
        throw new DwError(HR.E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE, {
          message: `the lead-out would start at LBA ${next.startOfLeadout}, past ${limit > 0 ? limit : 'the MSF range'}`,
        });
      }
      this.#tracks.push(entry);
      return this.#tracks.length;
    } finally {
      this.#adding = false;
    }
  }

  /** IRawCDImageCreator::get_TrackInfo: `trackIndex` is addTrack's 1-based result. */
  trackInfo(trackIndex: number): RawCDImageTrackInfo {
    const entry = this.#tracks[trackIndex - 1];
    if (!Number.isInteger(trackIndex) || entry === undefined) {
      throw invalidArgument(`no track ${trackIndex} (${this.#tracks.length} added)`);
    }
    return new RawCDImageTrackInfo(this, entry, trackIndex - 1);
  }

  /**
   * Freezes the image (every setter then fails with E_IMAPI_RAW_IMAGE_IS_READ_ONLY) and returns
   * its sectors from LBA −150 through the lead-out; with `leadInStartLba` (a discwright
   * extension: the ATIP's lead-in start, DiscFormat2RawCD.startOfNextSession) from the lead-in,
   * its Q carrying the TOC. Each iteration reads the sources afresh.
   */
  createResultImage(options: { readonly leadInStartLba?: number } = {}): RawCDImage {
    if (this.#tracks.length === 0) throw new DwError(HR.E_IMAPI_RAW_IMAGE_NO_TRACKS);
    const leadIn = options.leadInStartLba ?? IMAGE_START_LBA;
    if (!Number.isInteger(leadIn) || leadIn < MSF_LBA_MIN || leadIn > IMAGE_START_LBA) {
      throw invalidArgument(`lead-in start ${leadIn} lies outside ${MSF_LBA_MIN}..-150`);
    }
    this.#readOnly = true;
    const layout = { ...this.layout(), leadInStartLba: leadIn };
    const data = this.#tracks.map((t) => t.data);
    const bytesPerSector = RAW_CD_SECTOR_BYTES[this.#resultingImageType];
    return {
      startLba: leadIn,
      sectorCount: layout.startOfLeadout + layout.leadOutSectors - leadIn,
      bytesPerSector,
      sectorType: this.#resultingImageType,
      layout,
      [Symbol.asyncIterator]: () => rawImageSectors(layout, data),
    };
  }
}
