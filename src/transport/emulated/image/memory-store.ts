// A disc in memory (`virtual:<media>` without `image=`): the main area as a sparse map of chunks.

import { BaseStore, DONE } from './block-store.js';

/** Blocks per memory chunk: large enough to keep the map small, small enough to stay sparse. */
const CHUNK_BLOCKS = 256;

/** A disc in memory. Chunks are allocated on first write, never for the whole capacity. */
export class MemoryStore extends BaseStore {
  readonly #chunks = new Map<number, Uint8Array>();

  protected writeMain(lba: number, data: Uint8Array): Promise<void> {
    const stride = this.stride ?? 2048;
    let at = 0;
    let block = lba;
    while (at < data.length) {
      const index = Math.floor(block / CHUNK_BLOCKS);
      const within = block - index * CHUNK_BLOCKS;
      const n = Math.min(CHUNK_BLOCKS - within, (data.length - at) / stride);
      let chunk = this.#chunks.get(index);
      if (chunk === undefined) {
        chunk = new Uint8Array(CHUNK_BLOCKS * stride);
        this.#chunks.set(index, chunk);
      }
      chunk.set(data.subarray(at, at + n * stride), within * stride);
      at += n * stride;
      block += n;
    }
    return DONE;
  }

  protected readMain(lba: number, count: number): Promise<Uint8Array> {
    const stride = this.stride ?? 2048;
    const out = new Uint8Array(count * stride);
    let block = lba;
    let at = 0;
    while (at < out.length) {
      const index = Math.floor(block / CHUNK_BLOCKS);
      const within = block - index * CHUNK_BLOCKS;
      const n = Math.min(CHUNK_BLOCKS - within, (out.length - at) / stride);
      const chunk = this.#chunks.get(index);
      if (chunk !== undefined) out.set(chunk.subarray(within * stride, (within + n) * stride), at);
      at += n * stride;
      block += n;
    }
    return Promise.resolve(out);
  }

  clearMain(): Promise<void> {
    this.#chunks.clear();
    return Promise.resolve();
  }

  writeOut(): Promise<void> {
    return Promise.resolve();
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Bytes held in chunks (tests check that nothing is allocated up front). */
  get allocatedBytes(): number {
    let n = 0;
    for (const c of this.#chunks.values()) n += c.length;
    return n;
  }
}
