// The drive's side of the image writer thread (image-writer.ts is the thread's body): starts the
// thread, publishes jobs to its ring in shared memory, waits for its progress, registers callers'
// shared buffers with it, and notices a failed write or a thread that is gone. What to write, and
// when, is the file store's business (file-store.ts); this module only moves jobs.

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { DwError } from '../../../errors.js';
import { imageFileError, writerThreadError } from './image-errors.js';
import {
  CONTROL_BYTES,
  CTL_COMPLETED,
  CTL_DIRECT,
  CTL_FAILED,
  CTL_HOLD,
  CTL_SLEEPING,
  CTL_STOP,
  CTL_SUBMITTED,
  CTL_ERROR_LENGTH,
  ERROR_OFFSET,
  imageWriterSource,
  JOB_FIELDS,
  JOB_SLOTS,
  type BufferRegistration,
  type ImageWriteFault,
  type ImageWriterData,
} from './image-writer.js';

/** Most bytes of one write system call of the writer thread (image-writer.ts says why). */
const WRITE_BYTES = 64 * 1024;
/**
 * Most bytes of one O_DIRECT write, batched from jobs that follow each other in the image
 * (image-writer.ts): large enough that a 64 KiB WRITE stream costs few system calls, small enough
 * that the bounce buffer stays a quarter of the drive's 4 MiB buffer.
 */
const DIRECT_BYTES = 1024 * 1024;
/**
 * Bytes of small jobs (held 64 KiB WRITEs) published to a sleeping writer thread before it is
 * woken, unless the caller needs them sooner: each wake is a futex system call and a thread
 * switch, and was the drive's largest cost per WRITE with many drives at once (BENCHMARKS.md,
 * "Many recorders"). Whoever waits for the writer wakes it first (progress()), and a writer
 * thread with recent work looks for more by itself every WRITER_POLL_MS, so a job published
 * without a wake waits at most that long (the end of a section, whose last holds the engine
 * waits for).
 */
const WAKE_BYTES = 256 * 1024;
/** How often a writer thread with recent work looks for more without being woken. */
const WRITER_POLL_MS = 2;
/** How long the writer thread waits for more work before it lets the process exit. */
const WRITER_IDLE_MS = 50;

export interface WriterThreadOptions {
  /** The image file's descriptor, and its path (for messages). */
  readonly fd: number;
  readonly image: string;
  /** The LBA at an image offset, for the message of a failed write. */
  readonly lbaAt: (position: number) => number;
  /** Runs once the thread is gone, after every outstanding job has been marked finished. */
  readonly onLost: () => void;
  /** Tests: the thread writes through a file system that fails (image-writer.ts). */
  readonly fault?: ImageWriteFault | undefined;
  /** Write through the page cache only, never O_DIRECT (`imageIo=buffered`). */
  readonly buffered?: boolean | undefined;
}

export class WriterThread {
  #writer: Worker | undefined;
  #control: SharedArrayBuffer | undefined;
  /** The control slots (image-writer.ts); undefined until start(). */
  ctl: Int32Array | undefined;
  #jobs: Float64Array | undefined;
  /** Jobs submitted (the drive's copy of control[SUBMITTED]); only publish() changes it. */
  submitted = 0;
  /** Bytes published since the writer thread went to sleep, without waking it (WAKE_BYTES). */
  #unwoken = 0;
  /** The writer thread is referenced (keeps the process alive while it has work). */
  #referenced = false;
  /** A background write failed, or the thread is gone: every later access reports it. */
  #failure: DwError | undefined;
  #writerExited = false;
  /** The writer thread failed to start or died: no job will finish any more. */
  lost = false;
  /** Registers callers' shared buffers with the writer thread. */
  #port: MessagePort | undefined;
  readonly #options: WriterThreadOptions;

  constructor(options: WriterThreadOptions) {
    this.#options = options;
  }

  /** The thread was started and not stopped. */
  get running(): boolean {
    return this.#writer !== undefined;
  }

  /** Jobs the writer thread has finished. */
  completed(): number {
    return this.ctl === undefined ? 0 : Atomics.load(this.ctl, CTL_COMPLETED);
  }

  /** Batches the writer thread wrote with O_DIRECT so far (tests, diagnostics). */
  directWrites(): number {
    return this.ctl === undefined ? 0 : Atomics.load(this.ctl, CTL_DIRECT);
  }

  /** A failed background write stays reported until clearFailure() (BLANK / FORMAT UNIT). */
  throwIfFailed(): void {
    const ctl = this.ctl;
    if (this.#failure === undefined && ctl !== undefined && Atomics.load(ctl, CTL_FAILED) !== 0) {
      this.#failure = this.#writeFailure();
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** The failed background write, named: the file system's error, the image, the LBA. */
  #writeFailure(): DwError {
    const { error, position } = decodeWriterError(this.#control as SharedArrayBuffer);
    const at = position === undefined ? undefined : `at LBA ${this.#options.lbaAt(position)}`;
    return imageFileError(this.#options.image, 'writing', error, at);
  }

  /** Forgets a failed write (the disc was cleared); a lost thread stays lost. */
  clearFailure(): void {
    if (this.lost) return;
    if (this.ctl !== undefined) Atomics.store(this.ctl, CTL_FAILED, 0);
    this.#failure = undefined;
  }

  /** Starts the thread; job bytes of buffer id 0 come from `cache`. */
  start(cache: SharedArrayBuffer): void {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const jobs = new SharedArrayBuffer(JOB_SLOTS * JOB_FIELDS * 8);
    this.#control = control;
    this.ctl = new Int32Array(control, 0, 8);
    this.#jobs = new Float64Array(jobs);
    const channel = new MessageChannel();
    channel.port1.unref();
    this.#port = channel.port1;
    const workerData: ImageWriterData = {
      control,
      jobs,
      cache,
      fd: this.#options.fd,
      writeBytes: WRITE_BYTES,
      directBytes: this.#options.buffered === true ? 0 : DIRECT_BYTES,
      idleMs: WRITER_IDLE_MS,
      pollMs: WRITER_POLL_MS,
      port: channel.port2,
    };
    // execArgv: [] keeps the parent's flags (--cpu-prof, loaders) out of the writer thread; the
    // small heap limits keep its footprint to what a loop of write calls needs.
    let writer: Worker;
    try {
      writer = new Worker(imageWriterSource(this.#options.fault), {
        eval: true,
        workerData,
        transferList: [channel.port2],
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
      });
    } catch (e) {
      channel.port1.close();
      throw writerThreadError(this.#options.image, 'could not start', e);
    }
    writer.on('message', () => this.#onWriterIdle());
    writer.on('error', (e: Error) => this.#writerLost(`failed (${e.message})`, e));
    writer.on('exit', (code) => {
      this.#writerExited = true;
      if (this.#writer === writer) {
        const what = `ended unexpectedly (exit code ${code})`;
        this.#writerLost(what, new Error(`the image writer thread ${what}`));
      }
    });
    // After the listeners: adding a 'message' listener refs the worker's port again, and an
    // idle drive would keep the process alive until its first write.
    writer.unref();
    this.#writer = writer;
  }

  /**
   * The writer thread failed to start or died: nothing more reaches the file. Every later access
   * reports it, and whoever waits for the writer is woken (as if its jobs had finished) so it
   * sees the failure instead of waiting forever.
   */
  #writerLost(what: string, cause: unknown): void {
    this.lost = true;
    const ctl = this.ctl as Int32Array;
    // A write that failed before the thread went is the cause worth reporting.
    if (this.#failure === undefined && Atomics.load(ctl, CTL_FAILED) !== 0) {
      this.#failure = this.#writeFailure();
    }
    this.#failure ??= writerThreadError(this.#options.image, what, cause);
    Atomics.store(ctl, CTL_FAILED, 1);
    Atomics.store(ctl, CTL_COMPLETED, this.submitted);
    Atomics.notify(ctl, CTL_COMPLETED);
    this.#options.onLost(); // held bytes will never be read again: their callers get them back
  }

  /** The writer thread ran dry while held: let go of it unless more work came meanwhile. */
  #onWriterIdle(): void {
    if (this.completed() === this.submitted) {
      this.#referenced = false;
      this.#writer?.unref();
    } else {
      Atomics.store(this.ctl as Int32Array, CTL_HOLD, 1);
      this.wake();
    }
  }

  /**
   * Publishes one job (bytes [offset, offset + length) of buffer `id` go to image `position`). A
   * sleeping writer is woken once WAKE_BYTES are waiting, or at once when `urgent`.
   */
  publish(id: number, offset: number, length: number, position: number, urgent = true): number {
    const ctl = this.ctl as Int32Array;
    const jobs = this.#jobs as Float64Array;
    const at = (this.submitted % JOB_SLOTS) * JOB_FIELDS;
    jobs[at] = offset;
    jobs[at + 1] = length;
    jobs[at + 2] = position;
    jobs[at + 3] = id;
    const job = ++this.submitted;
    let wake = urgent;
    if (!this.#referenced) {
      // Referenced while it has work, so the process does not exit with data in the cache. An
      // idle writer sleeps without polling: it is woken for this job whatever its size.
      wake = true;
      this.#referenced = true;
      Atomics.store(ctl, CTL_HOLD, 1);
      this.#writer?.ref();
    }
    Atomics.store(ctl, CTL_SUBMITTED, this.submitted);
    if (Atomics.load(ctl, CTL_SLEEPING) === 0) {
      this.#unwoken = 0; // awake: it finds this job before it sleeps again
    } else {
      this.#unwoken += length;
      if (wake || this.#unwoken >= WAKE_BYTES) this.wake();
    }
    return job;
  }

  /** Wakes the writer thread if it sleeps (it then finds every job published so far). */
  wake(): void {
    const ctl = this.ctl;
    this.#unwoken = 0;
    if (ctl !== undefined && Atomics.load(ctl, CTL_SLEEPING) !== 0) {
      Atomics.notify(ctl, CTL_SUBMITTED);
    }
  }

  /** Waits until the writer thread finishes another job (the thread is held meanwhile). */
  async progress(): Promise<void> {
    const ctl = this.ctl;
    // A lost writer thread finishes nothing more: callers see the failure instead of waiting.
    if (ctl === undefined || this.lost) return;
    const seen = Atomics.load(ctl, CTL_COMPLETED);
    if (seen === this.submitted) return;
    this.wake();
    const r = Atomics.waitAsync(ctl, CTL_COMPLETED, seen);
    if (r.async) await r.value;
  }

  /** Tells the thread about a caller's shared buffer, before the first job that uses it. */
  register(registration: BufferRegistration): void {
    (this.#port as MessagePort).postMessage(registration);
  }

  /** Ends the writer thread once its jobs are done (the store waits for them first). */
  async stop(): Promise<void> {
    const writer = this.#writer;
    const ctl = this.ctl;
    if (writer === undefined || ctl === undefined) return;
    this.#writer = undefined;
    this.#port?.close();
    if (this.#writerExited) return;
    const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    writer.ref();
    Atomics.store(ctl, CTL_STOP, 1);
    Atomics.notify(ctl, CTL_SUBMITTED);
    await exited;
  }
}

/** A failed background write as rebuilt on the drive's thread: the error, and where it struck. */
export interface WriterError {
  readonly error: NodeJS.ErrnoException;
  /** The image offset of the first byte that did not reach the file, when known. */
  readonly position: number | undefined;
}

/** The error a failed background write left in `control`, rebuilt on the drive's thread. */
export function decodeWriterError(control: SharedArrayBuffer): WriterError {
  const ctl = new Int32Array(control, 0, 8);
  const length = Atomics.load(ctl, CTL_ERROR_LENGTH);
  const bytes = new Uint8Array(control, ERROR_OFFSET, length).slice();
  let info: {
    code?: string;
    errno?: number;
    syscall?: string;
    message?: string;
    position?: number;
  } = {};
  try {
    info = JSON.parse(new TextDecoder().decode(bytes)) as typeof info;
  } catch {
    // A description cut at the buffer's end: keep the generic message.
  }
  const e = new Error(info.message ?? 'writing the image file failed') as NodeJS.ErrnoException;
  if (info.code !== undefined) e.code = info.code;
  if (info.errno !== undefined) e.errno = info.errno;
  if (info.syscall !== undefined) e.syscall = info.syscall;
  return { error: e, position: info.position };
}
