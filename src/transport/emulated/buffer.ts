// The drive buffer and write pacing of the virtual drive. WRITE data enters the buffer at once;
// the buffer drains at the selected write speed on a Clock (a VirtualClock in tests, so pacing
// and underruns are tested without real sleeping). Unpaced (`speed=max`) the buffer never holds
// anything. A buffer that runs dry while a track is being recorded is an underrun, noticed when
// the host's next WRITE arrives (the drive cannot know earlier whether more data will come).

import type { Clock } from '../clock.js';

/** The share of the buffer a full drive lets drain before it takes a WRITE again (waitFor). */
const RESUME_FRACTION = 1 / 8;

export class DriveBuffer {
  /** Bytes waiting to be recorded. */
  #fillBytes = 0;
  #last: number;
  /** Bytes per millisecond; 0 = unpaced. */
  #rate = 0;
  /** A track is being recorded (from its first WRITE until SYNCHRONIZE CACHE or a close). */
  #recording = false;
  /** The buffer emptied while recording and no WRITE has come since. */
  #dry = false;
  /** Underruns the drive bridged with a lossless link (BUFE / DVD+R / BD). */
  links = 0;
  /** Underruns that failed a write (BUFE off). */
  losses = 0;
  readonly #clock: Clock;

  constructor(
    readonly size: number,
    clock: Clock,
  ) {
    this.#clock = clock;
    this.#last = clock.now();
  }

  get paced(): boolean {
    return this.#rate > 0;
  }

  /** Set the recording rate in bytes per second (0 = unpaced). */
  setRate(bytesPerSecond: number): void {
    this.update();
    this.#rate = bytesPerSecond / 1000;
  }

  /** Drains what the drive recorded since the last look. */
  update(): void {
    const now = this.#clock.now();
    if (this.#rate > 0 && this.#recording) {
      const drained = (now - this.#last) * this.#rate;
      if (drained >= this.#fillBytes) {
        this.#fillBytes = 0;
        this.#dry = true;
      } else {
        this.#fillBytes -= drained;
      }
    }
    this.#last = now;
  }

  get fill(): number {
    this.update();
    return Math.ceil(this.#fillBytes);
  }

  get free(): number {
    return Math.max(0, this.size - this.fill);
  }

  /** True when the buffer ran dry since the last WRITE of the track being recorded. */
  underran(): boolean {
    this.update();
    return this.#recording && this.#dry;
  }

  /** The underrun was bridged: recording resumes with the next data. */
  linked(): void {
    this.links++;
    this.#dry = false;
  }

  /** The underrun lost the track: recording stops. */
  lost(): void {
    this.losses++;
    this.stop();
  }

  /**
   * Milliseconds until `bytes` fit; 0 when they fit now. A transfer that does not fit waits until
   * there is room for it and at least an eighth of the buffer (RESUME_FRACTION): a full drive
   * takes data again in steps, so a stream of small WRITEs waits once per step rather than once
   * per WRITE (each wait is a timer, and with many paced drives in one process those timers were
   * a cost of their own; BENCHMARKS.md, "Many recorders"). The buffer stays at least 7/8 full
   * while the host keeps up. A transfer larger than the buffer waits for an empty buffer.
   */
  waitFor(bytes: number): number {
    if (this.#rate <= 0) return 0;
    const fill = this.fill;
    if (fill === 0 || fill + bytes <= this.size) return 0;
    const room = Math.max(bytes, Math.floor(this.size * RESUME_FRACTION));
    const excess = Math.min(fill, fill + room - this.size);
    return excess / this.#rate;
  }

  /** Accepts a WRITE's data. */
  accept(bytes: number): void {
    this.update();
    if (this.#rate <= 0) return;
    this.#fillBytes += bytes;
    this.#recording = true;
    this.#dry = false;
  }

  /** Milliseconds until everything buffered is recorded. */
  drainTime(): number {
    return this.#rate > 0 ? this.fill / this.#rate : 0;
  }

  /** Recording ended (SYNCHRONIZE CACHE, close, eject). */
  stop(): void {
    this.update();
    this.#fillBytes = 0;
    this.#recording = false;
    this.#dry = false;
  }
}
