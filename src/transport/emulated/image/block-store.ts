// Block storage behind the virtual drive: the BlockStore contract and what every store shares.
// User data of block LBA (≥ 0) lives at LBA × stride, where the stride is the block size of the
// first write: in memory (memory-store.ts) or in a sparse image file (file-store.ts). Blocks of
// another size (CD sector types mixed on one disc) and negative-LBA blocks (SAO/raw pre-gap and
// lead-in) go to a small side map that the sidecar persists (sidecar.ts).

import type { DataOutHold } from '../../transport.js';

/**
 * A WRITE's offer to let the store keep its data-out bytes instead of copying them (the hold of
 * a held write, HeldWriteCapability); the store sets `kept` when it takes the offer and then
 * calls `hold.release()` once the bytes are in the image file.
 */
export interface DataOutKeeper {
  readonly hold: DataOutHold | undefined;
  kept: boolean;
}

export interface BlockStore {
  /** Block size of the main area; undefined until the first write. */
  readonly stride: number | undefined;
  /**
   * Records `data.length / blockSize` blocks starting at `lba`. With a `keeper` the store may
   * keep `data` itself until it is written (FileStore only); otherwise it copies.
   */
  write(lba: number, blockSize: number, data: Uint8Array, keeper?: DataOutKeeper): Promise<void>;
  /** The bytes of one stored block, or undefined when it was never written. */
  readBlock(lba: number): Promise<Uint8Array | undefined>;
  /** `count` consecutive main-area blocks (zeros where never written), stride bytes each. */
  readRun(lba: number, count: number): Promise<Uint8Array>;
  /** True when [lba, lba+count) are plain main-area blocks (no side-map entries). */
  plain(lba: number, count: number): boolean;
  /** Forget every block (BLANK, FORMAT UNIT). */
  clear(): Promise<void>;
  /** Data the drive holds in its cache reaches the image file (not necessarily the disk). */
  writeOut(): Promise<void>;
  /** Data reaches stable storage. */
  sync(): Promise<void>;
  close(): Promise<void>;
  /** Side-map blocks, for the sidecar. */
  readonly odd: ReadonlyMap<number, Uint8Array>;
  /** Restores stride and side-map blocks from a sidecar. */
  restore(stride: number | undefined, odd: Iterable<[number, Uint8Array]>): void;
  /**
   * Sets the block size of the main area ahead of its first write, so the sidecar can record it
   * before any data reaches the image; undefined takes it back (that sidecar was not written).
   */
  fixStride(blockSize: number | undefined): void;
}

/** A settled promise shared by every write that completes at once (no allocation per WRITE). */
export const DONE: Promise<void> = Promise.resolve();

export abstract class BaseStore implements BlockStore {
  stride: number | undefined;
  readonly odd = new Map<number, Uint8Array>();

  protected abstract writeMain(
    lba: number,
    data: Uint8Array,
    keeper: DataOutKeeper | undefined,
  ): Promise<void>;
  protected abstract readMain(lba: number, count: number): Promise<Uint8Array>;
  abstract clearMain(): Promise<void>;
  abstract writeOut(): Promise<void>;
  abstract sync(): Promise<void>;
  abstract close(): Promise<void>;

  write(lba: number, blockSize: number, data: Uint8Array, keeper?: DataOutKeeper): Promise<void> {
    const blocks = data.length / blockSize;
    if (lba < 0 && lba + blocks > 0) {
      // A WRITE from a pre-gap into the main area (SAO from LBA -150): the negative blocks go to
      // the side map, the rest to the main area, copied (such a WRITE is rare, and never held).
      const before = -lba * blockSize;
      for (let i = 0; i < -lba; i++) {
        this.odd.set(lba + i, data.slice(i * blockSize, (i + 1) * blockSize));
      }
      return this.write(0, blockSize, data.subarray(before), undefined);
    }
    if (lba >= 0 && this.stride === undefined) this.stride = blockSize;
    if (lba >= 0 && blockSize === this.stride) {
      if (this.odd.size > 0) for (let i = 0; i < blocks; i++) this.odd.delete(lba + i);
      return this.writeMain(lba, data, keeper);
    }
    for (let i = 0; i < blocks; i++) {
      this.odd.set(lba + i, data.slice(i * blockSize, (i + 1) * blockSize));
    }
    return DONE;
  }

  async readBlock(lba: number): Promise<Uint8Array | undefined> {
    const odd = this.odd.get(lba);
    if (odd !== undefined) return odd;
    if (lba < 0 || this.stride === undefined) return undefined;
    return this.readMain(lba, 1);
  }

  readRun(lba: number, count: number): Promise<Uint8Array> {
    return this.readMain(lba, count);
  }

  plain(lba: number, count: number): boolean {
    if (this.odd.size === 0) return true;
    for (let i = 0; i < count; i++) if (this.odd.has(lba + i)) return false;
    return true;
  }

  async clear(): Promise<void> {
    this.odd.clear();
    this.stride = undefined;
    await this.clearMain();
  }

  fixStride(blockSize: number | undefined): void {
    this.stride = blockSize;
  }

  restore(stride: number | undefined, odd: Iterable<[number, Uint8Array]>): void {
    this.stride = stride;
    this.odd.clear();
    for (const [lba, bytes] of odd) this.odd.set(lba, bytes);
  }
}
