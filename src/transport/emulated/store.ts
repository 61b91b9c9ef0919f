// Block storage behind the virtual drive. User data of block LBA (≥ 0) lives at LBA × stride,
// where the stride is the block size of the first write: in memory as a sparse map of chunks, or
// in a sparse image file behind a write-back cache and a writer thread (FileStore). Blocks of another size (CD
// sector types mixed on one disc) and negative-LBA blocks (SAO/raw pre-gap and lead-in) go to a
// small side map that the sidecar persists (sidecar.ts).

import { open, type FileHandle } from 'node:fs/promises';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { DataOutHold } from '../../scsi/command.js';
import {
  CONTROL_BYTES,
  CTL_COMPLETED,
  CTL_FAILED,
  CTL_HOLD,
  CTL_SLEEPING,
  CTL_STOP,
  CTL_SUBMITTED,
  decodeWriterError,
  imageWriterSource,
  JOB_FIELDS,
  JOB_SLOTS,
  type BufferRegistration,
  type ImageWriterData,
} from './image-writer.js';

/**
 * A WRITE's offer to let the store keep its data-out bytes instead of copying them (the
 * command's DataOutHold); the store sets `kept` when it takes the offer and then calls
 * `hold.release()` once the bytes are in the image file.
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
}

/** A settled promise shared by every write that completes at once (no allocation per WRITE). */
const DONE: Promise<void> = Promise.resolve();

abstract class BaseStore implements BlockStore {
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

/** Bytes of one cache segment: the unit in which WRITE data is handed to the writer thread. */
const SEGMENT_BYTES = 256 * 1024;
/** Segments in the cache (8 MiB in all, allocated once on the first write). */
const SEGMENTS = 32;
/** Most bytes of one write system call of the writer thread (image-writer.ts says why). */
const WRITE_BYTES = 64 * 1024;
/** How long the writer thread waits for more work before it lets the process exit. */
const WRITER_IDLE_MS = 50;
/**
 * Most bytes of held WRITEs (zero-copy) not yet in the image before the next one waits: the
 * drive keeps at most this much of its host's buffer, about what a drive's own buffer holds
 * (the virtual BD drive's is 4 MiB). With 2 MiB the drive waited for the writer twice as often,
 * and ran a little slower (BENCHMARKS.md).
 */
const HELD_BYTES = 4 * 1024 * 1024;

/** A run of consecutive image bytes held in the cache. */
interface Segment {
  readonly buf: Uint8Array;
  /** Byte offset of buf in the shared cache. */
  readonly offset: number;
  /** Image offset of buf[0]. */
  pos: number;
  /** Bytes held. */
  len: number;
  /** Bytes [0, queued) are handed to the writer thread (or already in the file). */
  queued: number;
  /** Sequence number (1, 2, …) of the last job that covers this segment. */
  job: number;
  /** No more appends: the segment is full or the next write was not contiguous. */
  sealed: boolean;
}

/**
 * A disc in a sparse image file (block LBA at byte LBA × stride, so `cmp` against a source
 * works), behind a write-back cache the way a drive has one: a WRITE completes once its data
 * is copied into the cache (shared memory, preallocated, bounded), and a writer thread
 * (image-writer.ts) writes the cache to the file in the background, in the order the data was
 * handed over, so a rewritten block ends up with its latest data. A full 256 KiB segment is
 * handed over at once; a partly filled one only when writeOut() asks. A write waits only when
 * every segment is full and not yet in the file (back-pressure). Reads see cached data;
 * writeOut() (the sidecar, BLANK) and sync() (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, eject,
 * close) write the whole cache first. Nothing on the JS thread blocks on the file: the writer
 * thread does the blocking writes, and the per-WRITE cost here is one memory copy.
 *
 * Zero-copy hand-off: a WRITE whose data lies in shared memory and whose caller lets the drive
 * hold it (DataOutHold; the write engine's slots) is not copied at all. The writer thread writes
 * it from the caller's buffer, and the hold is released once it is in the file. At most
 * HELD_BYTES are held at a time; reads, BLANK and writeOut() wait until held data is in the file.
 */
export class FileStore extends BaseStore {
  /** Segments holding data, oldest first; only the last one can be open (not sealed). */
  private readonly queue: Segment[] = [];
  private readonly spare: Segment[] = [];
  private writer: Worker | undefined;
  private control: SharedArrayBuffer | undefined;
  private ctl: Int32Array | undefined;
  private jobs: Float64Array | undefined;
  /** Jobs submitted (the drive's copy of control[SUBMITTED]). */
  private submitted = 0;
  /** The writer thread is referenced (keeps the process alive while it has work). */
  private referenced = false;
  /** A background write failed: the drive reports it on every later access. */
  private failure: Error | undefined;
  private closed = false;
  private writerExited = false;
  /** The writer thread failed to start or died: no job will finish any more. */
  private lost = false;
  /** Registers callers' shared buffers with the writer thread. */
  private port: MessagePort | undefined;
  /** The caller's buffer held WRITEs come from (one at a time), and its id (0: none yet). */
  private foreign: SharedArrayBuffer | undefined;
  private foreignId = 0;
  /** Held WRITEs not yet released, oldest first: a ring of JOB_SLOTS entries. */
  private readonly heldJob: number[] = new Array<number>(JOB_SLOTS).fill(0);
  private readonly heldLength: number[] = new Array<number>(JOB_SLOTS).fill(0);
  private readonly heldHold: (DataOutHold | undefined)[] = new Array<undefined>(JOB_SLOTS);
  private heldHead = 0;
  private heldTail = 0;
  private heldBytes = 0;
  /** A wait for the writer thread's progress is armed on behalf of held WRITEs. */
  private watching = false;

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
    const store = new FileStore(fh, path);
    // The writer thread boots now, while the drive is being opened (25–35 ms on the machine the
    // benchmarks run on), instead of holding up the first WRITEs; it stays unreferenced until
    // it has work, so an idle drive does not keep the process alive.
    store.start();
    return store;
  }

  /** Bytes the cache holds that are not yet in the image file (tests, diagnostics). */
  get cachedBytes(): number {
    const completed = this.completed();
    let n = 0;
    for (const seg of this.queue) {
      if (seg.queued < seg.len || completed - seg.job < 0) n += seg.len;
    }
    for (let k = this.heldHead; k < this.heldTail; k++) {
      if (completed - (this.heldJob[k % JOB_SLOTS] as number) < 0) {
        n += this.heldLength[k % JOB_SLOTS] as number;
      }
    }
    return n;
  }

  /** Bytes of held WRITEs (zero-copy) not yet released (tests, diagnostics). */
  get heldBytesOutstanding(): number {
    return this.heldBytes;
  }

  /** Jobs the writer thread has finished. */
  private completed(): number {
    return this.ctl === undefined ? 0 : Atomics.load(this.ctl, CTL_COMPLETED);
  }

  /** A failed background write stays reported until BLANK / FORMAT UNIT clears the disc. */
  private throwIfFailed(): void {
    const ctl = this.ctl;
    if (this.failure === undefined && ctl !== undefined && Atomics.load(ctl, CTL_FAILED) !== 0) {
      this.failure = decodeWriterError(this.control as SharedArrayBuffer);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private start(): void {
    const cache = new SharedArrayBuffer(SEGMENT_BYTES * SEGMENTS);
    for (let i = 0; i < SEGMENTS; i++) {
      this.spare.push({
        buf: new Uint8Array(cache, i * SEGMENT_BYTES, SEGMENT_BYTES),
        offset: i * SEGMENT_BYTES,
        pos: 0,
        len: 0,
        queued: 0,
        job: 0,
        sealed: true,
      });
    }
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const jobs = new SharedArrayBuffer(JOB_SLOTS * JOB_FIELDS * 8);
    this.control = control;
    this.ctl = new Int32Array(control, 0, 8);
    this.jobs = new Float64Array(jobs);
    const channel = new MessageChannel();
    channel.port1.unref();
    this.port = channel.port1;
    const workerData: ImageWriterData = {
      control,
      jobs,
      cache,
      fd: this.fh.fd,
      writeBytes: WRITE_BYTES,
      idleMs: WRITER_IDLE_MS,
      port: channel.port2,
    };
    // execArgv: [] keeps the parent's flags (--cpu-prof, loaders) out of the writer thread; the
    // small heap limits keep its footprint to what a loop of write calls needs.
    const writer = new Worker(imageWriterSource(), {
      eval: true,
      workerData,
      transferList: [channel.port2],
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    });
    writer.unref();
    writer.on('message', () => this.onWriterIdle());
    writer.on('error', (e: Error) => this.writerLost(e));
    writer.on('exit', (code) => {
      this.writerExited = true;
      if (this.writer === writer) {
        this.writerLost(
          new Error(`the image writer thread ended unexpectedly (exit code ${code})`),
        );
      }
    });
    this.writer = writer;
  }

  /**
   * The writer thread failed to start or died: nothing more reaches the file. Every later access
   * reports it, and whoever waits for the writer is woken (as if its jobs had finished) so it
   * sees the failure instead of waiting forever.
   */
  private writerLost(e: Error): void {
    this.lost = true;
    this.failure ??= e;
    const ctl = this.ctl as Int32Array;
    Atomics.store(ctl, CTL_FAILED, 1);
    Atomics.store(ctl, CTL_COMPLETED, this.submitted);
    Atomics.notify(ctl, CTL_COMPLETED);
    this.releaseWritten(); // their bytes will never be read again: the caller gets them back
  }

  /** The writer thread ran dry while held: let go of it unless more work came meanwhile. */
  private onWriterIdle(): void {
    if (this.completed() === this.submitted) {
      this.referenced = false;
      this.writer?.unref();
    } else {
      Atomics.store(this.ctl as Int32Array, CTL_HOLD, 1);
    }
  }

  /** Hands bytes [seg.queued, seg.len) of a segment to the writer thread. */
  private submit(seg: Segment): void {
    seg.job = this.publish(0, seg.offset + seg.queued, seg.len - seg.queued, seg.pos + seg.queued);
    seg.queued = seg.len;
  }

  /** Publishes one job (bytes [offset, offset + length) of buffer `id` go to image `position`). */
  private publish(id: number, offset: number, length: number, position: number): number {
    const ctl = this.ctl as Int32Array;
    const jobs = this.jobs as Float64Array;
    const at = (this.submitted % JOB_SLOTS) * JOB_FIELDS;
    jobs[at] = offset;
    jobs[at + 1] = length;
    jobs[at + 2] = position;
    jobs[at + 3] = id;
    const job = ++this.submitted;
    if (!this.referenced) {
      // Referenced while it has work, so the process does not exit with data in the cache.
      this.referenced = true;
      Atomics.store(ctl, CTL_HOLD, 1);
      this.writer?.ref();
    }
    Atomics.store(ctl, CTL_SUBMITTED, this.submitted);
    if (Atomics.load(ctl, CTL_SLEEPING) !== 0) Atomics.notify(ctl, CTL_SUBMITTED);
    return job;
  }

  /** Waits until the writer thread finishes another job (the thread is held meanwhile). */
  private async progress(): Promise<void> {
    const ctl = this.ctl;
    // A lost writer thread finishes nothing more: callers see the failure instead of waiting.
    if (ctl === undefined || this.lost) return;
    const seen = Atomics.load(ctl, CTL_COMPLETED);
    if (seen === this.submitted) return;
    const r = Atomics.waitAsync(ctl, CTL_COMPLETED, seen);
    if (r.async) await r.value;
  }

  protected writeMain(
    lba: number,
    data: Uint8Array,
    keeper: DataOutKeeper | undefined,
  ): Promise<void> {
    try {
      this.throwIfFailed();
      if (this.writer === undefined) this.start();
      const stride = this.stride ?? 2048;
      if (keeper?.hold !== undefined && data.buffer instanceof SharedArrayBuffer) {
        return this.keep(lba * stride, data, keeper);
      }
      const at = this.append(lba * stride, data, 0);
      return at === data.length ? DONE : this.appendSlowly(lba * stride + at, data, at);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /**
   * Takes a WRITE's data without copying it: the writer thread writes it from the caller's
   * shared buffer, and the hold is released once it is in the file (zero-copy hand-off).
   */
  private keep(position: number, data: Uint8Array, keeper: DataOutKeeper): Promise<void> {
    this.releaseWritten();
    // Cached data before this WRITE goes to the writer first, so the file sees writes in order.
    const open = this.queue[this.queue.length - 1];
    if (open !== undefined && !open.sealed) this.seal(open);
    if (data.buffer !== this.foreign || !this.roomFor(data.length)) {
      return this.keepSlowly(position, data, keeper);
    }
    this.hand(position, data, keeper);
    return DONE;
  }

  /** Another held WRITE of `length` bytes stays within HELD_BYTES and the job ring. */
  private roomFor(length: number): boolean {
    return this.heldBytes + length <= HELD_BYTES && this.submitted - this.completed() < JOB_SLOTS;
  }

  /** keep() when the drive must first wait: its held bytes are at the limit, or a new buffer. */
  private async keepSlowly(
    position: number,
    data: Uint8Array,
    keeper: DataOutKeeper,
  ): Promise<void> {
    const buffer = data.buffer as SharedArrayBuffer;
    for (;;) {
      this.throwIfFailed();
      this.releaseWritten();
      if (buffer !== this.foreign) {
        // The writer thread knows one caller buffer at a time; the old one is dropped once no
        // job refers to it (a new write engine pool is rare: a new engine or geometry). Until
        // then, or until the drive closes, the writer thread keeps the last one alive.
        if (this.heldHead === this.heldTail) {
          const registration: BufferRegistration = {
            id: this.foreignId + 1,
            buffer,
            drop: this.foreignId,
          };
          (this.port as MessagePort).postMessage(registration);
          this.foreign = buffer;
          this.foreignId = registration.id;
          continue;
        }
      } else if (this.roomFor(data.length)) {
        this.hand(position, data, keeper);
        return;
      }
      if (this.lost) continue; // throwIfFailed() reports it
      await this.progress();
    }
  }

  /** Publishes a held WRITE and remembers its hold. */
  private hand(position: number, data: Uint8Array, keeper: DataOutKeeper): void {
    const job = this.publish(this.foreignId, data.byteOffset, data.length, position);
    const k = this.heldTail++ % JOB_SLOTS;
    this.heldJob[k] = job;
    this.heldLength[k] = data.length;
    this.heldHold[k] = keeper.hold;
    this.heldBytes += data.length;
    keeper.kept = true;
    this.watch();
  }

  /** Releases the holds of held WRITEs the writer thread has finished, oldest first. */
  private releaseWritten(): void {
    if (this.heldHead === this.heldTail) return;
    const completed = this.completed();
    while (this.heldHead !== this.heldTail) {
      const k = this.heldHead % JOB_SLOTS;
      if (completed - (this.heldJob[k] as number) < 0) break;
      const hold = this.heldHold[k];
      this.heldHold[k] = undefined;
      this.heldBytes -= this.heldLength[k] as number;
      this.heldHead++;
      hold?.release();
    }
  }

  /**
   * Keeps one wait on the writer thread's progress armed while WRITEs are held, so their holds
   * come back even when no further command arrives (the end of a section). The writer notifies
   * every few jobs and when it runs dry (image-writer.ts), so this wakes far less often than
   * once per WRITE.
   */
  private watch(): void {
    const ctl = this.ctl;
    if (this.watching || ctl === undefined) return;
    for (;;) {
      // Release up to what the writer has finished by `seen`, then wait for it to move on from
      // there: a job finished in between is never missed.
      const seen = Atomics.load(ctl, CTL_COMPLETED);
      this.releaseWritten();
      if (this.heldHead === this.heldTail) return;
      const r = Atomics.waitAsync(ctl, CTL_COMPLETED, seen);
      if (!r.async) continue; // it moved on already
      this.watching = true;
      void r.value.then(() => {
        this.watching = false;
        this.watch();
      });
      return;
    }
  }

  /**
   * Copies data[at..] into the cache at image offset `offset` for as long as a segment is free;
   * returns how far it got (data.length when all of it is cached).
   */
  private append(offset: number, data: Uint8Array, at: number): number {
    while (at < data.length) {
      let seg = this.queue[this.queue.length - 1];
      if (seg !== undefined && !seg.sealed && seg.pos + seg.len !== offset) {
        this.seal(seg);
      }
      if (seg === undefined || seg.sealed) {
        this.recycle();
        if (this.submitted - this.completed() >= JOB_SLOTS) return at;
        seg = this.spare.pop();
        if (seg === undefined) return at;
        seg.pos = offset;
        seg.len = 0;
        seg.queued = 0;
        seg.sealed = false;
        this.queue.push(seg);
      }
      const n = Math.min(SEGMENT_BYTES - seg.len, data.length - at);
      seg.buf.set(data.subarray(at, at + n), seg.len);
      seg.len += n;
      at += n;
      offset += n;
      if (seg.len === SEGMENT_BYTES) this.seal(seg);
    }
    return at;
  }

  /** The rest of a write once the cache is full: waits for the writer thread (back-pressure). */
  private async appendSlowly(offset: number, data: Uint8Array, at: number): Promise<void> {
    while (at < data.length) {
      await this.progress();
      this.throwIfFailed();
      const done = this.append(offset, data, at);
      offset += done - at;
      at = done;
    }
  }

  private seal(seg: Segment): void {
    seg.sealed = true;
    if (seg.queued < seg.len) this.submit(seg);
  }

  /** Returns sealed segments whose data is in the file, oldest first, to the spare list. */
  private recycle(): void {
    const completed = this.completed();
    for (;;) {
      const seg = this.queue[0];
      if (seg === undefined || !seg.sealed || seg.queued < seg.len) break;
      if (seg.len > 0 && completed - seg.job < 0) break;
      this.queue.shift();
      this.spare.push(seg);
    }
  }

  async writeOut(): Promise<void> {
    if (this.writer === undefined) return;
    const open = this.queue[this.queue.length - 1];
    if (open !== undefined && !open.sealed && open.queued < open.len) this.submit(open);
    while (this.completed() !== this.submitted) {
      this.releaseWritten();
      this.throwIfFailed();
      await this.progress();
    }
    this.releaseWritten();
    this.recycle();
    this.throwIfFailed();
  }

  protected async readMain(lba: number, count: number): Promise<Uint8Array> {
    this.throwIfFailed();
    // Held data is not overlaid: its caller may reuse the memory once it is released, which can
    // happen while the file is read. It goes to the file first (a read while a section is being
    // written is rare: verification comes after).
    if (this.heldHead !== this.heldTail) await this.writeOut();
    const stride = this.stride ?? 2048;
    const start = lba * stride;
    const out = new Uint8Array(count * stride);
    // The segments to overlay are those not yet wholly in the file, taken before the file is
    // read: one the writer finishes meanwhile was written to the file first, and its memory is
    // reused only by a later WRITE. Segments already in the file are left out: a held WRITE
    // after them may have rewritten the same blocks.
    const completed = this.completed();
    const cached = this.queue.filter((seg) => seg.queued < seg.len || completed - seg.job < 0);
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
    const ctl = this.ctl;
    if (ctl !== undefined && !this.lost) {
      while (this.completed() !== this.submitted && !this.lost) await this.progress();
      this.releaseWritten();
      Atomics.store(ctl, CTL_FAILED, 0);
    }
    for (const seg of this.queue.splice(0)) this.spare.push(seg);
    // A lost writer thread stays lost: the image can no longer be written.
    if (!this.lost) this.failure = undefined;
    await this.fh.truncate(0);
  }

  async sync(): Promise<void> {
    await this.writeOut();
    await this.fh.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writeOut();
    } finally {
      await this.stopWriter();
      await this.fh.close();
    }
  }

  /** Ends the writer thread once its jobs are done (close() waits for them first). */
  private async stopWriter(): Promise<void> {
    const writer = this.writer;
    const ctl = this.ctl;
    if (writer === undefined || ctl === undefined) return;
    this.writer = undefined;
    this.port?.close();
    if (this.writerExited) return;
    const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    writer.ref();
    Atomics.store(ctl, CTL_STOP, 1);
    Atomics.notify(ctl, CTL_SUBMITTED);
    await exited;
  }
}
