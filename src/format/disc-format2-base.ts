// What IMAPI2's IDiscFormat2Data, IDiscFormat2TrackAtOnce and IDiscFormat2RawCD have in common,
// written once: the recorder (put_Recorder/get_Recorder), the client name exclusive access is
// taken under (put_ClientName), the clock of the event times, and the state checks (a write in
// progress, no recorder, media prepared or not). Each interface answers these with its own
// E_IMAPI_DF2DATA_* / DF2TAO_* / DF2RAW_* codes, so the class is given its codes (Format2Codes).

import { EventEmitter } from 'node:events';
import { DwError, HR, type HResult } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import { checkClientName } from '../device/client-name.js';
import { systemClock, type Clock } from '../transport/clock.js';

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
}
