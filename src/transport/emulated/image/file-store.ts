// A disc in a sparse image file, behind a write-back cache and a writer thread: the image-backed
// virtual drive's block store (docs/virtual-drive.md, "Persistence"). The cache's segments and
// the reads that overlay them live here; the writer thread's side of the job ring is
// writer-thread.ts, and WRITEs held without a copy are held-writes.ts.

import { open, type FileHandle } from 'node:fs/promises';
import { BaseStore, DONE, type DataOutKeeper } from './block-store.js';
import { HELD_BYTES, HeldWrites } from './held-writes.js';
import { imageFileError } from './image-errors.js';
import { JOB_SLOTS, type ImageWriteFault } from './image-writer.js';
import type { Segment } from './segment.js';
import { WriterThread } from './writer-thread.js';

/** Bytes of one cache segment: the unit in which WRITE data is handed to the writer thread. */
const SEGMENT_BYTES = 256 * 1024;
/** Segments in the cache (8 MiB in all, allocated once on the first write). */
const SEGMENTS = 32;
/** Most bytes not yet in the file unless the drive sets a bound: the cache and HELD_BYTES. */
const DEFAULT_UNWRITTEN_BYTES = SEGMENT_BYTES * SEGMENTS + HELD_BYTES;

export interface FileStoreOptions {
  /** Tests: the image's file system takes this many bytes, then fails writes (image-writer.ts). */
  readonly writeFault?: ImageWriteFault | undefined;
  /** O_RDONLY, never created, no writer thread (docs/virtual-drive.md, "read-only access"). */
  readonly readOnly?: boolean | undefined;
  /** The writer thread never writes with O_DIRECT (`imageIo=buffered`; image-writer.ts). */
  readonly buffered?: boolean | undefined;
}

/**
 * A disc in a sparse image file (block LBA at byte LBA × stride, so `cmp` against a source
 * works), behind a write-back cache the way a drive has one: a WRITE completes once its data
 * is copied into the cache (shared memory, preallocated, bounded), and a writer thread
 * (image-writer.ts) writes the cache to the file in the background, in the order the data was
 * handed over, so a rewritten block ends up with its latest data. A full 256 KiB segment is
 * handed over at once; a partly filled one when writeOut() or a layout save asks. A write waits
 * when the cache, or the bound on bytes not yet in the file (limitUnwritten), is full. Reads see
 * cached data; writeOut() (the sidecar, BLANK) and sync() (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION,
 * eject, close) write the whole cache first. Nothing on the JS thread blocks on the file: the
 * writer thread does the blocking writes, and the per-WRITE cost here is one memory copy.
 *
 * Zero-copy hand-off: a WRITE whose data lies in shared memory and whose caller lets the drive
 * hold it (DataOutHold; the write engine's slots) is not copied at all. The writer thread writes
 * it from the caller's buffer, and the hold is released once it is in the file. At most
 * 4 MiB are held at a time (held-writes.ts); reads, BLANK and writeOut() wait until held data is
 * in the file.
 */
export class FileStore extends BaseStore {
  /** Segments holding data, oldest first; only the last one can be open (not sealed). */
  readonly #queue: Segment[] = [];
  readonly #spare: Segment[] = [];
  readonly #thread: WriterThread;
  /** WRITEs taken without a copy (zero-copy hand-off), until the writer has them in the file. */
  readonly #held: HeldWrites;
  #closed = false;
  readonly #fh: FileHandle;
  /** Most bytes of acknowledged WRITEs not yet in the file (cache and held): what a crash loses. */
  #unwrittenLimit = DEFAULT_UNWRITTEN_BYTES;
  /** Bytes copied into the cache, and known in the file (recycled). */
  #cachedIn = 0;
  #cachedOut = 0;
  #clears = 0;
  /** Writer jobs submitted / clears at the last successful fsync. */
  #synced = '';

  private constructor(
    fh: FileHandle,
    readonly path: string,
    options: FileStoreOptions,
  ) {
    super();
    this.#fh = fh;
    this.#thread = new WriterThread({
      fd: fh.fd,
      image: path,
      lbaAt: (position) => Math.floor(position / (this.stride ?? 2048)),
      // Held bytes will never be read again once the thread is lost: their callers get them back.
      onLost: () => this.#held.release(),
      fault: options.writeFault,
      buffered: options.buffered,
    });
    this.#held = new HeldWrites(this.#thread, () => this.#roomForHeld());
  }

  static async open(path: string, options: FileStoreOptions = {}): Promise<FileStore> {
    let fh: FileHandle;
    if (options.readOnly === true) {
      fh = await open(path, 'r').catch((e: unknown) => {
        throw imageFileError(path, 'opening', e);
      });
      return new FileStore(fh, path, options);
    }
    try {
      fh = await open(path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw imageFileError(path, 'opening', e);
      fh = await open(path, 'w+').catch((e2: unknown) => {
        throw imageFileError(path, 'creating', e2);
      });
    }
    const store = new FileStore(fh, path, options);
    // Booted while the drive opens, not in front of the first WRITEs (docs/benchmarks-history.md,
    // "File-backed: zero-copy hand-off, the writer thread at open, fewer deoptimisations");
    // unreferenced until it has work, so an idle drive does not keep the process alive.
    try {
      store.#start();
    } catch (e) {
      await fh.close();
      throw e;
    }
    return store;
  }

  /** Bytes the cache holds that are not yet in the image file (tests, diagnostics). */
  get cachedBytes(): number {
    const completed = this.#thread.completed();
    let n = 0;
    for (const seg of this.#queue) {
      if (seg.queued < seg.len || completed - seg.job < 0) n += seg.len;
    }
    return n + this.#held.pendingBytes(completed);
  }

  /** Bounds bytes not yet in the file (cache + held) to the declared buffer: what a crash loses. */
  limitUnwritten(bytes: number): void {
    this.#unwrittenLimit = bytes;
  }

  /** BLANK / FORMAT UNIT so far: a layout taken at an earlier count describes a gone image. */
  get clears(): number {
    return this.#clears;
  }

  /** Room for held bytes within the bound, after the cache's share. */
  #roomForHeld(): number {
    this.#recycle();
    return this.#unwrittenLimit - (this.#cachedIn - this.#cachedOut);
  }

  /** Batches the writer thread wrote with O_DIRECT (image-writer.ts; tests, diagnostics). */
  get directWrites(): number {
    return this.#thread.directWrites();
  }

  /** Bytes of held WRITEs (zero-copy) not yet released (tests, diagnostics). */
  get heldBytesOutstanding(): number {
    return this.#held.bytes;
  }

  #start(): void {
    const cache = new SharedArrayBuffer(SEGMENT_BYTES * SEGMENTS);
    for (let i = 0; i < SEGMENTS; i++) {
      this.#spare.push({
        buf: new Uint8Array(cache, i * SEGMENT_BYTES, SEGMENT_BYTES),
        offset: i * SEGMENT_BYTES,
        pos: 0,
        len: 0,
        queued: 0,
        job: 0,
        sealed: true,
      });
    }
    this.#thread.start(cache);
  }

  /** Hands bytes [seg.queued, seg.len) of a segment to the writer thread. */
  #submit(seg: Segment): void {
    seg.job = this.#thread.publish(
      0,
      seg.offset + seg.queued,
      seg.len - seg.queued,
      seg.pos + seg.queued,
    );
    seg.queued = seg.len;
  }

  protected writeMain(
    lba: number,
    data: Uint8Array,
    keeper: DataOutKeeper | undefined,
  ): Promise<void> {
    try {
      this.#thread.throwIfFailed();
      if (!this.#thread.running) this.#start();
      const stride = this.stride ?? 2048;
      if (
        keeper?.hold !== undefined &&
        data.buffer instanceof SharedArrayBuffer &&
        // A WRITE larger than the bound is copied in parts instead: held, it would never fit.
        data.length <= this.#unwrittenLimit
      ) {
        return this.#keep(lba * stride, data, keeper);
      }
      const at = this.#append(lba * stride, data, 0);
      return at === data.length ? DONE : this.#appendSlowly(lba * stride + at, data, at);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Takes a WRITE's data without a copy; the hold is released once it is in the file. */
  #keep(position: number, data: Uint8Array, keeper: DataOutKeeper): Promise<void> {
    this.#held.release();
    // Cached data before this WRITE goes to the writer first, so the file sees writes in order.
    const open = this.#queue[this.#queue.length - 1];
    if (open !== undefined && !open.sealed) this.#seal(open);
    return this.#held.take(position, data, keeper);
  }

  /** Copies data[at..] into the cache at image offset `offset` while there is room; how far. */
  #append(offset: number, data: Uint8Array, at: number): number {
    while (at < data.length) {
      let room = this.#unwrittenLimit - (this.#cachedIn - this.#cachedOut) - this.#held.bytes;
      if (room <= 0) room = this.#makeRoom();
      if (room <= 0) return at;
      let seg = this.#queue[this.#queue.length - 1];
      if (seg !== undefined && !seg.sealed && seg.pos + seg.len !== offset) {
        this.#seal(seg);
      }
      if (seg === undefined || seg.sealed) {
        this.#recycle();
        if (this.#thread.submitted - this.#thread.completed() >= JOB_SLOTS) return at;
        seg = this.#spare.pop();
        if (seg === undefined) return at;
        seg.pos = offset;
        seg.len = 0;
        seg.queued = 0;
        seg.sealed = false;
        this.#queue.push(seg);
      }
      const n = Math.min(SEGMENT_BYTES - seg.len, data.length - at, room);
      seg.buf.set(data.subarray(at, at + n), seg.len);
      seg.len += n;
      this.#cachedIn += n;
      at += n;
      offset += n;
      if (seg.len === SEGMENT_BYTES) this.#seal(seg);
    }
    return at;
  }

  /** At the bound: takes back what the file has and hands the writer the rest; the room now. */
  #makeRoom(): number {
    const open = this.#queue[this.#queue.length - 1];
    if (open !== undefined && !open.sealed) {
      if (open.queued < open.len) this.#submit(open);
      else if (this.#thread.completed() - open.job >= 0) open.sealed = true; // in the file
    }
    this.#recycle();
    this.#held.release();
    return this.#unwrittenLimit - (this.#cachedIn - this.#cachedOut) - this.#held.bytes;
  }

  /** The rest of a write once the cache is full: waits for the writer thread (back-pressure). */
  async #appendSlowly(offset: number, data: Uint8Array, at: number): Promise<void> {
    while (at < data.length) {
      await this.#thread.progress();
      this.#thread.throwIfFailed();
      const done = this.#append(offset, data, at);
      offset += done - at;
      at = done;
    }
  }

  #seal(seg: Segment): void {
    seg.sealed = true;
    if (seg.queued < seg.len) this.#submit(seg);
  }

  /** Returns sealed segments whose data is in the file, oldest first, to the spare list. */
  #recycle(): void {
    const completed = this.#thread.completed();
    for (;;) {
      const seg = this.#queue[0];
      if (seg === undefined || !seg.sealed || seg.queued < seg.len) break;
      if (seg.len > 0 && completed - seg.job < 0) break;
      this.#queue.shift();
      this.#spare.push(seg);
      this.#cachedOut += seg.len;
    }
  }

  async writeOut(): Promise<void> {
    const thread = this.#thread;
    if (!thread.running) return;
    const open = this.#queue[this.#queue.length - 1];
    if (open !== undefined && !open.sealed && open.queued < open.len) this.#submit(open);
    while (thread.completed() !== thread.submitted) {
      this.#held.release();
      thread.throwIfFailed();
      await thread.progress();
    }
    this.#held.release();
    this.#recycle();
    thread.throwIfFailed();
  }

  /** Hands the cache to the writer; once reached(job), every WRITE so far is in the file. */
  handOver(): number {
    const open = this.#queue[this.#queue.length - 1];
    if (open !== undefined && !open.sealed && open.queued < open.len) this.#submit(open);
    return this.#thread.submitted;
  }

  /** Waits until the writer thread has finished job `job`; rejects with its failure. */
  async reached(job: number): Promise<void> {
    const thread = this.#thread;
    while (thread.completed() - job < 0) {
      thread.throwIfFailed();
      await thread.progress();
    }
    thread.throwIfFailed();
  }

  /** What the file holds reaches stable storage (fdatasync, on the thread pool). */
  async datasync(): Promise<void> {
    await this.#fh.datasync().catch((e: unknown) => {
      throw imageFileError(this.path, 'flushing', e);
    });
  }

  protected async readMain(lba: number, count: number): Promise<Uint8Array> {
    this.#thread.throwIfFailed();
    // Held data is not overlaid: its caller may reuse the memory once it is released, which can
    // happen while the file is read. It goes to the file first (a read while a section is being
    // written is rare: verification comes after).
    if (!this.#held.empty) await this.writeOut();
    const stride = this.stride ?? 2048;
    const start = lba * stride;
    const out = new Uint8Array(count * stride);
    // The segments to overlay are those not yet wholly in the file, taken before the file is
    // read: one the writer finishes meanwhile was written to the file first, and its memory is
    // reused only by a later WRITE. Segments already in the file are left out: a held WRITE
    // after them may have rewritten the same blocks.
    const completed = this.#thread.completed();
    const cached = this.#queue.filter((seg) => seg.queued < seg.len || completed - seg.job < 0);
    let at = 0;
    try {
      while (at < out.length) {
        const { bytesRead } = await this.#fh.read(out, at, out.length - at, start + at);
        if (bytesRead === 0) break; // past the end of the sparse file: unwritten blocks read as zeros
        at += bytesRead;
      }
    } catch (e) {
      throw imageFileError(this.path, 'reading', e, `at LBA ${lba + Math.floor(at / stride)}`);
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
    const thread = this.#thread;
    if (thread.ctl !== undefined && !thread.lost) {
      while (thread.completed() !== thread.submitted && !thread.lost) await thread.progress();
      this.#held.release();
    }
    for (const seg of this.#queue.splice(0)) this.#spare.push(seg);
    this.#cachedOut = this.#cachedIn;
    this.#clears++;
    // A lost writer thread stays lost: the image can no longer be written.
    thread.clearFailure();
    await this.#fh.truncate(0).catch((e: unknown) => {
      throw imageFileError(this.path, 'emptying', e);
    });
  }

  async sync(): Promise<void> {
    await this.writeOut();
    // Nothing written nor emptied since the last fsync: none needed (close() and the release of
    // exclusive access flush again right after SYNCHRONIZE CACHE; issue #21, the whole command).
    const state = `${this.#thread.submitted}/${this.#clears}`;
    if (state === this.#synced) return;
    await this.#fh.sync().catch((e: unknown) => {
      throw imageFileError(this.path, 'flushing', e);
    });
    this.#synced = state;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.writeOut();
    } finally {
      await this.#thread.stop();
      // close(2) can report a deferred write-back failure (a network file system): name the file.
      await this.#fh.close().catch((e: unknown) => {
        throw imageFileError(this.path, 'closing', e);
      });
    }
  }
}
