// Layout saves of the image-backed virtual drive (docs/virtual-drive.md, "Persistence"): the
// sidecar follows the data into the image while a section is written, instead of waiting for
// SYNCHRONIZE CACHE, CLOSE or close, so a process killed at any moment leaves a sidecar that
// describes what the image holds.
//
// A checkpoint hands the cache to the writer thread and takes the layout's sidecar text together
// with the writer's job count, at one moment between two commands; once the writer has finished
// that many jobs (every block the layout describes is in the file), and the file is fdatasynced,
// that text is written atomically (sidecar.ts). So a sidecar never describes blocks the image
// lacks, and a checkpoint neither blocks the event loop nor stalls the WRITEs: they go on while it
// waits. Sidecar writes, of checkpoints and of the drive's own saves, go one at a time and in the
// order their layouts were taken; an older layout is never written over a newer one, nor one
// taken before the image was emptied (BLANK, FORMAT UNIT).

import type { FileStore } from './file-store.js';
import { writeSidecar } from './sidecar.js';

/**
 * A checkpoint starts this long after the last one began, at the first WRITE after that (or by a
 * timer after the last WRITE of a burst); real time, not the drive's clock. Not also every few
 * MiB: at the speed of the page cache, an fdatasync every 32 MiB cost the 1 GiB benchmark about
 * a fifth of its speed and 15 % more CPU, one a second nothing measurable.
 */
export const CHECKPOINT_MS = 1000;

export interface LayoutSavesOptions {
  readonly image: string;
  readonly store: FileStore;
  /** The sidecar text of the layout now (undefined: no disc). Runs between two commands. */
  readonly snapshot: () => string | undefined;
  /** The sidecar text the file holds as far as the drive knows (the last read or written). */
  readonly current: () => string | undefined;
  /** `text` is now the sidecar. */
  readonly saved: (text: string) => void;
}

export class LayoutSaves {
  readonly #o: LayoutSavesOptions;
  /** Layouts taken so far (checkpoints and saves), and the newest written. */
  #taken = 0;
  #written = 0;
  /** Sidecar writes, one after the other. */
  #chain: Promise<void> = Promise.resolve();
  /** The checkpoint under way. */
  #checkpoint: Promise<void> | undefined;
  /** Bytes recorded since the last checkpoint began, and when it began (performance.now()). */
  #bytes = 0;
  #began = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: LayoutSavesOptions) {
    this.#o = options;
  }

  /**
   * A WRITE recorded `bytes` (its data is in the store, the layout updated). Starts a checkpoint
   * when one is due, or arms a timer for it, so the last WRITEs of a burst are saved too. Never
   * waits and never throws: the WRITE has completed.
   */
  recorded(bytes: number): void {
    if (this.#stopped) return;
    this.#bytes += bytes;
    if (this.#checkpoint !== undefined || this.#bytes === 0) return; // re-checked when it ends
    const wait = CHECKPOINT_MS - (performance.now() - this.#began);
    if (wait <= 0) {
      try {
        this.#begin();
      } catch {
        // Nothing the WRITE may fail for (it has completed): the next checkpoint tries again.
      }
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.recorded(0);
      }, wait);
      // A drive left open does not keep the process alive for its next checkpoint.
      this.#timer.unref();
    }
  }

  #begin(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#bytes = 0;
    this.#began = performance.now();
    const store = this.#o.store;
    // Taken together: the layout, and the job after which the image holds what it describes.
    const job = store.handOver();
    const text = this.#o.snapshot();
    const taken = ++this.#taken;
    const clears = store.clears;
    const checkpoint = async (): Promise<void> => {
      await store.reached(job);
      // Before the rename, so a sidecar that survives a power cut finds its blocks on the disk.
      await store.datasync();
      if (text !== undefined) await this.#write(text, taken, clears);
    };
    this.#checkpoint = checkpoint()
      // A failed checkpoint is tried again with the next one; the write that failed is reported
      // by the next command (the writer's failure), and a sidecar that cannot be written by the
      // SYNCHRONIZE CACHE or close that must write it.
      .catch(() => undefined)
      .finally(() => {
        this.#checkpoint = undefined;
        this.recorded(0);
      });
  }

  /**
   * Writes `text` (the layout now, the cache already in the file) after the sidecar writes
   * before it: SYNCHRONIZE CACHE, CLOSE, eject, close, the first WRITE's block size.
   */
  save(text: string): Promise<void> {
    return this.#write(text, ++this.#taken, this.#o.store.clears);
  }

  #write(text: string, taken: number, clears: number): Promise<void> {
    const write = async (): Promise<void> => {
      // A newer layout is in the file already, or the image was emptied since this one was taken.
      if (taken <= this.#written || clears !== this.#o.store.clears) return;
      if (text !== this.#o.current()) {
        await writeSidecar(this.#o.image, text);
        this.#o.saved(text);
      }
      this.#written = taken;
    };
    const done = this.#chain.then(write);
    this.#chain = done.catch(() => undefined);
    return done;
  }

  /** Waits for the checkpoint under way and the sidecar writes before BLANK or FORMAT UNIT. */
  async settle(): Promise<void> {
    while (this.#checkpoint !== undefined) await this.#checkpoint;
    await this.#chain;
  }

  /** No more checkpoints; waits for the one under way (before the image is closed). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.settle();
  }
}
