// DiscFormat2TrackAtOnce (IMAPI2 IDiscFormat2TrackAtOnce, camelCase): an audio CD written track
// by track. prepareMedia() takes a blank CD-R/RW with exclusive access and selects Track-at-Once
// audio (page 05h: Write Type TAO, Track Mode 0 two-channel audio, Data Block Type 0 raw 2,352
// bytes); each addAudioTrack(source) writes the PCM from the invisible track's next writable
// address and closes the track (CLOSE TRACK); releaseMedia() closes the session (which, with
// Multi-session 00b, finalizes the disc) unless doNotFinalizeMedia, then gives the drive back.
// The pregap between tracks is the drive's (TAO): the library writes where READ TRACK
// INFORMATION says. docs/cd.md, "Track-at-once audio".

import { DwError, HR, type HResult } from '../errors.js';
import { DiscStatus } from '../scsi/mmc/read-disc-information.js';
import { closeTrackSession, CloseFunction } from '../scsi/mmc/close-track-session.js';
import {
  DataBlockType,
  MultiSession,
  WriteType,
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../scsi/mmc/mode-pages/write-parameters.js';
import type { FormattedToc } from '../scsi/mmc/read-toc-pma-atip.js';
import { LEAD_OUT_TRACK_NUMBER, TocFormat } from '../scsi/mmc/read-toc-pma-atip.js';
import type { DiscRecorder } from '../device/recorder.js';
import {
  CdSectorType,
  ModePageRequestType,
  ModePageType,
  ReadTrackAddressType,
} from '../device/types.js';
import { WriteEngine } from '../engine/index.js';
import type { Clock } from '../transport/clock.js';
import { DiscFormat2Base } from './disc-format2-base.js';
import { readMedia, writableArea } from './media-state.js';
import { isCdProfile } from './write-setup.js';
import { describeTrackSource, pcmChunks, type RawTrackSource } from './raw-cd/track-source.js';
import {
  Format2TaoWriteAction,
  taoEventArgs,
  type DiscFormat2TrackAtOnceEventArgs,
  type TaoUpdateListener,
} from './tao-events.js';
import { format2Progress } from './format2-events.js';

export { Format2TaoWriteAction, type DiscFormat2TrackAtOnceEventArgs, type TaoUpdateListener };

export interface DiscFormat2TrackAtOnceOptions {
  readonly clock?: Clock;
}

/** A track as the drive reports it after CLOSE TRACK. */
interface WrittenTrack {
  readonly trackNumber: number;
  readonly startLba: number;
  readonly sectors: number;
}

const AUDIO_SECTOR = 2352;
const MAX_TRACKS = 99;
const CLOSE_TIMEOUT_SEC = 900;

const CODES = {
  name: 'DiscFormat2TrackAtOnce',
  writeInProgress: HR.E_IMAPI_DF2TAO_WRITE_IN_PROGRESS,
  noRecorder: HR.E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED,
  clientNameIsNotValid: HR.E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID,
  mediaIsPrepared: HR.E_IMAPI_DF2TAO_MEDIA_IS_PREPARED,
  mediaIsNotPrepared: HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED,
};

/** IDiscFormat2TrackAtOnce. */
export class DiscFormat2TrackAtOnce extends DiscFormat2Base {
  #bufferUnderrunFreeDisabled = false;
  #doNotFinalizeMedia = false;
  #engine: WriteEngine | undefined;
  #tracks: WrittenTrack[] = [];
  #profile = 0;
  #total = 0;
  #free = 0;

  constructor(options: DiscFormat2TrackAtOnceOptions = {}) {
    super(CODES, options.clock, 'discwright');
  }

  /** IDiscFormat2TrackAtOnce::put_Recorder; not while prepared. */
  setRecorder(recorder: DiscRecorder): void {
    this.useRecorder(recorder);
  }
  get bufferUnderrunFreeDisabled(): boolean {
    return this.#bufferUnderrunFreeDisabled;
  }
  set bufferUnderrunFreeDisabled(v: boolean) {
    this.idle();
    this.unprepared();
    this.#bufferUnderrunFreeDisabled = v === true;
  }
  get doNotFinalizeMedia(): boolean {
    return this.#doNotFinalizeMedia;
  }
  /** True: releaseMedia leaves the session open (more tracks later); false: it finalizes. */
  set doNotFinalizeMedia(v: boolean) {
    this.idle();
    this.unprepared();
    this.#doNotFinalizeMedia = v === true;
  }

  /** IMAPI_MEDIA_PHYSICAL_TYPE is not kept here; the MMC profile of the prepared disc. */
  get currentProfile(): number {
    this.needPrepared();
    return this.#profile;
  }
  get numberOfExistingTracks(): number {
    this.needPrepared();
    return this.#tracks.length;
  }
  get totalSectorsOnMedia(): number {
    this.needPrepared();
    return this.#total;
  }
  get freeSectorsOnMedia(): number {
    this.needPrepared();
    return this.#free;
  }
  get usedSectorsOnMedia(): number {
    this.needPrepared();
    return this.#total - this.#free;
  }

  /** READ TOC format 0 as the tracks written so far make it (the drive's start and size of each). */
  get expectedTableOfContents(): FormattedToc {
    this.needPrepared();
    const last = this.#tracks[this.#tracks.length - 1];
    if (last === undefined) throw new DwError(HR.E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC);
    const first = this.#tracks[0] as WrittenTrack;
    return {
      format: TocFormat.FORMATTED_TOC,
      firstTrackNumber: first.trackNumber,
      lastTrackNumber: last.trackNumber,
      descriptors: [
        ...this.#tracks.map((t) => ({
          adr: 1,
          control: 0,
          trackNumber: t.trackNumber,
          trackStartAddress: t.startLba,
        })),
        {
          adr: 1,
          control: 0,
          trackNumber: LEAD_OUT_TRACK_NUMBER,
          trackStartAddress: last.startLba + last.sectors,
        },
      ],
    };
  }

  // ---- speed: setWriteSpeed, requested*, getCurrent*, getSupported* (disc-format2-base.ts) ----

  // ---- the media ----

  /**
   * Checks for a blank CD-R/RW, takes exclusive access under clientName and selects TAO audio
   * (Write Type 1, Track Mode 0, Data Block Type 0; Multi-session 00b unless doNotFinalizeMedia).
   */
  async prepareMedia(): Promise<void> {
    const recorder = this.need();
    this.idle();
    this.unprepared();
    const m = await readMedia(recorder);
    if (!isCdProfile(m.profile)) {
      throw new DwError(HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED, {
        message: `profile 0x${m.profile.toString(16).padStart(4, '0')}: audio track-at-once is for CD-R and CD-RW`,
      });
    }
    if (m.disc.discStatus !== DiscStatus.EMPTY)
      throw new DwError(HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK);
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
        writeType: WriteType.TAO,
        trackMode: 0, // two-channel audio, no pre-emphasis, digital copy prohibited
        dataBlockType: DataBlockType.RAW,
        multiSession: this.#doNotFinalizeMedia
          ? MultiSession.NEXT_SESSION_ALLOWED
          : MultiSession.NO_NEXT_SESSION,
        bufe: !this.#bufferUnderrunFreeDisabled,
        testWrite: false,
        fp: false,
      });
      await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, page);
      await this.applyRequestedSpeed(recorder, m.profile, 0);
      const area = writableArea(m);
      this.#total = area.totalSectors;
      this.#free = area.freeSectors;
    } catch (e) {
      await recorder.releaseExclusiveAccess();
      throw e;
    }
    this.#profile = m.profile;
    this.#tracks = [];
    this.prepared = true;
  }

  /** Typed `on('update', …)`. */
  override on(event: 'update', listener: TaoUpdateListener): this;
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /**
   * Writes one audio track (raw CD-DA PCM, or a WAVE file of it; a partial last sector is padded
   * with silence) at the next writable address, then closes it. Resolves with the track number
   * the drive gave it. E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED past 99 tracks,
   * E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE when it does not fit; a cancelled track is closed where it
   * stopped (it stays on the disc) and the call rejects with E_IMAPI_REQUEST_CANCELLED.
   */
  async addAudioTrack(source: RawTrackSource): Promise<number> {
    const recorder = this.need();
    this.idle();
    this.needPrepared();
    if (this.#tracks.length >= MAX_TRACKS) throw new DwError(HR.E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED);
    const data = await describeTrackSource(source, CdSectorType.AUDIO, AUDIO_SECTOR);
    this.writing = true;
    const started = this.clock.now();
    try {
      const invisible = await recorder.trackInformation(0xff, ReadTrackAddressType.TRACK);
      if (!invisible.nwaV) {
        throw new DwError(HR.E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE, {
          message: 'the drive reports no next writable address',
        });
      }
      const trackNumber = invisible.logicalTrackNumber;
      if (data.sectorCount > invisible.freeBlocks) {
        throw new DwError(HR.E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE, {
          message: `${data.name}: ${data.sectorCount} sectors; the disc has ${invisible.freeBlocks} free`,
        });
      }
      const section = { startLba: invisible.nextWritableAddress, sectorCount: data.sectorCount };
      const progress = format2Progress(
        this.clock,
        section,
        (p) => this.emitUpdate(taoEventArgs(trackNumber, p)),
        started,
      );
      progress.phase(Format2TaoWriteAction.PREPARING);
      const engine = new WriteEngine({ clock: this.clock });
      this.#engine = engine;
      engine.on('update', (_e, args) => progress.engine(args));
      try {
        await engine.setRecorder(recorder);
        engine.bytesPerSector = AUDIO_SECTOR;
        await engine.writeSection(pcmChunks(data), invisible.nextWritableAddress, data.sectorCount);
      } finally {
        // A cancelled or failed track is closed too, so the disc stays writable and consistent.
        progress.phase(Format2TaoWriteAction.FINISHING);
        this.#engine = undefined;
        await recorder.synchronizeCache().catch(() => undefined);
        await this.#closeTrack(recorder, trackNumber);
      }
      return trackNumber;
    } finally {
      this.writing = false;
    }
  }

  async #closeTrack(recorder: DiscRecorder, trackNumber: number): Promise<void> {
    await recorder.executeCommand(
      closeTrackSession({
        closeFunction: CloseFunction.CLOSE_TRACK,
        logicalTrackNumber: trackNumber,
      }),
      { timeoutSec: CLOSE_TIMEOUT_SEC },
    );
    // What the drive now says the track is, and what is left.
    const t = await recorder.trackInformation(trackNumber, ReadTrackAddressType.TRACK);
    if (t.logicalTrackSize > 0) {
      this.#tracks.push({
        trackNumber,
        startLba: t.logicalTrackStartAddress,
        sectors: t.logicalTrackSize,
      });
    }
    const area = writableArea(await readMedia(recorder));
    this.#free = area.freeSectors;
  }

  /** IDiscFormat2TrackAtOnce::CancelAddTrack. */
  cancelAddTrack(): HResult {
    if (this.#engine === undefined) throw new DwError(HR.E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS);
    this.#engine.cancelWrite();
    return HR.S_OK;
  }

  /**
   * Closes the session unless doNotFinalizeMedia (CLOSE SESSION with Multi-session 00b
   * finalizes: the lead-in's TOC and the lead-out are written), then releases the drive.
   */
  async releaseMedia(): Promise<void> {
    const recorder = this.need();
    this.idle();
    this.needPrepared();
    try {
      if (!this.#doNotFinalizeMedia && this.#tracks.length > 0) {
        await recorder.executeCommand(
          closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION }),
          {
            timeoutSec: CLOSE_TIMEOUT_SEC,
          },
        );
      }
    } finally {
      this.prepared = false;
      await recorder.releaseExclusiveAccess();
    }
  }
}
