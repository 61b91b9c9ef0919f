// The virtual drive's buffer fill as each WRITE arrives, for benchmarks that ask how low a paced
// drive's buffer ran (bench/many-recorders.ts). A transport between the recorder and the drive:
// the fill only falls between WRITEs, so the lowest fill seen when one arrives is the lowest of
// the section. `minFill` counts from the second WRITE (the first starts recording);
// `minFillSteady` once the buffer has been 90 % full, i.e. after the start-up ramp. Held writes
// (the image-backed drive's zero-copy hand-off) pass through and are noted the same way.
// (bench/dw-write.ts keeps its own copy of this probe, written before this module.)

import type { VirtualDrive } from '../src/transport/emulated/index.js';
import type {
  ExecuteOptions,
  HeldWriteCapability,
  ScsiCommand,
  ScsiResult,
  Transport,
  TransportLimits,
} from '../src/transport/transport.js';

export class FillProbe implements Transport {
  minFill = Infinity;
  minFillSteady = Infinity;
  readonly heldWrites?: HeldWriteCapability;
  #started = false;
  #steady = false;
  readonly #drive: VirtualDrive;

  constructor(drive: VirtualDrive) {
    this.#drive = drive;
    const held = drive.heldWrites;
    if (held !== undefined) {
      this.heldWrites = {
        executeHeld: (command, hold, options) => {
          this.#note(command);
          return held.executeHeld(command, hold, options);
        },
      };
    }
  }

  execute(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult> {
    this.#note(command);
    return this.#drive.execute(command, options);
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
