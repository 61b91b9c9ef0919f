// What IMAPI2's IDiscFormat2Data, IDiscFormat2TrackAtOnce and IDiscFormat2RawCD have in common,
// written once: the recorder (put_Recorder/get_Recorder), the client name exclusive access is
// taken under (put_ClientName), the clock of the event times, and the state checks (a write in
// progress, no recorder, media prepared or not). Each interface answers these with its own
// E_IMAPI_DF2DATA_* / DF2TAO_* / DF2RAW_* codes, so the class is given its codes (Format2Codes).
// Also shared: the write speed members (SetWriteSpeed, Requested*/Current*, SupportedWriteSpeeds,
// SupportedWriteSpeedDescriptors: GET PERFORMANCE, SET CD SPEED / SET STREAMING through
// write-setup.ts), CurrentPhysicalMediaType, and the delivery of `update` events.

import { EventEmitter } from 'node:events';
import { DwError, HR, type HResult } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { checkClientName } from '../device/client-name.js';
import type { WriteSpeedDescriptor } from '../scsi/mmc/get-performance.js';
import { systemClock, type Clock } from '../transport/clock.js';
import { physicalTypeOfProfile } from './media-state.js';
import {
  MAX_WRITE_SPEED,
  applyWriteSpeed,
  currentRotationIsPureCav,
  currentWriteSpeed,
  kBpsPerSectorPerSecond,
} from './write-setup.js';

/** A speed asked with setWriteSpeed. */
export interface RequestedSpeed {
  readonly sectorsPerSecond: number;
  readonly pureCav: boolean;
}

/** The HRESULTs one IMAPI2 format interface answers the shared checks with. */
export interface Format2Codes {
  /** The class the messages name. */
  readonly name: string;
  readonly writeInProgress: HResult;
  /** A call that needs the recorder before setRecorder. */
  readonly noRecorder: HResult;
  readonly clientNameIsNotValid: HResult;
  /** For interfaces with prepareMedia/releaseMedia (TAO, raw). */
  readonly mediaIsPrepared?: HResult;
  readonly mediaIsNotPrepared?: HResult;
}

/** The shared part of a DiscFormat2* class; `update` events come from the subclass. */
export abstract class DiscFormat2Base extends EventEmitter {
  /** Time source of the event times and the write engine (default: the system clock). */
  protected readonly clock: Clock;
  readonly #codes: Format2Codes;
  #recorder: DiscRecorder | null = null;
  #clientName: string;
  #writing = false;
  #prepared = false;
  #speed: RequestedSpeed | undefined;
  #bufferUnderrunFreeDisabled = false;

  protected constructor(codes: Format2Codes, clock: Clock | undefined, clientName: string) {
    super();
    this.#codes = codes;
    this.clock = clock ?? systemClock;
    this.#clientName = clientName;
  }

  get recorder(): DiscRecorder | null {
    return this.#recorder;
  }

  /** The name exclusive access is taken under (1..63 characters of the cdrom lock's set). */
  get clientName(): string {
    return this.#clientName;
  }
  set clientName(v: string) {
    this.idle();
    this.#clientName = checkClientName(v, this.#codes.clientNameIsNotValid);
  }

  /** put_Recorder's state checks, then the recorder is taken (the subclass checks it first). */
  protected useRecorder(recorder: DiscRecorder): void {
    this.idle();
    this.unprepared();
    this.#recorder = recorder;
  }

  /** True from the start of a write to its end (whatever the outcome). */
  protected get writing(): boolean {
    return this.#writing;
  }
  protected set writing(v: boolean) {
    this.#writing = v;
  }
  /** True between prepareMedia and releaseMedia. */
  protected get prepared(): boolean {
    return this.#prepared;
  }
  protected set prepared(v: boolean) {
    this.#prepared = v;
  }

  /** Refuses while a write runs: options and the recorder cannot change under it. */
  protected idle(): void {
    if (this.#writing) {
      throw new DwError(this.#codes.writeInProgress, {
        message: `a write is in progress on this ${this.#codes.name}`,
      });
    }
  }
  protected need(): DiscRecorder {
    if (this.#recorder === null) {
      throw new DwError(this.#codes.noRecorder, { message: 'setRecorder() first' });
    }
    return this.#recorder;
  }
  protected needPrepared(): void {
    if (!this.#prepared) throw new DwError(this.#codes.mediaIsNotPrepared ?? HR.E_FAIL);
  }
  /** Properties that shape what prepareMedia sends cannot change once it ran. */
  protected unprepared(): void {
    if (this.#prepared) throw new DwError(this.#codes.mediaIsPrepared ?? HR.E_FAIL);
  }

  /**
   * BufferUnderrunFreeDisabled: true writes with BUFE off (page 05h), so an underrun fails the
   * write instead of being linked over; not while writing or prepared.
   */
  get bufferUnderrunFreeDisabled(): boolean {
    return this.#bufferUnderrunFreeDisabled;
  }
  set bufferUnderrunFreeDisabled(v: boolean) {
    this.idle();
    this.unprepared();
    this.#bufferUnderrunFreeDisabled = v === true;
  }

  // ---- speed (the same members on the three interfaces) ----

  /**
   * SetWriteSpeed: sectors/s (−1 or 0xFFFFFFFF: the fastest), CLV or pure CAV. Sent to the drive
   * when the write is set up (write() for data, prepareMedia for TAO and raw), so not while the
   * media is prepared; the drive picks the nearest speed it can (getCurrentWriteSpeed tells).
   */
  setWriteSpeed(requestedSectorsPerSecond: number, rotationTypeIsPureCAV = false): void {
    this.idle();
    this.unprepared();
    const v = requestedSectorsPerSecond === -1 ? MAX_WRITE_SPEED : requestedSectorsPerSecond;
    if (!Number.isInteger(v) || v < 1 || v > MAX_WRITE_SPEED) {
      throw new DwError(HR.E_INVALIDARG, { message: 'the write speed is 1..0xFFFFFFFF sectors/s' });
    }
    this.#speed = { sectorsPerSecond: v, pureCav: rotationTypeIsPureCAV === true };
  }
  get requestedWriteSpeed(): number {
    return this.#speed?.sectorsPerSecond ?? MAX_WRITE_SPEED;
  }
  get requestedRotationTypeIsPureCAV(): boolean {
    return this.#speed?.pureCav ?? false;
  }
  /** What setWriteSpeed asked, undefined when it was not called (the drive's own choice). */
  protected get requestedSpeed(): RequestedSpeed | undefined {
    return this.#speed;
  }
  /** Sends the requested speed, if any (SET CD SPEED on CD, SET STREAMING up to `endLba`). */
  protected async applyRequestedSpeed(
    recorder: DiscRecorder,
    profile: number,
    endLba: number,
  ): Promise<void> {
    const s = this.#speed;
    if (s !== undefined)
      await applyWriteSpeed(recorder, profile, s.sectorsPerSecond, s.pureCav, endLba);
  }

  /** The drive's current write speed (capabilities page 2Ah), sectors/s. */
  async getCurrentWriteSpeed(): Promise<number> {
    const r = this.need();
    return currentWriteSpeed(r, await r.getCurrentProfile());
  }
  /** CurrentRotationTypeIsPureCAV: page 2Ah's Rotation Control Selected is CAV. */
  async getCurrentRotationTypeIsPureCAV(): Promise<boolean> {
    return currentRotationIsPureCav(this.need());
  }
  /** Write speeds the drive lists for the loaded disc (GET PERFORMANCE 03h), sectors/s. */
  async getSupportedWriteSpeeds(): Promise<number[]> {
    const r = this.need();
    const factor = kBpsPerSectorPerSecond(await r.getCurrentProfile());
    const speeds = (await r.writeSpeeds()).map((s) => Math.round(s.writeSpeedKBps / factor));
    return [...new Set(speeds)].sort((a, b) => b - a);
  }
  async getSupportedWriteSpeedDescriptors(): Promise<WriteSpeedDescriptor[]> {
    return this.need().writeSpeeds();
  }

  /** CurrentPhysicalMediaType: IMAPI_MEDIA_PHYSICAL_TYPE of the loaded disc, asked now. */
  async getCurrentPhysicalMediaType(): Promise<number> {
    return physicalTypeOfProfile(await this.need().getCurrentProfile());
  }

  // ---- events ----

  /**
   * Calls each `update` listener with (this, args), only while a write runs (none after it
   * settled, so none after releaseMedia); one listener's exception neither stops the others nor
   * the write.
   */
  protected emitUpdate(args: unknown): void {
    if (!this.#writing) return;
    for (const listener of this.listeners('update')) {
      try {
        (listener as (sender: this, a: unknown) => void).call(this, this, args);
      } catch (e) {
        const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
        process.emitWarning(`an update listener threw: ${detail}`, { code: 'DW_LISTENER_ERROR' });
      }
    }
  }
}
