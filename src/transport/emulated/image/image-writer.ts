// The image-backed virtual drive's writer thread (docs/virtual-drive.md, "Persistence"): a worker
// that takes jobs (a range of shared memory and the image offset it belongs at) from a ring in
// shared memory and writes them to the image file with positioned synchronous writes of at most
// 64 KiB, in submission order, so a rewritten block ends up with its latest data. The drive's
// thread only publishes a job: no thread-pool round trip per write, and one writer on the file. A
// job's bytes are in the drive's write cache (buffer 0), or, for a WRITE whose caller let the drive
// hold its data (DataOutHold), in the caller's own shared buffer, which the drive registers once
// through `port` (zero-copy hand-off).
//
// Why 64 KiB on a thread of its own: small page-cache writes stay fast where large ones do not,
// and a thread makes each one a plain system call (docs/benchmarks-history.md, "File-backed: a
// writer thread with 64 KiB writes").
//
// Shared state (all Int32 slots of `control` are accessed with Atomics):
//
// | control Int32 | name      | written by | meaning                                              |
// |---------------|-----------|------------|------------------------------------------------------|
// | 0             | SUBMITTED | drive      | jobs submitted so far (notified on change)           |
// | 1             | COMPLETED | writer     | jobs finished so far, written or failed (notified)   |
// | 2             | FAILED    | both       | 1 once a write failed; later jobs are skipped        |
// | 3             | ERROR_LEN | writer     | bytes of the JSON error description at byte 32       |
// | 4             | STOP      | drive      | 1: exit once every submitted job is finished         |
// | 5             | HOLD      | both       | 1: the drive keeps the thread referenced; the writer |
// |               |           |            |    clears it and posts 'idle' when it runs dry       |
// | 6             | SLEEPING  | writer     | 1 while the writer waits for work: only then does a  |
// |               |           |            |    submission need a notify                          |
// | bytes 32…     | error     | writer     | UTF-8 JSON `{ code, errno, syscall, message,         |
// |               |           |            |    position }`: the image offset that failed         |
//
// Job k lives at Float64 index `(k % JOB_SLOTS) × 4` of `jobs`: byte offset in its buffer,
// length, image position (a Float64 holds any image offset exactly), buffer id (0: the cache).
//
// COMPLETED is notified every NOTIFY_EVERY jobs and whenever the writer runs dry, not after every
// job, because each notify that finds the drive waiting costs it an event-loop wake-up
// (docs/benchmarks-history.md, "File-backed: zero-copy hand-off"). Whoever waits is woken at the
// latest when the writer runs dry, so every wait ends.
//
// Messages on `port` (drive → writer): `{ id, buffer, drop }` registers a shared buffer under
// `id` and forgets buffer `drop` (0: none); the drive posts it before the first job that uses
// `id`, and drops a buffer only once no job refers to it.

import type * as WorkerThreadsModule from 'node:worker_threads';

export const CTL_SUBMITTED = 0;
export const CTL_COMPLETED = 1;
export const CTL_FAILED = 2;
export const CTL_ERROR_LENGTH = 3;
export const CTL_STOP = 4;
export const CTL_HOLD = 5;
export const CTL_SLEEPING = 6;
/** Byte offset of the error description in `control`. */
export const ERROR_OFFSET = 32;
/** Bytes of `control` (the Int32 slots plus room for the error description). */
export const CONTROL_BYTES = 1024;
/** Jobs the ring holds; the drive never has more outstanding. */
export const JOB_SLOTS = 128;
/** Float64 values per job. */
export const JOB_FIELDS = 4;
/** The writer notifies COMPLETED every this many jobs, and when it runs dry. */
export const NOTIFY_EVERY = 16;

/** A shared buffer the writer may take job bytes from (zero-copy hand-off). */
export interface BufferRegistration {
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
  /** A buffer id no job refers to any more (0: none). */
  readonly drop: number;
}

export interface ImageWriterData {
  readonly control: SharedArrayBuffer;
  readonly jobs: SharedArrayBuffer;
  readonly cache: SharedArrayBuffer;
  readonly fd: number;
  /** Most bytes one write system call covers. */
  readonly writeBytes: number;
  /** How long the writer waits for more work before it tells the drive it is idle. */
  readonly idleMs: number;
  /** Buffer registrations (BufferRegistration), read with receiveMessageOnPort. */
  readonly port: WorkerThreadsModule.MessagePort;
}

/** What the writer thread uses of node:fs. */
export interface ImageWriterFs {
  writeSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
}

/**
 * A file system that fills up, for tests: it takes `afterBytes` bytes, then refuses every write
 * with the error `code` (ENOSPC, EROFS, …). The write that crosses the limit stores what fits.
 * With `stallMs` it is slow too.
 */
export interface ImageWriteFault {
  readonly afterBytes: number;
  readonly code: string;
  /** Each write first takes this long (a slow disk), so the writer thread falls behind. */
  readonly stallMs?: number;
}

/** The slot numbers, passed to the thread (its source text cannot import them). */
export interface ImageWriterLayout {
  readonly submitted: number;
  readonly completed: number;
  readonly failed: number;
  readonly errorLength: number;
  readonly stop: number;
  readonly hold: number;
  readonly sleeping: number;
  readonly errorOffset: number;
  readonly jobSlots: number;
  readonly jobFields: number;
  readonly notifyEvery: number;
}

/**
 * The writer thread's body. It runs in a worker started from its own source text (see
 * `imageWriterSource`), so it must not refer to anything outside itself: the modules and the
 * layout come in as arguments.
 */
export function imageWriterMain(
  fs: ImageWriterFs,
  wt: typeof WorkerThreadsModule,
  layout: ImageWriterLayout,
): void {
  const data = wt.workerData as ImageWriterData;
  const ctl = new Int32Array(data.control, 0, 8);
  const errorBytes = new Uint8Array(data.control, layout.errorOffset);
  const jobs = new Float64Array(data.jobs);
  const buffers = new Map<number, Uint8Array>([[0, new Uint8Array(data.cache)]]);
  const port = wt.parentPort;
  /** The buffer registered as `id`; its registration was posted before the job was published. */
  const bufferFor = (id: number): Uint8Array => {
    for (;;) {
      const known = buffers.get(id);
      if (known !== undefined) return known;
      const m = wt.receiveMessageOnPort(data.port);
      if (m === undefined) {
        Atomics.wait(ctl, layout.stop, 0, 1); // not expected: the message precedes the job
        continue;
      }
      const r = m.message as BufferRegistration;
      if (r.drop !== 0) buffers.delete(r.drop); // 0 is the cache, never dropped
      buffers.set(r.id, new Uint8Array(r.buffer));
    }
  };
  let done = Atomics.load(ctl, layout.completed);
  for (;;) {
    const submitted = Atomics.load(ctl, layout.submitted);
    if (submitted === done) {
      if (Atomics.load(ctl, layout.stop) !== 0) {
        data.port.close(); // an open port would keep this thread's event loop alive
        return;
      }
      // While the drive holds a reference, wait a little for more work before saying idle, so
      // a steady stream of writes costs no message per job.
      const held = Atomics.load(ctl, layout.hold) !== 0;
      // SLEEPING is set before wait() compares SUBMITTED: a submission after that compare sees
      // it and notifies; one before it makes wait() return at once.
      Atomics.store(ctl, layout.sleeping, 1);
      const r = Atomics.wait(ctl, layout.submitted, submitted, held ? data.idleMs : Infinity);
      Atomics.store(ctl, layout.sleeping, 0);
      if (r === 'timed-out' && Atomics.exchange(ctl, layout.hold, 0) === 1) {
        port?.postMessage('idle');
      }
      continue;
    }
    const at = (done % layout.jobSlots) * layout.jobFields;
    const offset = jobs[at] as number;
    const length = jobs[at + 1] as number;
    const position = jobs[at + 2] as number;
    const id = jobs[at + 3] as number;
    if (Atomics.load(ctl, layout.failed) === 0) {
      let written = 0;
      try {
        const source = bufferFor(id);
        while (written < length) {
          const n = Math.min(data.writeBytes, length - written);
          written += fs.writeSync(data.fd, source, offset + written, n, position + written);
        }
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const text = JSON.stringify({
          code: err.code,
          errno: err.errno,
          syscall: err.syscall,
          message: err.message,
          position: position + written,
        });
        const encoded = new TextEncoder().encode(text);
        const n = Math.min(encoded.length, errorBytes.length);
        errorBytes.set(encoded.subarray(0, n));
        Atomics.store(ctl, layout.errorLength, n);
        Atomics.store(ctl, layout.failed, 1);
      }
    }
    done++;
    Atomics.store(ctl, layout.completed, done);
    if (done % layout.notifyEvery === 0 || done === Atomics.load(ctl, layout.submitted)) {
      Atomics.notify(ctl, layout.completed);
    }
  }
}

/**
 * The file system of an ImageWriteFault: node:fs's writeSync until `afterBytes` are written, then
 * the fault's error. It runs inside the writer thread, so it refers to nothing outside itself.
 */
export function faultyFileSystem(fs: ImageWriterFs, fault: ImageWriteFault): ImageWriterFs {
  let room = fault.afterBytes;
  const stall = new Int32Array(new SharedArrayBuffer(4));
  return {
    writeSync(fd, buffer, offset, length, position) {
      if (fault.stallMs !== undefined) Atomics.wait(stall, 0, 0, fault.stallMs);
      if (room <= 0) {
        const e = new Error(
          `${fault.code}: injected write failure, write`,
        ) as NodeJS.ErrnoException;
        e.code = fault.code;
        e.syscall = 'write';
        throw e;
      }
      const n = fs.writeSync(fd, buffer, offset, Math.min(length, room), position);
      room -= n;
      return n;
    },
  };
}

/**
 * Source text of the writer thread (a CommonJS script, as `new Worker(…, { eval: true })` takes);
 * with a `fault`, the thread writes through faultyFileSystem.
 */
export function imageWriterSource(fault?: ImageWriteFault): string {
  const layout: ImageWriterLayout = {
    submitted: CTL_SUBMITTED,
    completed: CTL_COMPLETED,
    failed: CTL_FAILED,
    errorLength: CTL_ERROR_LENGTH,
    stop: CTL_STOP,
    hold: CTL_HOLD,
    sleeping: CTL_SLEEPING,
    errorOffset: ERROR_OFFSET,
    jobSlots: JOB_SLOTS,
    jobFields: JOB_FIELDS,
    notifyEvery: NOTIFY_EVERY,
  };
  const fs =
    fault === undefined
      ? "require('node:fs')"
      : `(${faultyFileSystem.toString()})(require('node:fs'), ${JSON.stringify(fault)})`;
  return `(${imageWriterMain.toString()})(${fs}, require('node:worker_threads'), ${JSON.stringify(layout)});`;
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
