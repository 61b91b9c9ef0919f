// DiscFormat2Erase: IMAPI2's IDiscFormat2Erase (docs/burning.md "Erasing"). BLANK with IMMED
// (full: blank the disc, 000b; otherwise minimally blank, 001b) on CD-RW and DVD-RW, then TEST
// UNIT READY polled until the drive is ready again; while it answers NOT READY (02/04/xx) its
// sense-key-specific progress indication (when SKSV is set) gives the estimate. `update` fires
// with (sender, elapsedSeconds, estimatedTotalSeconds) at the start, on every poll and at the end.

import { EventEmitter } from 'node:events';
import { DwError, HR } from '../errors.js';
import { BlankingType, encodeBlankCdb } from '../scsi/mmc/blank.js';
import type { DiscRecorder } from '../device/recorder.js';
import { ProfileType } from '../device/types.js';
import { systemClock, type Clock } from '../transport/clock.js';
import { physicalTypeOfProfile } from './media-state.js';
import { checkClientName } from '../device/client-name.js';
import { estimateTotal, pollUntilReady } from './progress-poll.js';

/** The profiles BLANK erases (IMAPI2 erases CD-RW and DVD-RW only). */
const ERASABLE_PROFILES: readonly number[] = [
  ProfileType.CD_REWRITABLE,
  ProfileType.DVD_DASH_RW_SEQUENTIAL,
  ProfileType.DVD_DASH_REWRITABLE,
];
/** IMAPI2 gives up on an erase after an hour (E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR). */
const ERASE_LIMIT_MS = 3600_000;
/** First estimates before the drive reports progress: a minimal blank is quick, a full one not. */
const FIRST_ESTIMATE_SEC = { minimal: 60, full: 1800 };
const COMMAND_TIMEOUT_SEC = 60;

export type EraseUpdateListener = (
  sender: DiscFormat2Erase,
  elapsedSeconds: number,
  estimatedTotalSeconds: number,
) => void;

export class DiscFormat2Erase extends EventEmitter {
  readonly #clock: Clock;
  #recorder: DiscRecorder | null = null;
  #clientName = '';
  #fullErase = false;
  #erasing = false;

  constructor(options: { readonly clock?: Clock } = {}) {
    super();
    this.#clock = options.clock ?? systemClock;
  }

  #idle(): void {
    if (this.#erasing) {
      throw new DwError(HR.E_IMAPI_ERASE_RECORDER_IN_USE, { message: 'an erase is running' });
    }
  }

  async isRecorderSupported(recorder: DiscRecorder): Promise<boolean> {
    const profiles = await recorder.getSupportedProfiles(false);
    return profiles.some((p) => ERASABLE_PROFILES.includes(p));
  }

  async isCurrentMediaSupported(recorder: DiscRecorder): Promise<boolean> {
    return ERASABLE_PROFILES.includes(await recorder.getCurrentProfile());
  }

  async setRecorder(recorder: DiscRecorder): Promise<void> {
    this.#idle();
    if (!(await this.isRecorderSupported(recorder))) {
      throw new DwError(HR.E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED, {
        message: `${recorder.vendorId} ${recorder.productId} erases neither CD-RW nor DVD-RW`,
      });
    }
    this.#recorder = recorder;
  }

  get recorder(): DiscRecorder | null {
    return this.#recorder;
  }

  /** Full erase (BLANK 000b) instead of the quick, minimal one (001b). */
  get fullErase(): boolean {
    return this.#fullErase;
  }
  set fullErase(v: boolean) {
    this.#idle();
    this.#fullErase = v === true;
  }

  get clientName(): string {
    return this.#clientName;
  }
  set clientName(v: string) {
    this.#idle();
    this.#clientName = checkClientName(v, HR.E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID);
  }

  async getCurrentPhysicalMediaType(): Promise<number> {
    return physicalTypeOfProfile(await this.#need().getCurrentProfile());
  }

  #need(): DiscRecorder {
    if (this.#recorder === null) {
      throw new DwError(HR.E_IMAPI_RECORDER_REQUIRED, { message: 'setRecorder() first' });
    }
    return this.#recorder;
  }

  /** Typed `on('update', …)`. */
  override on(event: 'update', listener: EraseUpdateListener): this;
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /** IDiscFormat2Erase::EraseMedia. */
  async eraseMedia(): Promise<void> {
    this.#idle();
    const recorder = this.#need();
    if (this.#clientName === '') {
      throw new DwError(HR.E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID, {
        message: 'set clientName before eraseMedia()',
      });
    }
    this.#erasing = true;
    try {
      await recorder.acquireExclusiveAccess(false, this.#clientName);
      try {
        await this.#erase(recorder);
      } finally {
        await recorder.releaseExclusiveAccess();
      }
    } finally {
      this.#erasing = false;
    }
  }

  async #erase(recorder: DiscRecorder): Promise<void> {
    const profile = await recorder.getCurrentProfile();
    if (!ERASABLE_PROFILES.includes(profile)) {
      throw new DwError(HR.E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED, {
        message: `the loaded disc (profile 0x${profile.toString(16).padStart(4, '0')}) is not CD-RW or DVD-RW`,
        hint: 'DVD+RW, DVD-RAM and BD-RE are overwritten in place or formatted (discwright format).',
      });
    }
    if (!(await recorder.discInformation()).erasable) {
      throw new DwError(HR.E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE, {
        message: 'the drive reports the loaded disc as not erasable',
      });
    }
    const blankingType = this.#fullErase
      ? BlankingType.BLANK_DISC
      : BlankingType.MINIMALLY_BLANK_DISC;
    const started = this.#clock.now();
    const sent = await recorder.sendCommandNoData(
      encodeBlankCdb({ blankingType, immed: true }),
      COMMAND_TIMEOUT_SEC,
    );
    if (sent.hr !== HR.S_OK) {
      throw new DwError(HR.E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND, {
        message: `the drive refused BLANK (${this.#fullErase ? 'full' : 'minimal'})`,
        sense: sent.sense,
      });
    }
    let estimate = this.#fullErase ? FIRST_ESTIMATE_SEC.full : FIRST_ESTIMATE_SEC.minimal;
    const elapsed = () => (this.#clock.now() - started) / 1000;
    this.#emit(elapsed(), estimate);
    await pollUntilReady(recorder, {
      clock: this.#clock,
      limitMs: ERASE_LIMIT_MS - (this.#clock.now() - started),
      onPoll: (_sec, fraction) => {
        estimate = estimateTotal(elapsed(), fraction, estimate);
        this.#emit(elapsed(), estimate);
      },
      unexpected: (sense, text) =>
        new DwError(HR.E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE, {
          message: `TEST UNIT READY answered ${text} during the erase`,
          sense,
        }),
      tooLong: () =>
        new DwError(HR.E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR, {
          message: 'the drive was still blanking after an hour',
        }),
    });
    const done = elapsed();
    this.#emit(done, done);
  }

  #emit(elapsedSeconds: number, estimatedTotalSeconds: number): void {
    for (const listener of this.listeners('update')) {
      try {
        (listener as EraseUpdateListener).call(this, this, elapsedSeconds, estimatedTotalSeconds);
      } catch (e) {
        const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
        process.emitWarning(`an update listener threw: ${detail}`, { code: 'DW_LISTENER_ERROR' });
      }
    }
  }
}
