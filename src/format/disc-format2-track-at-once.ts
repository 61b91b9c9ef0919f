// DiscFormat2TrackAtOnce (IMAPI2 IDiscFormat2TrackAtOnce, camelCase): an audio CD written track
// by track. prepareMedia() takes a blank CD-R/RW, or one an earlier run left open, with exclusive
// access and selects Track-at-Once audio in page 05h (tao-media.ts); each addAudioTrack(source)
// writes the PCM from the invisible track's next writable address and closes the track (CLOSE
// TRACK); releaseMedia() closes the session (which, with Multi-session 00b, finalizes the disc)
// unless doNotFinalizeMedia, then gives the drive back. The pregap between tracks is the drive's
// (TAO): the library writes where READ TRACK INFORMATION says. The MCN and each track's ISRC go
// in page 05h for the drive to write into Q (a discwright extension). docs/cd.md, "Track-at-once
// audio".

import { DwError, HR, type HResult } from '../errors.js';
import { closeTrackSession, CloseFunction } from '../scsi/mmc/close-track-session.js';
import type { FormattedToc } from '../scsi/mmc/read-toc-pma-atip.js';
import { LEAD_OUT_TRACK_NUMBER, TocFormat } from '../scsi/mmc/read-toc-pma-atip.js';
import type { DiscRecorder } from '../device/recorder.js';
import { CdSectorType, ReadTrackAddressType } from '../device/types.js';
import { WriteEngine } from '../engine/index.js';
import type { Clock } from '../transport/clock.js';
import { DiscFormat2Base } from './disc-format2-base.js';
import { readMedia, writableArea } from './media-state.js';
import {
  checkIsrc,
  checkMcn,
  existingAudioTracks,
  selectTaoAudio,
  selectTrackIsrc,
  type TaoTrack,
} from './tao-media.js';
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

/** Per track: its ISRC (a discwright extension; IMAPI2's TAO writer has none). */
export interface AddAudioTrackOptions {
  readonly isrc?: string;
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
  #doNotFinalizeMedia = false;
  #engine: WriteEngine | undefined;
  #tracks: TaoTrack[] = [];
  #mcn: string | undefined;
  /** Page 05h's ISRC field holds a code (so the next track without one clears it). */
  #isrcInPage = false;
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
  get doNotFinalizeMedia(): boolean {
    return this.#doNotFinalizeMedia;
  }
  /** True: releaseMedia leaves the session open (more tracks later); false: it finalizes. */
  set doNotFinalizeMedia(v: boolean) {
    this.idle();
    this.unprepared();
    this.#doNotFinalizeMedia = v === true;
  }

  /**
   * The disc's Media Catalog Number (13 digits; '' for none), sent in page 05h so the drive
   * writes it into Q mode 2 of the tracks: a discwright extension. E_IMAPI_DF2TAO_INVALID_MCN.
   */
  get mediaCatalogNumber(): string {
    return this.#mcn ?? '';
  }
  set mediaCatalogNumber(v: string) {
    this.idle();
    this.unprepared();
    this.#mcn = checkMcn(v);
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
    const first = this.#tracks[0] as TaoTrack;
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
   * Checks for a blank CD-R/RW, or one whose session an earlier run left open with audio tracks
   * (they count as existing tracks and the next one continues their numbering; tao-media.ts),
   * takes exclusive access under clientName and selects TAO audio in page 05h (Write Type 1,
   * Track Mode 0, Data Block Type 0; Multi-session 00b unless doNotFinalizeMedia; the MCN).
   */
  async prepareMedia(): Promise<void> {
    const recorder = this.need();
    this.idle();
    this.unprepared();
    const m = await readMedia(recorder);
    const existing = await existingAudioTracks(recorder, m);
    await recorder.acquireExclusiveAccess(false, this.clientName);
    try {
      await selectTaoAudio(recorder, {
        doNotFinalizeMedia: this.#doNotFinalizeMedia,
        bufferUnderrunFreeDisabled: this.bufferUnderrunFreeDisabled,
        mediaCatalogNumber: this.#mcn,
      });
      await this.applyRequestedSpeed(recorder, m.profile, 0);
      const area = writableArea(m);
      this.#total = area.totalSectors;
      this.#free = area.freeSectors;
    } catch (e) {
      await recorder.releaseExclusiveAccess();
      throw e;
    }
    this.#profile = m.profile;
    this.#tracks = existing;
    this.#isrcInPage = false;
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
   * `options.isrc` goes in page 05h's ISRC field for this track (E_IMAPI_DF2TAO_INVALID_ISRC).
   */
  async addAudioTrack(source: RawTrackSource, options: AddAudioTrackOptions = {}): Promise<number> {
    const recorder = this.need();
    this.idle();
    this.needPrepared();
    if (this.#tracks.length >= MAX_TRACKS) throw new DwError(HR.E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED);
    const isrc = checkIsrc(options.isrc);
    const data = await describeTrackSource(source, CdSectorType.AUDIO, AUDIO_SECTOR);
    this.writing = true;
    const started = this.clock.now();
    try {
      if (isrc !== undefined || this.#isrcInPage) {
        await selectTrackIsrc(recorder, isrc);
        this.#isrcInPage = isrc !== undefined;
      }
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
