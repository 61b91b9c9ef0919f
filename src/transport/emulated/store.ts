// Block storage behind the virtual drive. User data of block LBA (≥ 0) lives at LBA × stride,
// where the stride is the block size of the first write: in memory as a sparse map of chunks, or
// in a sparse image file written with positioned writes straight from the command's buffer.
// Blocks of another size (CD sector types mixed on one disc) and negative-LBA blocks (SAO/raw
// pre-gap and lead-in) go to a small side map that the sidecar persists.

import { open, rename, writeFile, readFile, stat, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export interface BlockStore {
  /** Block size of the main area; undefined until the first write. */
  readonly stride: number | undefined;
  /** Records `data.length / blockSize` blocks starting at `lba`. */
  write(lba: number, blockSize: number, data: Uint8Array): Promise<void>;
  /** The bytes of one stored block, or undefined when it was never written. */
  readBlock(lba: number): Promise<Uint8Array | undefined>;
  /** `count` consecutive main-area blocks (zeros where never written), stride bytes each. */
  readRun(lba: number, count: number): Promise<Uint8Array>;
  /** True when [lba, lba+count) are plain main-area blocks (no side-map entries). */
  plain(lba: number, count: number): boolean;
  /** Forget every block (BLANK, FORMAT UNIT). */
  clear(): Promise<void>;
  /** Data reaches stable storage. */
  sync(): Promise<void>;
  close(): Promise<void>;
  /** Side-map blocks, for the sidecar. */
  readonly odd: ReadonlyMap<number, Uint8Array>;
  /** Restores stride and side-map blocks from a sidecar. */
  restore(stride: number | undefined, odd: Iterable<[number, Uint8Array]>): void;
}

abstract class BaseStore implements BlockStore {
  stride: number | undefined;
  readonly odd = new Map<number, Uint8Array>();

  protected abstract writeMain(lba: number, data: Uint8Array): Promise<void>;
  protected abstract readMain(lba: number, count: number): Promise<Uint8Array>;
  abstract clearMain(): Promise<void>;
  abstract sync(): Promise<void>;
  abstract close(): Promise<void>;

  async write(lba: number, blockSize: number, data: Uint8Array): Promise<void> {
    const blocks = data.length / blockSize;
    if (lba >= 0 && this.stride === undefined) this.stride = blockSize;
    if (lba >= 0 && blockSize === this.stride) {
      if (this.odd.size > 0) for (let i = 0; i < blocks; i++) this.odd.delete(lba + i);
      await this.writeMain(lba, data);
      return;
    }
    for (let i = 0; i < blocks; i++) {
      this.odd.set(lba + i, data.slice(i * blockSize, (i + 1) * blockSize));
    }
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

  restore(stride: number | undefined, odd: Iterable<[number, Uint8Array]>): void {
    this.stride = stride;
    this.odd.clear();
    for (const [lba, bytes] of odd) this.odd.set(lba, bytes);
  }
}

/** Blocks per memory chunk: large enough to keep the map small, small enough to stay sparse. */
const CHUNK_BLOCKS = 256;

/** A disc in memory. Chunks are allocated on first write, never for the whole capacity. */
export class MemoryStore extends BaseStore {
  private readonly chunks = new Map<number, Uint8Array>();

  protected writeMain(lba: number, data: Uint8Array): Promise<void> {
    const stride = this.stride ?? 2048;
    let at = 0;
    let block = lba;
    while (at < data.length) {
      const index = Math.floor(block / CHUNK_BLOCKS);
      const within = block - index * CHUNK_BLOCKS;
      const n = Math.min(CHUNK_BLOCKS - within, (data.length - at) / stride);
      let chunk = this.chunks.get(index);
      if (chunk === undefined) {
        chunk = new Uint8Array(CHUNK_BLOCKS * stride);
        this.chunks.set(index, chunk);
      }
      chunk.set(data.subarray(at, at + n * stride), within * stride);
      at += n * stride;
      block += n;
    }
    return Promise.resolve();
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
      const chunk = this.chunks.get(index);
      if (chunk !== undefined) out.set(chunk.subarray(within * stride, (within + n) * stride), at);
      at += n * stride;
      block += n;
    }
    return Promise.resolve(out);
  }

  clearMain(): Promise<void> {
    this.chunks.clear();
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
    for (const c of this.chunks.values()) n += c.length;
    return n;
  }
}

/** A disc in a sparse image file: block LBA at byte LBA × stride, so `cmp` against a source works. */
export class FileStore extends BaseStore {
  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
  ) {
    super();
  }

  static async open(path: string): Promise<FileStore> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      fh = await open(path, 'w+');
    }
    return new FileStore(fh, path);
  }

  protected async writeMain(lba: number, data: Uint8Array): Promise<void> {
    const stride = this.stride ?? 2048;
    let at = 0;
    while (at < data.length) {
      const { bytesWritten } = await this.fh.write(data, at, data.length - at, lba * stride + at);
      at += bytesWritten;
    }
  }

  protected async readMain(lba: number, count: number): Promise<Uint8Array> {
    const stride = this.stride ?? 2048;
    const out = new Uint8Array(count * stride);
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await this.fh.read(out, at, out.length - at, lba * stride + at);
      if (bytesRead === 0) break; // past the end of the sparse file: unwritten blocks read as zeros
      at += bytesRead;
    }
    return out;
  }

  async clearMain(): Promise<void> {
    await this.fh.truncate(0);
  }

  async sync(): Promise<void> {
    await this.fh.sync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** The sidecar next to an image: the disc layout plus side-map blocks (base64). */
export interface SidecarJson<D> {
  readonly format: 'discwright-virtual-disc';
  readonly version: 1;
  readonly disc: D;
  readonly stride: number | null;
  readonly odd: Record<string, string>;
}

export function sidecarPath(image: string): string {
  return `${image}.json`;
}

export async function readSidecar<D>(image: string): Promise<SidecarJson<D> | undefined> {
  let text: string;
  try {
    text = await readFile(sidecarPath(image), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const json = JSON.parse(text) as SidecarJson<D>;
  if (json.format !== 'discwright-virtual-disc' || json.version !== 1) {
    throw new Error(`${sidecarPath(image)} is not a discwright virtual disc sidecar`);
  }
  return json;
}

/** Size of the image file, or -1 when it does not exist. */
export async function imageSize(image: string): Promise<number> {
  try {
    return (await stat(image)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw e;
  }
}

/**
 * Writes the sidecar atomically: a temporary file in the same directory, fsync, rename. A crash
 * leaves either the old or the new sidecar, never a torn one.
 */
export async function writeSidecar<D>(image: string, disc: D, store: BlockStore): Promise<void> {
  const odd: Record<string, string> = {};
  for (const [lba, bytes] of store.odd) odd[String(lba)] = Buffer.from(bytes).toString('base64');
  const json: SidecarJson<D> = {
    format: 'discwright-virtual-disc',
    version: 1,
    disc,
    stride: store.stride ?? null,
    odd,
  };
  const target = sidecarPath(image);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(json));
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, target);
}

export function decodeOdd(odd: Record<string, string>): [number, Uint8Array][] {
  return Object.entries(odd).map(([k, v]) => [Number(k), new Uint8Array(Buffer.from(v, 'base64'))]);
}
