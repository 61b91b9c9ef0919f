// A long operation started with IMMED on the virtual drive (FORMAT UNIT, BLANK, CLOSE TRACK/
// SESSION): the command returns GOOD at once, the disc already holds the result, and for the
// operation's duration on the drive's clock the drive is NOT READY as real ones are: 02/04/04
// (format in progress) or 02/04/07 (operation in progress), with the sense-key-specific progress
// indication (SPC-4 4.5.2.4.2, n/65536) that TEST UNIT READY and REQUEST SENSE report. Only a
// drive that paces itself (`speed=`) takes the time: an unpaced one records at once, so it
// finishes these at once too.

import type { Clock } from '../clock.js';
import { Sense, type SenseCode } from './check.js';

/** How long each operation keeps the drive busy, in ms of the drive's clock. */
export const OPERATION_MS = {
  /** DVD+RW: the foreground part of a background format; quick formats. */
  quickFormat: 3000,
  fullFormat: 10_000,
  minimalBlank: 2000,
  fullBlank: 8000,
  closeSession: 2000,
  closeTrack: 0,
} as const;

export class OperationInProgress {
  readonly #clock: Clock;
  readonly #paced: boolean;
  #ascq: 0x04 | 0x07 = 0x04;
  #start = 0;
  #end = 0;

  constructor(clock: Clock, paced: boolean) {
    this.#clock = clock;
    this.#paced = paced;
  }

  /** A format (`format`: 02/04/04) or another operation (02/04/07) runs for `ms`. */
  begin(kind: 'format' | 'other', ms: number): void {
    this.#ascq = kind === 'format' ? 0x04 : 0x07;
    this.#start = this.#clock.now();
    this.#end = this.#start + (this.#paced ? Math.max(0, ms) : 0);
  }

  /** The NOT READY sense with progress while the operation runs; undefined once it is done. */
  sense(): SenseCode | undefined {
    const now = this.#clock.now();
    if (now >= this.#end) return undefined;
    const progress = Math.min(
      0xffff,
      Math.floor(((now - this.#start) / (this.#end - this.#start)) * 65536),
    );
    const code =
      this.#ascq === 0x04
        ? Sense.NOT_READY_FORMAT_IN_PROGRESS
        : Sense.NOT_READY_OPERATION_IN_PROGRESS;
    return { ...code, progress };
  }

  /** The disc left the drive: nothing runs any more. */
  clear(): void {
    this.#end = this.#start;
  }
}
