// Block storage behind the virtual drive. User data of block LBA (≥ 0) lives at LBA × stride,
// where the stride is the block size of the first write: in memory as a sparse map of chunks, or
// in a sparse image file behind a write-back cache (FileStore). Blocks of another size (CD
// sector types mixed on one disc) and negative-LBA blocks (SAO/raw pre-gap and lead-in) go to a
// small side map that the sidecar persists.

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
  /** Data the drive holds in its cache reaches the image file (not necessarily the disk). */
  writeOut(): Promise<void>;
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
  abstract writeOut(): Promise<void>;
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
    for (const c of this.chunks.values()) n += c.length;
    return n;
  }
}

/**
 * Bytes of one cache segment: the unit of a background write to the image file. Measured on
 * ext4 (BENCHMARKS.md, "Causes and fixes"): the kernel backs a write with page-cache folios as
 * large as the write, and writes of 512 KiB and more ran at a third of the speed whenever the
 * memory freed before them held no folios that large; 256 KiB writes did not.
 */
const SEGMENT_BYTES = 256 * 1024;
/** Segments in the cache (8 MiB in all, allocated once on the first write). */
const SEGMENTS = 32;
/** Background writes in flight at once. */
const WRITES_IN_FLIGHT = 2;

/** A run of consecutive image bytes held in the cache. */
interface Segment {
  readonly buf: Uint8Array;
  /** Image offset of buf[0]. */
  pos: number;
  /** Bytes held. */
  len: number;
  /** Bytes [0, written) are in the image file. */
  written: number;
  /** No more appends: the segment is full or the next write was not contiguous. */
  sealed: boolean;
  /** A background write of it is in flight. */
  busy: boolean;
}

/**
 * A disc in a sparse image file (block LBA at byte LBA × stride, so `cmp` against a source
 * works), behind a write-back cache the way a drive has one: a WRITE completes once its data
 * is copied into the cache (preallocated, bounded), and the cache goes to the file in the
 * background in positioned writes of 256 KiB (a full segment), oldest first and two at a time,
 * never two for overlapping ranges, so a rewritten block ends up with its latest data. A write waits only when every
 * segment is full and not yet written out (back-pressure). Reads see cached data; writeOut()
 * (the sidecar, BLANK) and sync() (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, eject, close) write
 * the whole cache first. Nothing on the JS thread blocks on the file: every file access is
 * asynchronous, and the per-WRITE cost is one memory copy instead of a thread-pool round trip.
 */
export class FileStore extends BaseStore {
  /** Segments holding data, oldest first; only the last one can be open (not sealed). */
  private readonly queue: Segment[] = [];
  private readonly spare: Segment[] = [];
  private allocated = false;
  /** Background writes in flight. */
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** writeOut() calls in progress: the writer also writes a partly filled segment. */
  private draining = 0;
  /** A background write failed: the drive reports it on every later access. */
  private failure: unknown;
  private spaceWaiters: (() => void)[] = [];

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

  /** Bytes the cache holds that are not yet in the image file (tests, diagnostics). */
  get cachedBytes(): number {
    let n = 0;
    for (const seg of this.queue) n += seg.len - seg.written;
    return n;
  }

  /** A failed background write stays reported until BLANK / FORMAT UNIT clears the disc. */
  private throwIfFailed(): void {
    const e = this.failure;
    if (e !== undefined) throw e instanceof Error ? e : new Error('writing the image failed');
  }

  private allocate(): void {
    this.allocated = true;
    const memory = new ArrayBuffer(SEGMENT_BYTES * SEGMENTS);
    for (let i = 0; i < SEGMENTS; i++) {
      this.spare.push({
        buf: new Uint8Array(memory, i * SEGMENT_BYTES, SEGMENT_BYTES),
        pos: 0,
        len: 0,
        written: 0,
        sealed: true,
        busy: false,
      });
    }
  }

  protected async writeMain(lba: number, data: Uint8Array): Promise<void> {
    this.throwIfFailed();
    if (!this.allocated) this.allocate();
    const stride = this.stride ?? 2048;
    let offset = lba * stride;
    let at = 0;
    while (at < data.length) {
      let seg = this.queue[this.queue.length - 1];
      if (seg !== undefined && !seg.sealed && seg.pos + seg.len !== offset) {
        seg.sealed = true;
        this.kick();
      }
      if (seg === undefined || seg.sealed) {
        seg = this.spare.pop();
        if (seg === undefined) {
          // Back-pressure: every segment waits for the file.
          this.kick();
          await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
          this.throwIfFailed();
          continue;
        }
        seg.pos = offset;
        seg.len = 0;
        seg.written = 0;
        seg.sealed = false;
        this.queue.push(seg);
      }
      const n = Math.min(SEGMENT_BYTES - seg.len, data.length - at);
      seg.buf.set(data.subarray(at, at + n), seg.len);
      seg.len += n;
      at += n;
      offset += n;
      if (seg.len === SEGMENT_BYTES) {
        seg.sealed = true;
        this.kick();
      }
    }
  }

  /**
   * Starts background writes: the oldest segments first, up to WRITES_IN_FLIGHT at once so the
   * next write is already queued in the thread pool when one completes, never two for
   * overlapping image ranges, and a partly filled segment only while writeOut() waits.
   */
  private kick(): void {
    this.recycle();
    if (this.failure !== undefined) return;
    for (let i = 0; i < this.queue.length && this.inFlight < WRITES_IN_FLIGHT; i++) {
      const seg = this.queue[i] as Segment;
      if (seg.busy || seg.written === seg.len) continue;
      if (!seg.sealed && this.draining === 0) continue;
      if (this.overlapsEarlier(i)) continue;
      seg.busy = true;
      this.inFlight++;
      void this.writeSegment(seg);
    }
  }

  /** An older segment with data not yet in the file covers part of segment i's range. */
  private overlapsEarlier(i: number): boolean {
    const seg = this.queue[i] as Segment;
    for (let j = 0; j < i; j++) {
      const e = this.queue[j] as Segment;
      if (e.written === e.len && !e.busy) continue;
      if (e.pos < seg.pos + seg.len && seg.pos < e.pos + e.len) return true;
    }
    return false;
  }

  /** Returns written-out sealed segments, oldest first, to the spare list. */
  private recycle(): void {
    let freed = false;
    for (;;) {
      const seg = this.queue[0];
      if (seg === undefined || !seg.sealed || seg.busy || seg.written < seg.len) break;
      this.queue.shift();
      this.spare.push(seg);
      freed = true;
    }
    if (freed || this.failure !== undefined) this.wakeSpaceWaiters();
  }

  private wakeSpaceWaiters(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  private async writeSegment(seg: Segment): Promise<void> {
    const end = seg.len;
    try {
      while (seg.written < end) {
        const { bytesWritten } = await this.fh.write(
          seg.buf,
          seg.written,
          end - seg.written,
          seg.pos + seg.written,
        );
        seg.written += bytesWritten;
      }
    } catch (e) {
      this.failure ??= e;
    }
    seg.busy = false;
    this.inFlight--;
    this.kick();
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves when no background write is in flight. */
  private idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get pending(): boolean {
    return this.queue.some((seg) => seg.written < seg.len || seg.sealed);
  }

  async writeOut(): Promise<void> {
    this.draining++;
    try {
      for (;;) {
        this.kick();
        if (!this.pending || this.failure !== undefined) break;
        await this.idle();
      }
    } finally {
      this.draining--;
    }
    this.throwIfFailed();
  }

  protected async readMain(lba: number, count: number): Promise<Uint8Array> {
    this.throwIfFailed();
    const stride = this.stride ?? 2048;
    const start = lba * stride;
    const out = new Uint8Array(count * stride);
    // The segments to overlay are taken before the file is read: one the writer recycles
    // meanwhile was written to the file first, and its memory is reused only by a later WRITE.
    const cached = this.queue.slice();
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await this.fh.read(out, at, out.length - at, start + at);
      if (bytesRead === 0) break; // past the end of the sparse file: unwritten blocks read as zeros
      at += bytesRead;
    }
    const end = start + out.length;
    for (const seg of cached) {
      const from = Math.max(start, seg.pos);
      const to = Math.min(end, seg.pos + seg.len);
      if (from < to) out.set(seg.buf.subarray(from - seg.pos, to - seg.pos), from - start);
    }
    return out;
  }

  async clearMain(): Promise<void> {
    // BLANK / FORMAT UNIT discard what the cache holds; a write in flight lands before truncate.
    await this.idle();
    for (const seg of this.queue.splice(0)) this.spare.push(seg);
    this.failure = undefined;
    await this.fh.truncate(0);
  }

  async sync(): Promise<void> {
    await this.writeOut();
    await this.fh.sync();
  }

  async close(): Promise<void> {
    try {
      await this.writeOut();
    } finally {
      await this.fh.close();
    }
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
