// DiscFormat2RawCD (IMAPI2 IDiscFormat2RawCD, camelCase): raw disc-at-once writing on blank
// CD-R/RW. setRecorder() takes a drive whose CD Mastering feature has Raw; prepareMedia() takes
// exclusive access, selects Write Type raw with the Data Block Type of requestedSectorType
// (MMC-6 7.5.4: 1 = 2,352 + 16 bytes of P-Q, 2 = 2,352 + 96 of P-W with R-W packed, 3 = 2,352 +
// 96 of raw P-W) and the write speed; writeMedia()/writeMedia2() stream a RawCDImage or any
// source of raw sectors of that type (raw-cd-stream.ts) through the write engine from −150 or the
// lead-in, with `update` events (PREPARING, WRITING, FINISHING); releaseMedia() gives the drive
// back; writeMediaSao() writes Session-at-Once instead (raw-cd/sao.ts, beyond IMAPI2). The shared
// members (recorder, clientName, speeds, media type) are DiscFormat2Base's. docs/raw-cd.md.

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
import { WriteEngine, type BlockSource } from '../engine/index.js';
import type { Clock } from '../transport/clock.js';
import { readMedia } from './media-state.js';
import { isCdProfile } from './write-setup.js';
import { Format2RawCdDataSectorType } from './raw-cd/layout.js';
import { IMAGE_START_LBA } from './raw-cd/image-stream.js';
import type { RawCDImage } from './raw-cd-image-creator.js';
import { DiscFormat2Base } from './disc-format2-base.js';
import {
  Format2RawCdWriteAction,
  format2Progress,
  rawEventArgs,
  type DiscFormat2RawCDEventArgs,
} from './format2-events.js';
import {
  checkImage,
  isRawCDImage,
  leadInStart,
  openRawWrite,
  type RawDisc,
  type RawWrite,
  type RawWriteOptions,
} from './raw-cd-stream.js';
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

/** Write Parameters Data Block Type of each sector type (MMC-6 Table 649). */
const DATA_BLOCK_TYPE_OF: Readonly<Record<Format2RawCdDataSectorType, number>> = {
  1: DataBlockType.RAW_PQ,
  2: DataBlockType.RAW_PW_PACKED,
  3: DataBlockType.RAW_PW,
};

export interface DiscFormat2RawCDOptions {
  readonly clock?: Clock;
}

export type RawCdUpdateListener = (
  sender: DiscFormat2RawCD,
  args: DiscFormat2RawCDEventArgs,
) => void;

/** The drive's CD Mastering feature (002Eh), or undefined when it has none (or none current). */
async function cdMastering(recorder: DiscRecorder, currentOnly: boolean) {
  let page: Uint8Array;
  try {
    page = await recorder.getFeaturePage(FeaturePageType.CD_MASTERING, currentOnly);
  } catch (e) {
    const none = [HR.E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT, HR.E_IMAPI_RECORDER_NO_SUCH_FEATURE];
    if (e instanceof DwError && none.includes(e.hr)) return undefined;
    throw e;
  }
  return decodeCdMasteringFeature(page.subarray(4));
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
  #engine: WriteEngine | undefined;
  #cancelled = false;
  #startOfNextSession = 0;
  #lastPossibleStartOfLeadout = 0;

  constructor(options: DiscFormat2RawCDOptions = {}) {
    super(CODES, options.clock, 'discwright');
  }

  /** IDiscFormat2::IsRecorderSupported: the drive lists CD Mastering (002Eh) with Raw. */
  async isRecorderSupported(recorder: DiscRecorder): Promise<boolean> {
    return (await cdMastering(recorder, false))?.raw === true;
  }

  /**
   * IDiscFormat2RawCD::put_Recorder; not while the media is prepared, and only a drive that
   * writes raw (E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED otherwise; GET CONFIGURATION is all it sent).
   */
  async setRecorder(recorder: DiscRecorder): Promise<void> {
    this.idle();
    this.unprepared();
    if (!(await this.isRecorderSupported(recorder))) {
      throw new DwError(HR.E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED, {
        message: `${recorder.vendorId} ${recorder.productId} lists no raw writing (CD Mastering: Raw)`,
      });
    }
    this.useRecorder(recorder);
  }

  /**
   * IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPE to write: PQ_ONLY, IS_COOKED or IS_RAW (default).
   * prepareMedia refuses one the drive does not list (getSupportedSectorTypes).
   */
  get requestedSectorType(): Format2RawCdDataSectorType {
    return this.#requestedSectorType;
  }
  set requestedSectorType(v: Format2RawCdDataSectorType) {
    this.idle();
    this.unprepared();
    if (!Object.hasOwn(DATA_BLOCK_TYPE_OF, v)) {
      throw new DwError(HR.E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED, {
        message: `sector type ${String(v)} is not one of PQ_ONLY (1), IS_COOKED (2), IS_RAW (3)`,
      });
    }
    this.#requestedSectorType = v;
  }

  /**
   * IDiscFormat2RawCD::get_SupportedSectorTypes: the IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPEs the
   * drive lists for the loaded disc, from its current CD Mastering feature (002Eh): Raw gives
   * PQ_ONLY (raw + P-Q, 2,368 bytes), Raw with R-W adds IS_COOKED and IS_RAW (2,448 bytes).
   * Empty when the feature is not current (no CD loaded) or the drive has no raw writing.
   */
  async getSupportedSectorTypes(): Promise<Format2RawCdDataSectorType[]> {
    const f = await cdMastering(this.need(), true);
    if (f?.raw !== true) return [];
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
   * Checks for a blank CD-R/RW whose drive lists requestedSectorType, takes exclusive access
   * under clientName and selects raw writing (Write Parameters: Write Type 3, the type's Data
   * Block Type, no next session).
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
        message: `the drive does not list sector type ${this.#requestedSectorType} (CD Mastering: Raw gives PQ_ONLY, Raw with R-W IS_COOKED and IS_RAW)`,
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
        dataBlockType: DATA_BLOCK_TYPE_OF[this.#requestedSectorType],
        multiSession: MultiSession.NO_NEXT_SESSION,
        bufe: !this.bufferUnderrunFreeDisabled,
        testWrite: false,
        fp: false,
      });
      await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, page);
      await this.applyRequestedSpeed(recorder, m.profile, 0);
    } catch (e) {
      await recorder.releaseExclusiveAccess();
      throw e;
    }
    this.#startOfNextSession = msfField(m.disc.lastSessionLeadInStartAddress) ?? IMAGE_START_LBA;
    this.#lastPossibleStartOfLeadout = msfField(m.disc.lastPossibleLeadOutStartAddress) ?? 0;
    this.prepared = true;
  }

  /** Typed `on('update', …)`. */
  override on(event: 'update', listener: RawCdUpdateListener): this;
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /**
   * IDiscFormat2RawCD::WriteMedia: writes `source` from LBA −150 through its lead-out, then
   * SYNCHRONIZE CACHE. `source` is a RawCDImage (RawCDImageCreator.createResultImage) or any engine
   * source of whole raw sectors of the requested type (`sizeBytes` for streams). Refuses, before
   * anything is sent, a stream of another sector type or start, and one whose lead-out would
   * start past lastPossibleStartOfLeadout.
   */
  async writeMedia(source: RawCDImage | BlockSource, options: RawWriteOptions = {}): Promise<void> {
    const disc = this.#checkWrite();
    await this.#write(await openRawWrite(source, IMAGE_START_LBA, disc, options));
  }

  /**
   * IDiscFormat2RawCD::WriteMedia2: writes a stream that starts in the lead-in:
   * `streamLeadInSectors` sectors before LBA −150 (for an image,
   * createResultImage({ leadInStartLba: startOfNextSession })). Fewer than the disc's lead-in
   * fail with E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT; more cannot be written (before the lead-in
   * start the ATIP gives) and fail with E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED.
   */
  async writeMedia2(
    source: RawCDImage | BlockSource,
    streamLeadInSectors: number,
    options: RawWriteOptions = {},
  ): Promise<void> {
    const disc = this.#checkWrite();
    if (isRawCDImage(source) && streamLeadInSectors !== IMAGE_START_LBA - source.startLba) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `streamLeadInSectors ${streamLeadInSectors} disagrees with the image, which starts at LBA ${source.startLba}`,
      });
    }
    const start = leadInStart(streamLeadInSectors, disc);
    await this.#write(await openRawWrite(source, start, disc, options));
  }

  /**
   * Beyond IMAPI2: Session-at-Once instead of raw. `image` starts at −150 (createResultImage());
   * Write Type SAO is selected, SEND CUE SHEET gets the image's cue sheet (raw-cd/sao.ts), the
   * CD-TEXT (if any) goes in the lead-in's R-W from startOfNextSession (all while PREPARING), the
   * sectors from −150 up to the lead-out follow, and SYNCHRONIZE CACHE has the drive write the
   * lead-out.
   */
  async writeMediaSao(image: RawCDImage): Promise<void> {
    const disc = this.#checkWrite();
    checkImage(image, disc);
    if (image.sectorType !== Format2RawCdDataSectorType.SUBCODE_IS_RAW) {
      // The cue sheet's forms carry 2,352 bytes + 96 of raw P-W (sub-channel 01b).
      throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, {
        message: `SAO sends IS_RAW images (2,448-byte sectors with raw P-W); this one is type ${image.sectorType}`,
      });
    }
    if (image.startLba !== IMAGE_START_LBA) {
      throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, {
        message: `the image starts at LBA ${image.startLba}; SAO sends the sectors from -150`,
      });
    }
    const sectorCount = image.sectorCount - image.layout.leadOutSectors;
    const write = { source: image, startLba: IMAGE_START_LBA, sectorCount };
    await this.#write(
      { ...write, bytesPerSector: image.bytesPerSector, close: () => Promise.resolve() },
      (r) => this.#sendCueSheet(r, image),
    );
  }

  async #sendCueSheet(recorder: DiscRecorder, image: RawCDImage): Promise<void> {
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
  }

  /** The state a write needs, and the disc prepareMedia found. */
  #checkWrite(): RawDisc {
    this.need();
    this.idle();
    this.needPrepared();
    return {
      sectorType: this.#requestedSectorType,
      startOfNextSession: this.#startOfNextSession,
      lastPossibleStartOfLeadout: this.#lastPossibleStartOfLeadout,
    };
  }

  /**
   * Runs one write with its events: PREPARING (and `prepare`'s commands), WRITING with the
   * engine's progress, FINISHING with SYNCHRONIZE CACHE. A failed SYNCHRONIZE CACHE after a
   * complete write fails the write (the lead-out is written then); after a failed one it is
   * only an attempt, and the write's own error is reported.
   */
  async #write(w: RawWrite, prepare?: (recorder: DiscRecorder) => Promise<void>): Promise<void> {
    try {
      // Again: the source was opened asynchronously, and another call may have come between.
      this.#checkWrite();
    } catch (e) {
      await w.close();
      throw e;
    }
    const recorder = this.need();
    const started = this.clock.now();
    this.writing = true;
    this.#cancelled = false;
    const section = { startLba: w.startLba, sectorCount: w.sectorCount };
    const progress = format2Progress(
      this.clock,
      section,
      (p) => this.emitUpdate(rawEventArgs(p)),
      started,
    );
    try {
      progress.phase(Format2RawCdWriteAction.PREPARING);
      if (prepare !== undefined) await prepare(recorder);
      if (this.#cancelled) throw new DwError(HR.E_IMAPI_REQUEST_CANCELLED);
      const engine = new WriteEngine({ clock: this.clock });
      this.#engine = engine;
      engine.on('update', (_e, args) => progress.engine(args));
      let written = false;
      try {
        await engine.setRecorder(recorder);
        engine.bytesPerSector = w.bytesPerSector;
        await engine.writeSection(w.source, w.startLba, w.sectorCount);
        written = true;
      } finally {
        this.#engine = undefined;
        progress.phase(Format2RawCdWriteAction.FINISHING);
        // What the drive accepted stays; make sure it reached the medium either way.
        const sync = recorder.synchronizeCache();
        await (written ? sync : sync.catch(() => undefined));
      }
    } finally {
      this.#engine = undefined;
      this.writing = false;
      await w.close();
    }
  }

  /** IDiscFormat2RawCD::CancelWrite: a running write then rejects with E_IMAPI_REQUEST_CANCELLED. */
  cancelWrite(): void {
    if (!this.writing) throw new DwError(HR.E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS);
    this.#cancelled = true;
    this.#engine?.cancelWrite();
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
