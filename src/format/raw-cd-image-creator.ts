// RawCDImageCreator (IMAPI2 IRawCDImageCreator / IRawCDImageTrackInfo, camelCase): builds the
// stream of raw sectors a raw disc-at-once write sends (2,448 bytes with P-W, or 2,368 with P-Q),
// from audio (PCM or WAVE) and data (ISO user data) tracks, with pregaps, index points, ISRC and
// the media catalogue number in the subchannel, CD-TEXT and the caller's R-W. Layout and subchannel: raw-cd/layout.ts; sectors: raw-cd/image-stream.ts;
// what is built and what is left: docs/raw-cd.md.

import { DwError, HR, invalidArgument } from '../errors.js';
import { MSF_LBA_MAX, MSF_LBA_MIN } from '../scsi/mmc/msf.js';
import { isValidMcn } from '../scsi/cd/subchannel.js';
import { cdTextLeadInSymbols, encodeCdTextPacks, type CdText } from '../scsi/cd/cd-text.js';
import type { FormattedToc } from '../scsi/mmc/read-toc-pma-atip.js';
import type { CdSectorType } from './raw-cd/layout.js';
import {
  Format2RawCdDataSectorType,
  RAW_CD_LIMITS,
  RAW_CD_SECTOR_BYTES,
  formattedToc,
  isAudio,
  type DiscLayout,
} from './raw-cd/layout.js';
import { IMAGE_START_LBA, rawImageSectors } from './raw-cd/image-stream.js';
import {
  describeTrackSource,
  userBytesPerSector,
  type RawTrackSource,
  type TrackData,
} from './raw-cd/track-source.js';
import { describeSpecialPregap } from './raw-cd/special-pregap.js';
import {
  layOutTracks,
  RawCDImageTrackInfo,
  trackSectors,
  type TrackEntry,
} from './raw-cd/track-info.js';
import {
  checkSubcodeRWKind,
  checkSubcodeRWLength,
  refuseWithoutRW,
  type SubcodeRWSource,
} from './raw-cd/subcode-rw.js';

export { RawCDImageTrackInfo };

const LEAD_OUT_SECTORS = 6750;

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
  /**
   * How many of the source's first sectors are the pregap (a CUE sheet's INDEX 00 inside the
   * file); at most the pregap, whose other sectors are generated before them. Default 0.
   */
  readonly pregapFromSource?: number;
  /** Generated sectors (silence, zero data) after the source, part of the track (CUE POSTGAP). */
  readonly postgapSectors?: number;
}

/** The result of createResultImage: an async iterable of chunks of raw sectors. */
export interface RawCDImage extends AsyncIterable<Uint8Array> {
  readonly startLba: number;
  readonly sectorCount: number;
  readonly bytesPerSector: number;
  readonly sectorType: Format2RawCdDataSectorType;
  readonly layout: DiscLayout;
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
  #cdText: CdText | undefined;
  #subcodeRW: SubcodeRWSource | undefined;
  #specialPregap: TrackData | undefined;

  /** @internal Throws E_IMAPI_RAW_IMAGE_IS_READ_ONLY once the result image was made. */
  checkWritable(): void {
    if (this.#readOnly) throw new DwError(HR.E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
  }

  get resultingImageType(): Format2RawCdDataSectorType {
    return this.#resultingImageType;
  }
  /**
   * PQ_ONLY (2,368 bytes: main channel + the 16-byte P-Q block), IS_COOKED (2,448: P-W with R-W
   * packed) or IS_RAW (2,448: raw P-W). PQ_ONLY carries no R-W, so it is refused
   * (E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED) while CD-TEXT or an R-W generator is set.
   */
  set resultingImageType(value: Format2RawCdDataSectorType) {
    this.checkWritable();
    if (!Object.hasOwn(RAW_CD_SECTOR_BYTES, value)) {
      throw invalidArgument(`sector type ${String(value)} (PQ_ONLY 1, IS_COOKED 2, IS_RAW 3)`);
    }
    if (value === Format2RawCdDataSectorType.SUBCODE_PQ_ONLY) {
      refuseWithoutRW(this.#cdText !== undefined ? 'CD-TEXT' : undefined, value);
      refuseWithoutRW(this.#subcodeRW !== undefined ? 'an R-W generator' : undefined, value);
    }
    this.#resultingImageType = value;
  }

  /**
   * IRawCDImageCreator::AddSubcodeRWGenerator: the R-W of every sector of the image, 96 bytes a
   * sector in image order (from its first sector, the lead-in's when createResultImage starts
   * there), bits 5..0 of each byte R..W, bits 7..6 zero. Bytes (length checked at
   * createResultImage) or an (async) iterable of byte chunks (read once per pass over the image;
   * too short or too long fails that pass with E_FAIL). In the lead-in of an image with CD-TEXT
   * its bytes must be zero. Refused for PQ_ONLY (E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
   * undefined removes it. The bytes are placed as given: IS_RAW takes them as the disc's symbols,
   * IS_COOKED as packed (de-interleaved) symbols the recorder interleaves.
   */
  addSubcodeRWGenerator(subcode: SubcodeRWSource | undefined): void {
    this.checkWritable();
    if (subcode !== undefined) {
      refuseWithoutRW('an R-W generator', this.#resultingImageType);
      checkSubcodeRWKind(subcode);
    }
    this.#subcodeRW = subcode;
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

  get cdText(): CdText | undefined {
    return this.#cdText;
  }
  /**
   * CD-TEXT for the lead-in's R-W (a discwright extension; IMAPI2 takes R-W through
   * addSubcodeRWGenerator): the album's and the tracks' texts, `tracks[0]` being the first added
   * track. Carried only by an image that starts in the lead-in (createResultImage with
   * leadInStartLba). Checked by encoding it now; undefined clears it.
   */
  set cdText(value: CdText | undefined) {
    this.checkWritable();
    if (value !== undefined) {
      refuseWithoutRW('CD-TEXT', this.#resultingImageType);
      encodeCdTextPacks(value);
    }
    this.#cdText = value;
  }

  /** The CD-TEXT packs for the tracks added: the texts padded to one entry per track. */
  #cdTextPacks(): Uint8Array | undefined {
    const t = this.#cdText;
    if (t === undefined) return undefined;
    if (t.tracks.length > this.#tracks.length) {
      throw invalidArgument(
        `CD-TEXT for ${t.tracks.length} tracks; the image has ${this.#tracks.length}`,
      );
    }
    const tracks = [...t.tracks];
    while (tracks.length < this.#tracks.length) tracks.push({});
    return encodeCdTextPacks({ ...t, tracks, firstTrackNumber: this.#startingTrackNumber });
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
    const pregap = this.#specialPregap;
    return {
      ...layOutTracks(entries, {
        startingTrackNumber: this.#startingTrackNumber,
        mediaCatalogNumber: this.#mediaCatalogNumber,
        // The special pregap replaces track 1's; without it track 1's own pregap (2 s or more).
        firstPregapSectors:
          pregap?.sectorCount ?? entries[0]?.pregapSectors ?? RAW_CD_LIMITS.modeChangePregap,
        leadOutSectors: LEAD_OUT_SECTORS,
      }),
      ...(pregap === undefined ? {} : { specialPregap: true }),
    };
  }

  /**
   * IRawCDImageCreator::AddSpecialPregap: audio (raw PCM or WAVE, as addTrack takes) for track
   * 1's whole pregap from LBA −150, at least 150 sectors; track 1 then starts after it (audio
   * heard by rewinding from track 1: a hidden track). Only before any track is added
   * (E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED), and track 1 must then be AUDIO. Its last sector
   * must lie at or before LBA 397,799 (88:25:74), so that a 4-second track and the lead-out fit
   * the MSF range. undefined removes it.
   */
  async addSpecialPregap(source: RawTrackSource | undefined): Promise<void> {
    this.checkWritable();
    if (this.#tracks.length > 0) throw new DwError(HR.E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED);
    if (source === undefined) {
      this.#specialPregap = undefined;
      return;
    }
    const d = await describeSpecialPregap(source);
    this.checkWritable();
    if (this.#tracks.length > 0) throw new DwError(HR.E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED);
    this.#specialPregap = d;
  }

  /**
   * Adds a track of `dataType` read from `source`; returns its 1-based position. AUDIO: raw PCM
   * or a WAVE file, at least 4 s; MODE1, MODE2FORM1 (2,048 bytes a sector: an ISO), MODE2FORM2
   * (2,324), MODE2FORM0 (2,336): user data in whole sectors; MODE1RAW and MODE2FORM*RAW: whole
   * 2,352-byte sectors written as they are (a BIN's data track).
   */
  async addTrack(
    dataType: CdSectorType,
    source: RawTrackSource,
    options: AddTrackOptions = {},
  ): Promise<number> {
    this.checkWritable();
    if (this.#adding) throw new DwError(HR.E_FAIL, { message: 'another addTrack is running' });
    const sectorBytes = userBytesPerSector(dataType);
    if (this.#specialPregap !== undefined && this.#tracks.length === 0 && !isAudio(dataType)) {
      throw invalidArgument('track 1 after a special pregap (audio) must be AUDIO');
    }
    if (sectorBytes === undefined) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, {
        message: `track sector type ${String(dataType)} is not supported (every type but MODE_ZERO is)`,
      });
    }
    if (this.#startingTrackNumber + this.#tracks.length > RAW_CD_LIMITS.maxTrackNumber) {
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS);
    }
    const previous = this.#tracks[this.#tracks.length - 1];
    const modeChange = previous !== undefined && isAudio(previous.sectorType) !== isAudio(dataType);
    // The first pregap is 2 s at least; a longer one runs past LBA 0 (index 1 moves there).
    const minimum = modeChange || previous === undefined ? RAW_CD_LIMITS.modeChangePregap : 0;
    const pregap =
      options.pregapSectors ??
      (previous === undefined || modeChange || this.#disableGaplessAudio ? 150 : 0);
    if (!Number.isInteger(pregap) || pregap < minimum || pregap > 100 * 4500) {
      throw invalidArgument(
        `pregap of ${String(pregap)} sectors; a track after one of another kind needs at least ${minimum}`,
      );
    }
    const fromSource = options.pregapFromSource ?? 0;
    const postgap = options.postgapSectors ?? 0;
    if (!Number.isInteger(fromSource) || fromSource < 0 || fromSource > pregap) {
      throw invalidArgument(
        `${String(fromSource)} pregap sectors from the source; the pregap has ${pregap}`,
      );
    }
    if (!Number.isInteger(postgap) || postgap < 0 || postgap > 100 * 4500) {
      throw invalidArgument(`postgap of ${String(postgap)} sectors`);
    }
    this.#adding = true;
    try {
      const described = await describeTrackSource(source, dataType, sectorBytes);
      this.checkWritable();
      const data = { ...described, pregapInSource: fromSource };
      const sectors = trackSectors({ data, postgapSectors: postgap });
      if (sectors < RAW_CD_LIMITS.minTrackSectors) {
        throw invalidArgument(
          `${data.name}: ${sectors} sectors from index 1; a track lasts at least 4 s (${RAW_CD_LIMITS.minTrackSectors} sectors)`,
        );
      }
      const entry: TrackEntry = {
        sectorType: dataType,
        data,
        pregapSectors: pregap,
        postgapSectors: postgap,
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
   * its Q carrying the TOC. Each iteration reads the sources (and the R-W generator) afresh.
   * R-W bytes that do not cover the image exactly are refused here (E_INVALIDARG).
   */
  createResultImage(options: { readonly leadInStartLba?: number } = {}): RawCDImage {
    if (this.#tracks.length === 0) throw new DwError(HR.E_IMAPI_RAW_IMAGE_NO_TRACKS);
    const leadIn = options.leadInStartLba ?? IMAGE_START_LBA;
    if (!Number.isInteger(leadIn) || leadIn < MSF_LBA_MIN || leadIn > IMAGE_START_LBA) {
      throw invalidArgument(`lead-in start ${leadIn} lies outside ${MSF_LBA_MIN}..-150`);
    }
    const packs = this.#cdTextPacks();
    const base = this.layout();
    const sectorCount = base.startOfLeadout + base.leadOutSectors - leadIn;
    const rw = this.#subcodeRW;
    if (rw !== undefined) checkSubcodeRWLength(rw, sectorCount);
    this.#readOnly = true;
    const layout = {
      ...base,
      leadInStartLba: leadIn,
      ...(packs === undefined ? {} : { cdTextSymbols: cdTextLeadInSymbols(packs) }),
    };
    const data = this.#tracks.map((t) => t.data);
    const bytesPerSector = RAW_CD_SECTOR_BYTES[this.#resultingImageType];
    const subcode = { sectorType: this.#resultingImageType, rw, pregap: this.#specialPregap };
    return {
      startLba: leadIn,
      sectorCount,
      bytesPerSector,
      sectorType: this.#resultingImageType,
      layout,
      [Symbol.asyncIterator]: () => rawImageSectors(layout, data, subcode),
    };
  }
}
