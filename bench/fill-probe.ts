// The virtual drive's buffer fill as each WRITE arrives, for benchmarks that ask how low a paced
// drive's buffer ran (bench/many-recorders.ts). A transport between the recorder and the drive:
// the fill only falls between WRITEs, so the lowest fill seen when one arrives is the lowest of
// the section. `minFill` counts from the second WRITE (the first starts recording);
// `minFillSteady` once the buffer has been 90 % full, i.e. after the start-up ramp. Held writes
// (the image-backed drive's zero-copy hand-off) pass through and are noted the same way.
// It also times each WRITE, to tell where an underrun came from: the WRITE before it took long
// in the drive (the buffer was full and it waited, or the image writer thread was behind and the
// drive waited for it), or the host sent the next one late (the engine got no CPU, or waited for
// its source). (bench/dw-write.ts keeps its own copy of this probe, written before this module.)

import type { VirtualDrive } from '../src/transport/emulated/index.js';
import type {
  ExecuteOptions,
  HeldWriteCapability,
  ScsiCommand,
  ScsiResult,
  Transport,
  TransportLimits,
} from '../src/transport/transport.js';

/** Timings of the WRITEs that found the buffer had run dry (ms). */
export interface UnderrunTrace {
  /** From the completion of the WRITE before to the arrival of this one: the host's delay. */
  readonly gapMs: number[];
  /** The fill when the WRITE before completed (bytes): low means the drive itself was slow to
   *  answer it (waiting for the image writer thread), full means the host was late. */
  readonly previousFill: number[];
}

export class FillProbe implements Transport {
  minFill = Infinity;
  minFillSteady = Infinity;
  /** Longest time from a WRITE's completion to the next one's arrival, after the first. */
  maxGapMs = 0;
  readonly underrunTrace: UnderrunTrace = { gapMs: [], previousFill: [] };
  #lastEnd = NaN;
  #lastFill = NaN;
  readonly heldWrites?: HeldWriteCapability;
  #started = false;
  #steady = false;
  readonly #drive: VirtualDrive;

  constructor(drive: VirtualDrive) {
    this.#drive = drive;
    const held = drive.heldWrites;
    if (held !== undefined) {
      this.heldWrites = {
        executeHeld: (command, hold, options) =>
          this.#timed(command, () => held.executeHeld(command, hold, options)),
      };
    }
  }

  execute(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult> {
    return this.#timed(command, () => this.#drive.execute(command, options));
  }

  /** Notes a WRITE's fill as it arrives, before the drive takes its data, and times it. */
  #timed<R>(command: ScsiCommand, start: () => Promise<R>): Promise<R> {
    this.#note(command);
    const op = command.cdb[0];
    if (op !== 0x2a && op !== 0xaa) return start();
    const gap = performance.now() - this.#lastEnd;
    if (gap > this.maxGapMs) this.maxGapMs = gap;
    const media = this.#drive.control.media;
    const before = media.underruns;
    const previous = this.#lastFill;
    return start().then((r) => {
      this.#lastEnd = performance.now();
      this.#lastFill = media.bufferFill;
      if (media.underruns > before) {
        this.underrunTrace.gapMs.push(gap);
        this.underrunTrace.previousFill.push(previous);
      }
      return r;
    });
  }

  /** A WRITE(10)/(12) arrives: the buffer fill before it. */
  #note(command: ScsiCommand): void {
    const op = command.cdb[0];
    if (op !== 0x2a && op !== 0xaa) return;
    const media = this.#drive.control.media;
    const fill = media.bufferFill;
    if (this.#started) this.minFill = Math.min(this.minFill, fill);
    if (this.#steady) this.minFillSteady = Math.min(this.minFillSteady, fill);
    else if (fill >= 0.9 * media.bufferSize) this.#steady = true;
    this.#started = true;
  }

  /** The drive behind the probe (its underruns, buffer size). */
  get drive(): VirtualDrive {
    return this.#drive;
  }

  get address(): string {
    return this.#drive.address;
  }

  limits(): TransportLimits {
    return this.#drive.limits();
  }

  close(): Promise<void> {
    return this.#drive.close();
  }
}
