// DiscFormat2RawCD (IMAPI2 IDiscFormat2RawCD, camelCase), first part: raw disc-at-once writing of
// a RawCDImage from LBA −150 on blank CD-R/RW. prepareMedia() takes exclusive access and selects
// Write Type raw with Data Block Type 3 (2,352 bytes + 96 bytes of raw P-W, MMC-6 7.5.4);
// writeMedia() streams the image through the write engine with 2,448-byte sectors; releaseMedia()
// gives the drive back; writeMediaSao() writes Session-at-Once instead (raw-cd/sao.ts, beyond
// IMAPI2). What is left (events, speeds, the other sector types): docs/raw-cd.md.

import { DwError, HR } from '../errors.js';
import { DiscStatus } from '../scsi/mmc/read-disc-information.js';
import { msfToLba } from '../scsi/mmc/msf.js';
import {
  DataBlockType,
  MultiSession,
  WriteType,
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../scsi/mmc/mode-pages/write-parameters.js';
import type { DiscRecorder } from '../device/recorder.js';
import { ModePageRequestType, ModePageType } from '../device/types.js';
import { WriteEngine } from '../engine/index.js';
import type { Clock } from '../transport/clock.js';
import { readMedia } from './media-state.js';
import { isCdProfile } from './write-setup.js';
import { Format2RawCdDataSectorType, RAW_CD_SECTOR_BYTES } from './raw-cd/layout.js';
import { IMAGE_START_LBA } from './raw-cd/image-stream.js';
import type { RawCDImage } from './raw-cd-image-creator.js';
import { DiscFormat2Base } from './disc-format2-base.js';
import { saoCueSheet, saoLeadInText } from './raw-cd/sao.js';
import { sendCueSheet } from '../scsi/mmc/send-cue-sheet.js';
import { write10 } from '../scsi/block/write-10.js';
import { FeaturePageType } from '../scsi/mmc/features/feature-codes.js';
import { decodeCdMasteringFeature } from '../scsi/mmc/features/cd-mastering.js';

/**
 * A CD's READ DISC INFORMATION lead-in/lead-out fields are MSF (byte 0 reserved, then M, S, F:
 * MMC-6 6.22.3.1.10) whatever the CDB asked; the decoder hands them over as a 32-bit value.
 */
function msfField(v: number | null): number | undefined {
  if (v === null) return undefined;
  return msfToLba({ m: (v >> 16) & 0xff, s: (v >> 8) & 0xff, f: v & 0xff });
}

export interface DiscFormat2RawCDOptions {
  readonly clock?: Clock;
}

const CODES = {
  name: 'DiscFormat2RawCD',
  writeInProgress: HR.E_IMAPI_DF2RAW_WRITE_IN_PROGRESS,
  noRecorder: HR.E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED,
  clientNameIsNotValid: HR.E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID,
  mediaIsPrepared: HR.E_IMAPI_DF2RAW_MEDIA_IS_PREPARED,
  mediaIsNotPrepared: HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED,
};

/** IDiscFormat2RawCD. */
export class DiscFormat2RawCD extends DiscFormat2Base {
  #requestedSectorType: Format2RawCdDataSectorType = Format2RawCdDataSectorType.SUBCODE_IS_RAW;
  #bufferUnderrunFreeDisabled = false;
  #engine: WriteEngine | undefined;
  #startOfNextSession = 0;
  #lastPossibleStartOfLeadout = 0;

  constructor(options: DiscFormat2RawCDOptions = {}) {
    super(CODES, options.clock, 'discwright');
  }

  /** IDiscFormat2RawCD::put_Recorder; not while the media is prepared. */
  setRecorder(recorder: DiscRecorder): void {
    this.useRecorder(recorder);
  }

  /** IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPE to write; only IS_RAW so far. */
  get requestedSectorType(): Format2RawCdDataSectorType {
    return this.#requestedSectorType;
  }
  set requestedSectorType(v: Format2RawCdDataSectorType) {
    this.idle();
    this.unprepared();
    if (v !== Format2RawCdDataSectorType.SUBCODE_IS_RAW) {
      throw new DwError(HR.E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED, {
        message: `sector type ${String(v)} is not written yet; IS_RAW (3) is`,
      });
    }
    this.#requestedSectorType = v;
  }

  get bufferUnderrunFreeDisabled(): boolean {
    return this.#bufferUnderrunFreeDisabled;
  }
  set bufferUnderrunFreeDisabled(v: boolean) {
    this.idle();
    this.unprepared();
    this.#bufferUnderrunFreeDisabled = v === true;
  }

  /**
   * IDiscFormat2RawCD::get_SupportedSectorTypes: the IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPEs the
   * drive lists for the loaded disc, from its current CD Mastering feature (002Eh): Raw gives
   * PQ_ONLY (raw + P-Q, 2,368 bytes), Raw with R-W adds IS_COOKED and IS_RAW (2,448 bytes).
   * Empty when the feature is not current (no CD loaded) or the drive has no raw writing.
   */
  async getSupportedSectorTypes(): Promise<Format2RawCdDataSectorType[]> {
    const recorder = this.need();
    let page: Uint8Array;
    try {
      page = await recorder.getFeaturePage(FeaturePageType.CD_MASTERING, true);
    } catch (e) {
      const none = [
        HR.E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT,
        HR.E_IMAPI_RECORDER_NO_SUCH_FEATURE,
      ];
      if (e instanceof DwError && none.includes(e.hr)) return [];
      throw e;
    }
    const f = decodeCdMasteringFeature(page.subarray(4));
    if (!f.raw) return [];
    const T = Format2RawCdDataSectorType;
    return f.rw ? [T.SUBCODE_PQ_ONLY, T.SUBCODE_IS_COOKED, T.SUBCODE_IS_RAW] : [T.SUBCODE_PQ_ONLY];
  }

  /** The first sector of the next session's lead-in (READ DISC INFORMATION), after prepareMedia. */
  get startOfNextSession(): number {
    this.needPrepared();
    return this.#startOfNextSession;
  }
  /** The last LBA a lead-out may start at (from the ATIP), after prepareMedia. */
  get lastPossibleStartOfLeadout(): number {
    this.needPrepared();
    return this.#lastPossibleStartOfLeadout;
  }

  /**
   * Checks for a blank CD-R/RW, takes exclusive access under clientName and selects raw writing
   * with raw P-W (Write Parameters: Write Type 3, Data Block Type 3, no next session).
   */
  async prepareMedia(): Promise<void> {
    const recorder = this.need();
    this.idle();
    this.unprepared();
    const m = await readMedia(recorder);
    if (!isCdProfile(m.profile)) {
      throw new DwError(HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED, {
        message: `profile 0x${m.profile.toString(16).padStart(4, '0')}: raw writing is for CD-R and CD-RW`,
      });
    }
    if (m.disc.discStatus !== DiscStatus.EMPTY)
      throw new DwError(HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK);
    if (!(await this.getSupportedSectorTypes()).includes(this.#requestedSectorType)) {
      throw new DwError(HR.E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED, {
        message: `the drive does not list sector type ${this.#requestedSectorType} (CD Mastering: Raw with R-W)`,
      });
    }
    await recorder.acquireExclusiveAccess(false, this.clientName);
    try {
      const current = decodeWriteParametersPage(
        await recorder.getModePage(
          ModePageType.WRITE_PARAMETERS,
          ModePageRequestType.CURRENT_VALUES,
        ),
      );
      const page = encodeWriteParametersPage({
        ...current,
        writeType: WriteType.RAW,
        dataBlockType: DataBlockType.RAW_PW,
        multiSession: MultiSession.NO_NEXT_SESSION,
        bufe: !this.#bufferUnderrunFreeDisabled,
        testWrite: false,
        fp: false,
      });
      await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, page);
    } catch (e) {
      await recorder.releaseExclusiveAccess();
      throw e;
    }
    this.#startOfNextSession = msfField(m.disc.lastSessionLeadInStartAddress) ?? IMAGE_START_LBA;
    this.#lastPossibleStartOfLeadout = msfField(m.disc.lastPossibleLeadOutStartAddress) ?? 0;
    this.prepared = true;
  }

  /**
   * Writes `image` (RawCDImageCreator.createResultImage) from LBA −150 through its lead-out, then
   * SYNCHRONIZE CACHE. Refuses an image of another sector type or start, and one whose lead-out
   * would start past lastPossibleStartOfLeadout.
   */
  async writeMedia(image: RawCDImage): Promise<void> {
    this.#checkWrite(image);
    if (image.startLba !== IMAGE_START_LBA) {
      throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, {
        message: `the image starts at LBA ${image.startLba}; writeMedia writes from -150 (writeMedia2 from the lead-in)`,
      });
    }
    await this.#write(image);
  }

  /**
   * Writes an image that starts in the lead-in: `streamLeadInSectors` sectors before LBA −150
   * (createResultImage({ leadInStartLba: startOfNextSession })). Fewer than the disc's lead-in
   * fail with E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT; more cannot be written (before the lead-in
   * start the ATIP gives) and fail with E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED.
   */
  async writeMedia2(image: RawCDImage, streamLeadInSectors: number): Promise<void> {
    this.#checkWrite(image);
    if (streamLeadInSectors !== IMAGE_START_LBA - image.startLba) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `streamLeadInSectors ${streamLeadInSectors} disagrees with the image, which starts at LBA ${image.startLba}`,
      });
    }
    const needed = IMAGE_START_LBA - this.#startOfNextSession;
    if (streamLeadInSectors < needed) {
      throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT, {
        message: `the stream holds ${streamLeadInSectors} lead-in sectors; the disc's lead-in has ${needed} (from LBA ${this.#startOfNextSession})`,
      });
    }
    if (streamLeadInSectors > needed) {
      throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, {
        message: `the stream starts at LBA ${image.startLba}, before the disc's lead-in at ${this.#startOfNextSession}`,
      });
    }
    await this.#write(image);
  }

  /**
   * Beyond IMAPI2: Session-at-Once instead of raw. `image` starts at −150 (createResultImage());
   * Write Type SAO is selected, SEND CUE SHEET gets the image's cue sheet (raw-cd/sao.ts), the
   * CD-TEXT (if any) goes in the lead-in's R-W from startOfNextSession, the sectors from −150 up
   * to the lead-out follow, and SYNCHRONIZE CACHE has the drive write the lead-out.
   */
  async writeMediaSao(image: RawCDImage): Promise<void> {
    this.#checkWrite(image);
    if (image.startLba !== IMAGE_START_LBA) {
      throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, {
        message: `the image starts at LBA ${image.startLba}; SAO sends the sectors from -150`,
      });
    }
    const recorder = this.need();
    const current = decodeWriteParametersPage(
      await recorder.getModePage(ModePageType.WRITE_PARAMETERS, ModePageRequestType.CURRENT_VALUES),
    );
    const page = encodeWriteParametersPage({ ...current, writeType: WriteType.SAO });
    await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, page);
    await recorder.executeCommand(sendCueSheet(saoCueSheet(image.layout)));
    const symbols = image.layout.cdTextSymbols;
    if (symbols !== undefined) {
      const text = saoLeadInText(symbols, this.#startOfNextSession);
      // 600 sectors of 96 bytes a WRITE: within the 64 KiB a transfer may hold.
      for (let lba = this.#startOfNextSession; lba < -150; lba += 600) {
        const n = Math.min(600, -150 - lba);
        const at = (lba - this.#startOfNextSession) * 96;
        const data = text.subarray(at, at + n * 96);
        await recorder.executeCommand(write10({ lba, transferLength: n, data }));
      }
    }
    await this.#write(image, image.sectorCount - image.layout.leadOutSectors);
  }

  #checkWrite(image: RawCDImage): void {
    this.need();
    this.idle();
    this.needPrepared();
    const bytes = RAW_CD_SECTOR_BYTES[this.#requestedSectorType];
    if (image.sectorType !== this.#requestedSectorType || image.bytesPerSector !== bytes) {
      throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, {
        message: `the image has ${image.bytesPerSector}-byte sectors of type ${image.sectorType}; ${bytes}-byte type ${this.#requestedSectorType} is requested`,
      });
    }
    const leadOut = image.layout.startOfLeadout;
    if (this.#lastPossibleStartOfLeadout > 0 && leadOut > this.#lastPossibleStartOfLeadout) {
      throw new DwError(HR.E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE, {
        message: `the lead-out would start at LBA ${leadOut}; the disc allows ${this.#lastPossibleStartOfLeadout}`,
      });
    }
  }

  async #write(image: RawCDImage, sectors = image.sectorCount): Promise<void> {
    const recorder = this.need();
    const bytes = image.bytesPerSector;
    this.writing = true;
    try {
      const engine = new WriteEngine({ clock: this.clock });
      this.#engine = engine;
      await engine.setRecorder(recorder);
      engine.bytesPerSector = bytes;
      try {
        await engine.writeSection(image, image.startLba, sectors);
      } finally {
        // What the drive accepted stays; make sure it reached the medium either way.
        await recorder.synchronizeCache().catch(() => undefined);
      }
    } finally {
      this.#engine = undefined;
      this.writing = false;
    }
  }

  /** Cancels a running writeMedia (it then rejects with E_IMAPI_REQUEST_CANCELLED). */
  cancelWrite(): void {
    if (this.#engine === undefined) throw new DwError(HR.E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS);
    this.#engine.cancelWrite();
  }

  /** Gives the drive back (exclusive access released). */
  async releaseMedia(): Promise<void> {
    const recorder = this.need();
    this.idle();
    this.needPrepared();
    this.prepared = false;
    await recorder.releaseExclusiveAccess();
  }
}
