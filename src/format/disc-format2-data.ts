// DiscFormat2Data: IMAPI2's IDiscFormat2Data with IBurnVerification, on top of the write engine
// and the recorder (docs/burning.md). Properties that need the drive are async get-methods, as on
// DiscRecorder (getCurrentMediaStatus() for CurrentMediaStatus); options are plain properties that
// refuse changes while a write runs (E_IMAPI_DF2DATA_WRITE_IN_PROGRESS). write() holds exclusive
// access under clientName for the whole burn and emits `update` with
// IDiscFormat2DataEventArgs-shaped arguments.

import { DwError, HR, type HResult } from '../errors.js';
import type { BlockSource, WriteEngine, WriteEngineEventArgs } from '../engine/index.js';
import type { DiscRecorder } from '../device/recorder.js';
import type { Clock } from '../transport/clock.js';
import {
  BurnVerificationLevel,
  Format2DataWriteAction,
  MediaWriteProtectState,
} from '../device/types.js';
import { heuristicallyBlank, physicallyBlank } from './blank-check.js';
import { openDataSource } from './data-source.js';
import { burn, type BurnResult } from './data-write.js';
import {
  SUPPORTED_PROFILES,
  mediaStateFlags,
  physicalTypeOfProfile,
  previousSession,
  readMedia,
  writableArea,
} from './media-state.js';
import { DiscFormat2Base } from './disc-format2-base.js';
import { multisessionInterfaces, type Multisession } from './multisession.js';
import { writeProtectionOf } from './write-protection.js';

/** IDiscFormat2DataEventArgs: times in seconds, plus the engine's args while writing. */
export interface DiscFormat2DataEventArgs extends Partial<WriteEngineEventArgs> {
  readonly currentAction: number;
  readonly elapsedTime: number;
  readonly remainingTime: number;
  readonly totalTime: number;
  /** VERIFYING (FULL): blocks read back and compared so far. */
  readonly blocksVerified?: number;
}

export type DataUpdateListener = (sender: DiscFormat2Data, args: DiscFormat2DataEventArgs) => void;

export interface DiscFormat2DataOptions {
  /** Time source of the event times and the write engine (default: the system clock). */
  readonly clock?: Clock;
}

export interface DataWriteOptions {
  /** Bytes to write; required for stream sources (a Readable, an iterable, a BlockReader). */
  readonly sizeBytes?: number;
}

const CODES = {
  name: 'DiscFormat2Data',
  writeInProgress: HR.E_IMAPI_DF2DATA_WRITE_IN_PROGRESS,
  noRecorder: HR.E_IMAPI_RECORDER_REQUIRED,
  clientNameIsNotValid: HR.E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID,
};

export class DiscFormat2Data extends DiscFormat2Base {
  #abort: AbortController | undefined;
  #engine: WriteEngine | undefined;
  #forceMediaToBeClosed = false;
  #disableConsumerDvdCompatibilityMode = false;
  #postgapAlreadyInImage = false;
  #forceOverwrite = false;
  #testWrite = false;
  #formatUnformattedMedia = true;
  #verification: number = BurnVerificationLevel.QUICK;

  constructor(options: DiscFormat2DataOptions = {}) {
    super(CODES, options.clock, '');
  }

  // ---- recorder and client (IDiscFormat2) ----

  /** IDiscFormat2::IsRecorderSupported: the drive lists a profile the data writer writes. */
  async isRecorderSupported(recorder: DiscRecorder): Promise<boolean> {
    const profiles = await recorder.getSupportedProfiles(false);
    return profiles.some((p) => SUPPORTED_PROFILES.includes(p));
  }

  /** IDiscFormat2::IsCurrentMediaSupported: the current profile is one the data writer writes. */
  async isCurrentMediaSupported(recorder: DiscRecorder): Promise<boolean> {
    return SUPPORTED_PROFILES.includes(await recorder.getCurrentProfile());
  }

  /** IDiscFormat2Data::put_Recorder. E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED for a reader. */
  async setRecorder(recorder: DiscRecorder): Promise<void> {
    this.idle();
    if (!(await this.isRecorderSupported(recorder))) {
      throw new DwError(HR.E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED, {
        message: `${recorder.vendorId} ${recorder.productId} writes none of the data writer's media`,
      });
    }
    this.useRecorder(recorder);
  }

  // ---- options ----

  get forceMediaToBeClosed(): boolean {
    return this.#forceMediaToBeClosed;
  }
  set forceMediaToBeClosed(v: boolean) {
    this.idle();
    this.#forceMediaToBeClosed = v === true;
  }
  get disableConsumerDvdCompatibilityMode(): boolean {
    return this.#disableConsumerDvdCompatibilityMode;
  }
  set disableConsumerDvdCompatibilityMode(v: boolean) {
    this.idle();
    this.#disableConsumerDvdCompatibilityMode = v === true;
  }
  /** Kept for IMAPI2 parity; a Track-at-Once data track needs no host-written post-gap. */
  get postgapAlreadyInImage(): boolean {
    return this.#postgapAlreadyInImage;
  }
  set postgapAlreadyInImage(v: boolean) {
    this.idle();
    this.#postgapAlreadyInImage = v === true;
  }
  /** Write over a rewritable disc that holds a file system. */
  get forceOverwrite(): boolean {
    return this.#forceOverwrite;
  }
  set forceOverwrite(v: boolean) {
    this.idle();
    this.#forceOverwrite = v === true;
  }
  /**
   * Beyond IMAPI2: format unformatted overwrite media in write() (true, IMAPI2's behaviour). False:
   * only a blank DVD+RW is formatted; others are E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED.
   */
  get formatUnformattedMedia(): boolean {
    return this.#formatUnformattedMedia;
  }
  set formatUnformattedMedia(v: boolean) {
    this.idle();
    this.#formatUnformattedMedia = v === true;
  }
  /** Beyond IMAPI2: a test write (simulation) on CD-R/RW and DVD-R/RW. */
  get testWrite(): boolean {
    return this.#testWrite;
  }
  set testWrite(v: boolean) {
    this.idle();
    this.#testWrite = v === true;
  }
  /** IBurnVerification::BurnVerificationLevel (default QUICK). */
  get burnVerificationLevel(): number {
    return this.#verification;
  }
  set burnVerificationLevel(v: number) {
    this.idle();
    if (v !== 0 && v !== 1 && v !== 2) {
      throw new DwError(HR.E_INVALIDARG, { message: 'burnVerificationLevel is 0, 1 or 2' });
    }
    this.#verification = v;
  }

  // ---- media (read from the drive on every call) ----

  async getMediaPhysicallyBlank(): Promise<boolean> {
    return physicallyBlank(await readMedia(this.need()));
  }
  async getMediaHeuristicallyBlank(): Promise<boolean> {
    const r = this.need();
    return heuristicallyBlank(r, await readMedia(r));
  }
  /** IMAPI_MEDIA_PHYSICAL_TYPE of the drive's writable profiles. */
  async getSupportedMediaTypes(): Promise<number[]> {
    const profiles = await this.need().getSupportedProfiles(false);
    const types = profiles.filter((p) => SUPPORTED_PROFILES.includes(p)).map(physicalTypeOfProfile);
    return [...new Set(types)];
  }
  /** IMAPI_FORMAT2_DATA_MEDIA_STATE flags. */
  async getCurrentMediaStatus(): Promise<number> {
    return mediaStateFlags(await readMedia(this.need()));
  }
  /** IMAPI_MEDIA_WRITE_PROTECT_STATE: the drive's Write Protection Status, or read-only media. */
  async getWriteProtectStatus(): Promise<number> {
    const r = this.need();
    const profile = await r.getCurrentProfile();
    if (!SUPPORTED_PROFILES.includes(profile)) return MediaWriteProtectState.READ_ONLY_MEDIA;
    return writeProtectionOf(r, profile);
  }
  /** IDiscFormat2Data::MultisessionInterfaces, read from the drive now (multisession.ts). */
  async getMultisessionInterfaces(): Promise<Multisession[]> {
    const r = this.need();
    return multisessionInterfaces(r, await readMedia(r));
  }
  async getTotalSectorsOnMedia(): Promise<number> {
    return writableArea(await readMedia(this.need())).totalSectors;
  }
  async getFreeSectorsOnMedia(): Promise<number> {
    return writableArea(await readMedia(this.need())).freeSectors;
  }
  async getNextWritableAddress(): Promise<number> {
    return writableArea(await readMedia(this.need())).nextWritableAddress;
  }
  async getStartAddressOfPreviousSession(): Promise<number> {
    const r = this.need();
    return (await previousSession(r, await readMedia(r))).startAddress;
  }
  async getLastWrittenAddressOfPreviousSession(): Promise<number> {
    const r = this.need();
    return (await previousSession(r, await readMedia(r))).lastWrittenAddress;
  }

  // ---- speed: setWriteSpeed, requested*, getCurrent*, getSupported* (disc-format2-base.ts) ----

  // ---- writing ----

  /** Typed `on('update', …)`. */
  override on(event: 'update', listener: DataUpdateListener): this;
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /** IDiscFormat2Data::CancelWrite. Never throws. */
  cancelWrite(): HResult {
    if (!this.writing || this.#abort === undefined) return HR.S_IMAPI_WRITE_NOT_IN_PROGRESS;
    this.#abort.abort();
    this.#engine?.cancelWrite();
    return HR.S_OK;
  }

  /**
   * IDiscFormat2Data::Write: burn `source` as the next session (sequential media) or from LBA 0
   * (overwrite media), close as the options say and verify. Resolves with what was done.
   */
  async write(source: BlockSource, options: DataWriteOptions = {}): Promise<BurnResult> {
    this.idle();
    const recorder = this.need();
    if (this.clientName === '') {
      throw new DwError(HR.E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID, {
        message: 'set clientName before write()',
      });
    }
    this.writing = true;
    const abort = new AbortController();
    this.#abort = abort;
    const started = this.clock.now();
    let action: number = Format2DataWriteAction.VALIDATING_MEDIA;
    const emit = (extra: Partial<DiscFormat2DataEventArgs>, remainingMs: number) => {
      const elapsed = (this.clock.now() - started) / 1000;
      const remaining = Math.max(0, remainingMs / 1000);
      this.emitUpdate({
        ...extra,
        currentAction: action,
        elapsedTime: elapsed,
        remainingTime: remaining,
        totalTime: elapsed + remaining,
      });
    };
    let verifyStarted = 0;
    let opened;
    try {
      await recorder.acquireExclusiveAccess(false, this.clientName);
      try {
        opened = await openDataSource(source, options.sizeBytes);
        return await burn(
          recorder,
          opened,
          {
            forceMediaToBeClosed: this.#forceMediaToBeClosed,
            disableConsumerDvdCompatibilityMode: this.#disableConsumerDvdCompatibilityMode,
            bufferUnderrunFreeDisabled: this.bufferUnderrunFreeDisabled,
            forceOverwrite: this.#forceOverwrite,
            formatUnformattedMedia: this.#formatUnformattedMedia,
            verificationLevel: this.#verification,
            testWrite: this.#testWrite,
            writeSpeed: this.requestedSpeed,
          },
          {
            clock: this.clock,
            signal: abort.signal,
            phase: (a) => {
              action = a;
              if (a === Format2DataWriteAction.VERIFYING) verifyStarted = this.clock.now();
              emit({}, 0);
            },
            engine: (e) => {
              this.#engine = e;
            },
            engineUpdate: (args) => emit(args, args.etaMs ?? 0),
            operationProgress: (sec, fraction) =>
              emit({}, fraction !== undefined && fraction > 0 ? (sec / fraction - sec) * 1000 : 0),
            verifyProgress: (done, total) => {
              const spent = this.clock.now() - verifyStarted;
              emit({ blocksVerified: done }, done > 0 ? (spent * (total - done)) / done : 0);
            },
          },
        );
      } finally {
        await opened?.close();
        await recorder.releaseExclusiveAccess();
      }
    } finally {
      this.#engine = undefined;
      this.#abort = undefined;
      this.writing = false;
    }
  }
}
