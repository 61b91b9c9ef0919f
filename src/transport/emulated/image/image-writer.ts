// The image-backed virtual drive's writer thread (docs/virtual-drive.md, "Persistence"): a worker
// that takes jobs (a range of shared memory and the image offset it belongs at) from a ring in
// shared memory and writes them to the image file with positioned synchronous writes, in
// submission order, so a rewritten block ends up with its latest data. The drive's thread only
// publishes a job: no thread-pool round trip per write, and one writer on the file. A job's bytes
// are in the drive's write cache (buffer 0), or, for a WRITE whose caller let the drive hold its
// data (DataOutHold), in the caller's own shared buffer, which the drive registers once through
// `port` (zero-copy hand-off).
//
// Direct writes (Linux, `imageIo=direct`, the default): the thread opens the image again with
// O_DIRECT, and the jobs published so far that follow each other in the image are written as one
// batch: copied into a page-aligned bounce buffer, the part between 4 KiB boundaries goes to the
// file with writes of up to 1 MiB that bypass the page cache, an unaligned head or tail through
// it. Why: filling fresh page-cache pages was what the writes cost, several times a read's copy
// on this VM host, and with many drives at once that kernel time starved everything else
// (BENCHMARKS.md, "Many recorders"). The batch's jobs still finish in order, after their bytes
// are in the file. Where O_DIRECT is missing or refused (another OS, a file system without it,
// EINVAL on the first write), every write goes through the page cache as before.
//
// Page-cache writes are of at most 64 KiB: small page-cache writes stay fast where large ones do
// not, and a thread makes each one a plain system call (docs/benchmarks-history.md, "File-backed:
// a writer thread with 64 KiB writes").
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
// | 6             | SLEEPING  | writer     | 1 while the writer waits for work: only then may a   |
// |               |           |            |    submission notify (writer-thread.ts, WAKE_BYTES)  |
// | 7             | DIRECT    | writer     | batches written with O_DIRECT (tests, diagnostics)   |
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
import { faultyFileSystem, type ImageWriteFault } from './write-fault.js';

export type { ImageWriteFault } from './write-fault.js';

export const CTL_SUBMITTED = 0;
export const CTL_COMPLETED = 1;
export const CTL_FAILED = 2;
export const CTL_ERROR_LENGTH = 3;
export const CTL_STOP = 4;
export const CTL_HOLD = 5;
export const CTL_SLEEPING = 6;
export const CTL_DIRECT = 7;
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
/**
 * Alignment of O_DIRECT writes: 4096, the page size and the largest logical block size of
 * common disks, so one value suits every device (a 512-byte disk takes it as well).
 */
export const DIRECT_ALIGN = 4096;

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
  /** Most bytes one write system call covers (through the page cache). */
  readonly writeBytes: number;
  /** Most bytes of one O_DIRECT write, the size of the bounce buffer; 0: no direct writes. */
  readonly directBytes: number;
  /** How long the writer waits for more work before it tells the drive it is idle. */
  readonly idleMs: number;
  /** How often a held writer looks for work that was published without a notify. */
  readonly pollMs: number;
  /** Buffer registrations (BufferRegistration), read with receiveMessageOnPort. */
  readonly port: WorkerThreadsModule.MessagePort;
}

/** What the writer thread uses of node:fs. */
export interface ImageWriterFs {
  readonly constants: { readonly O_WRONLY: number; readonly O_DIRECT?: number | undefined };
  openSync(path: string, flags: number): number;
  fstatSync(fd: number): { readonly ino: number; readonly dev: number };
  closeSync(fd: number): void;
  writeSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
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
  readonly direct: number;
  readonly errorOffset: number;
  readonly jobSlots: number;
  readonly jobFields: number;
  readonly notifyEvery: number;
  /** Image offsets, lengths and memory of O_DIRECT writes are multiples of this. */
  readonly directAlign: number;
}

/** What the writer thread uses of WebAssembly (not in the compiler's libraries here). */
interface WasmApi {
  readonly Memory: new (descriptor: { readonly initial: number }) => {
    readonly buffer: ArrayBuffer;
  };
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
  const align = layout.directAlign;
  /** The image opened again with O_DIRECT (Linux), or -1: every write goes through `data.fd`. */
  let direct = -1;
  if (data.directBytes > 0 && fs.constants.O_DIRECT !== undefined) {
    try {
      // The same open file, by its descriptor's /proc link, so a renamed image is still it.
      direct = fs.openSync(
        `/proc/self/fd/${data.fd}`,
        fs.constants.O_WRONLY | fs.constants.O_DIRECT,
      );
      const a = fs.fstatSync(data.fd);
      const b = fs.fstatSync(direct);
      if (a.ino !== b.ino || a.dev !== b.dev) {
        fs.closeSync(direct);
        direct = -1;
      }
    } catch {
      direct = -1; // no /proc, or a file system without O_DIRECT: buffered writes
    }
  }
  // The bounce buffer of direct writes: wasm memory is page-aligned, as O_DIRECT wants, where a
  // SharedArrayBuffer is not. `align` bytes more, so a batch starts at its image offset's
  // distance from an aligned boundary and its aligned middle lies at an aligned address.
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const pages = Math.ceil((data.directBytes + align) / 65536);
  const bounce =
    direct < 0 ? new Uint8Array(0) : new Uint8Array(new wasm.Memory({ initial: pages }).buffer);
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
  /** Bytes of the batch being written that are in the file (for the message of a failure). */
  let written = 0;
  /** Writes `length` bytes of `source` from `offset` to image offset `position`, in pieces. */
  const put = (
    fd: number,
    source: Uint8Array,
    offset: number,
    length: number,
    position: number,
    piece: number,
  ): void => {
    let at = 0;
    while (at < length) {
      const n = fs.writeSync(fd, source, offset + at, Math.min(piece, length - at), position + at);
      at += n;
      written += n;
    }
  };
  /**
   * Jobs [first, end) hold `bytes` contiguous bytes from image offset `position`: copied into
   * the bounce buffer, the aligned middle goes to the file with O_DIRECT writes (no page-cache
   * pages to allocate and fill), the unaligned head and tail through the page cache.
   */
  const putDirect = (first: number, end: number, position: number, bytes: number): void => {
    const lead = position % align;
    let at = lead;
    for (let k = first; k !== end; k++) {
      const j = (k % layout.jobSlots) * layout.jobFields;
      const length = jobs[j + 1] as number;
      const source = bufferFor(jobs[j + 3] as number);
      const offset = jobs[j] as number;
      bounce.set(source.subarray(offset, offset + length), at);
      at += length;
    }
    const end0 = position + bytes;
    const from = Math.min(end0, position + ((align - lead) % align));
    const to = Math.max(from, end0 - (end0 % align));
    put(data.fd, bounce, lead, from - position, position, data.writeBytes);
    if (to > from) {
      try {
        put(direct, bounce, lead + from - position, to - from, from, data.directBytes);
        Atomics.add(ctl, layout.direct, 1);
      } catch (e) {
        // EINVAL before any byte: the file system or device wants other alignment; buffered
        // from now on (what was written stays: the rest goes through the page cache).
        if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
        fs.closeSync(direct);
        direct = -1;
        const done = written - (from - position);
        put(
          data.fd,
          bounce,
          lead + from - position + done,
          to - from - done,
          from + done,
          data.writeBytes,
        );
      }
    }
    put(data.fd, bounce, lead + to - position, end0 - to, to, data.writeBytes);
  };
  let done = Atomics.load(ctl, layout.completed);
  /** Milliseconds the writer has polled for work without finding any. */
  let idleFor = 0;
  for (;;) {
    const submitted = Atomics.load(ctl, layout.submitted);
    if (submitted === done) {
      if (Atomics.load(ctl, layout.stop) !== 0) {
        if (direct >= 0) fs.closeSync(direct);
        data.port.close(); // an open port would keep this thread's event loop alive
        return;
      }
      // While the drive holds a reference, look for work every pollMs (the drive does not wake
      // a sleeping writer for every small job; writer-thread.ts) and say idle after idleMs
      // without any, so a steady stream of writes costs no message per job.
      const held = Atomics.load(ctl, layout.hold) !== 0;
      // SLEEPING is set before wait() compares SUBMITTED: a submission after that compare sees
      // it and may notify; one before it makes wait() return at once.
      Atomics.store(ctl, layout.sleeping, 1);
      const r = Atomics.wait(ctl, layout.submitted, submitted, held ? data.pollMs : Infinity);
      Atomics.store(ctl, layout.sleeping, 0);
      if (r === 'timed-out' && (idleFor += data.pollMs) >= data.idleMs) {
        idleFor = 0;
        if (Atomics.exchange(ctl, layout.hold, 0) === 1) port?.postMessage('idle');
      }
      continue;
    }
    idleFor = 0;
    const at = (done % layout.jobSlots) * layout.jobFields;
    const offset = jobs[at] as number;
    const length = jobs[at + 1] as number;
    const position = jobs[at + 2] as number;
    const id = jobs[at + 3] as number;
    // A batch: the jobs published so far that continue this one in the image, in order, up to
    // the bounce buffer (direct writes only; each job is still finished in submission order).
    let end = done + 1;
    let bytes = length;
    if (direct >= 0 && length <= data.directBytes) {
      for (; end !== submitted; end++) {
        const j = (end % layout.jobSlots) * layout.jobFields;
        const n = jobs[j + 1] as number;
        if (jobs[j + 2] !== position + bytes || bytes + n > data.directBytes) break;
        bytes += n;
      }
    }
    if (Atomics.load(ctl, layout.failed) === 0) {
      written = 0;
      try {
        if (direct >= 0 && bytes >= align) {
          putDirect(done, end, position, bytes);
        } else {
          end = done + 1;
          put(data.fd, bufferFor(id), offset, length, position, data.writeBytes);
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
    const before = done;
    done = end;
    Atomics.store(ctl, layout.completed, done);
    if (
      Math.floor(done / layout.notifyEvery) !== Math.floor(before / layout.notifyEvery) ||
      done === Atomics.load(ctl, layout.submitted)
    ) {
      Atomics.notify(ctl, layout.completed);
    }
  }
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
    direct: CTL_DIRECT,
    errorOffset: ERROR_OFFSET,
    jobSlots: JOB_SLOTS,
    jobFields: JOB_FIELDS,
    notifyEvery: NOTIFY_EVERY,
    directAlign: DIRECT_ALIGN,
  };
  const fs =
    fault === undefined
      ? "require('node:fs')"
      : `(${faultyFileSystem.toString()})(require('node:fs'), ${JSON.stringify(fault)})`;
  return `(${imageWriterMain.toString()})(${fs}, require('node:worker_threads'), ${JSON.stringify(layout)});`;
}
