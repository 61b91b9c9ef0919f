// The zero-copy hand-off of the image-backed drive: a WRITE whose data lies in shared memory and
// whose caller lets the drive hold it (DataOutHold; the write engine's slots) is not copied into
// the cache. The writer thread writes it from the caller's buffer, and the hold is released once
// the bytes are in the image file. This module keeps the held WRITEs, oldest first, and gives
// their holds back as the writer thread finishes them.

import type { DataOutHold } from '../../transport.js';
import { DONE, type DataOutKeeper } from './block-store.js';
import { CTL_COMPLETED, JOB_SLOTS, type BufferRegistration } from './image-writer.js';
import type { WriterThread } from './writer-thread.js';

/**
 * Most bytes of held WRITEs not yet in the image before the next one waits: about what a
 * drive's own buffer holds (the virtual BD drive's is 4 MiB), and twice the 2 MiB that made the
 * drive wait for the writer more often (docs/benchmarks-history.md, "File-backed: zero-copy
 * hand-off, the writer thread at open, fewer deoptimisations").
 */
export const HELD_BYTES = 4 * 1024 * 1024;

export class HeldWrites {
  /** The caller's buffer held WRITEs come from (one at a time), and its id (0: none yet). */
  #foreign: SharedArrayBuffer | undefined;
  #foreignId = 0;
  /** Held WRITEs not yet released, oldest first: a ring of JOB_SLOTS entries. */
  readonly #heldJob: number[] = new Array<number>(JOB_SLOTS).fill(0);
  readonly #heldLength: number[] = new Array<number>(JOB_SLOTS).fill(0);
  readonly #heldHold: (DataOutHold | undefined)[] = new Array<undefined>(JOB_SLOTS);
  #heldHead = 0;
  #heldTail = 0;
  #heldBytes = 0;
  /** A wait for the writer thread's progress is armed on behalf of held WRITEs. */
  #watching = false;
  readonly #thread: WriterThread;
  /** Room for held bytes within the drive's bound on unwritten bytes (its declared buffer). */
  readonly #room: () => number;

  constructor(thread: WriterThread, room: () => number) {
    this.#thread = thread;
    this.#room = room;
  }

  /** No held WRITE is waiting for its release. */
  get empty(): boolean {
    return this.#heldHead === this.#heldTail;
  }

  /** Bytes of held WRITEs not yet released. */
  get bytes(): number {
    return this.#heldBytes;
  }

  /** Bytes of held WRITEs the writer thread has not finished by job `completed`. */
  pendingBytes(completed: number): number {
    let n = 0;
    for (let k = this.#heldHead; k < this.#heldTail; k++) {
      if (completed - (this.#heldJob[k % JOB_SLOTS] as number) < 0) {
        n += this.#heldLength[k % JOB_SLOTS] as number;
      }
    }
    return n;
  }

  /**
   * Takes a WRITE's data (bound for image offset `position`) without copying it. The caller
   * has handed every earlier cached byte to the writer thread, so the file sees writes in order.
   */
  take(position: number, data: Uint8Array, keeper: DataOutKeeper): Promise<void> {
    if (data.buffer !== this.#foreign || !this.#roomFor(data.length)) {
      return this.#takeSlowly(position, data, keeper);
    }
    this.#hand(position, data, keeper);
    return DONE;
  }

  /** Another held WRITE of `length` bytes stays within HELD_BYTES, the bound and the job ring. */
  #roomFor(length: number): boolean {
    const thread = this.#thread;
    const bytes = this.#heldBytes + length;
    return (
      bytes <= HELD_BYTES &&
      thread.submitted - thread.completed() < JOB_SLOTS &&
      bytes <= this.#room()
    );
  }

  /** take() when the drive must first wait: its held bytes are at the limit, or a new buffer. */
  async #takeSlowly(position: number, data: Uint8Array, keeper: DataOutKeeper): Promise<void> {
    const buffer = data.buffer as SharedArrayBuffer;
    for (;;) {
      this.#thread.throwIfFailed();
      this.release();
      if (buffer !== this.#foreign) {
        // The writer thread knows one caller buffer at a time; the old one is dropped once no
        // job refers to it (a new write engine pool is rare: a new engine or geometry). Until
        // then, or until the drive closes, the writer thread keeps the last one alive.
        if (this.#heldHead === this.#heldTail) {
          const registration: BufferRegistration = {
            id: this.#foreignId + 1,
            buffer,
            drop: this.#foreignId,
          };
          this.#thread.register(registration);
          this.#foreign = buffer;
          this.#foreignId = registration.id;
          continue;
        }
      } else if (this.#roomFor(data.length)) {
        this.#hand(position, data, keeper);
        return;
      }
      if (this.#thread.lost) continue; // throwIfFailed() reports it
      await this.#thread.progress();
    }
  }

  /** Publishes a held WRITE and remembers its hold. */
  #hand(position: number, data: Uint8Array, keeper: DataOutKeeper): void {
    // Woken at once when the caller's buffer is a quarter held, so a caller with few slots gets
    // them back without waiting for WAKE_BYTES.
    const urgent = this.#heldBytes + data.length >= (this.#foreign?.byteLength ?? 0) / 4;
    const thread = this.#thread;
    const job = thread.publish(this.#foreignId, data.byteOffset, data.length, position, urgent);
    const k = this.#heldTail++ % JOB_SLOTS;
    this.#heldJob[k] = job;
    this.#heldLength[k] = data.length;
    this.#heldHold[k] = keeper.hold;
    this.#heldBytes += data.length;
    keeper.kept = true;
    this.#watch();
  }

  /** Releases the holds of held WRITEs the writer thread has finished, oldest first. */
  release(): void {
    if (this.#heldHead === this.#heldTail) return;
    const completed = this.#thread.completed();
    while (this.#heldHead !== this.#heldTail) {
      const k = this.#heldHead % JOB_SLOTS;
      if (completed - (this.#heldJob[k] as number) < 0) break;
      const hold = this.#heldHold[k];
      this.#heldHold[k] = undefined;
      this.#heldBytes -= this.#heldLength[k] as number;
      this.#heldHead++;
      hold?.release();
    }
  }

  /**
   * Keeps one wait on the writer thread's progress armed while WRITEs are held, so their holds
   * come back even when no further command arrives (the end of a section). The writer notifies
   * every few jobs and when it runs dry (image-writer.ts), so this wakes far less often than
   * once per WRITE.
   */
  #watch(): void {
    const ctl = this.#thread.ctl;
    if (this.#watching || ctl === undefined) return;
    for (;;) {
      // Release up to what the writer has finished by `seen`, then wait for it to move on from
      // there: a job finished in between is never missed.
      const seen = Atomics.load(ctl, CTL_COMPLETED);
      this.release();
      if (this.#heldHead === this.#heldTail) return;
      const r = Atomics.waitAsync(ctl, CTL_COMPLETED, seen);
      if (!r.async) continue; // it moved on already
      this.#watching = true;
      void r.value.then(() => {
        this.#watching = false;
        this.#watch();
      });
      return;
    }
  }
}
