// Injected file-system faults of the image writer thread, for tests (OpenVirtualDriveOptions
// .imageWriteFault): a file system that fills up, fails, stalls, or refuses O_DIRECT writes. The
// writer thread (image-writer.ts) then writes through faultyFileSystem instead of node:fs.

import type { ImageWriterFs } from './image-writer.js';

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
  /** O_DIRECT writes fail with this errno name instead (EINVAL: the writer falls back). */
  readonly directCode?: string;
}

/**
 * The file system of an ImageWriteFault: node:fs's writeSync until `afterBytes` are written, then
 * the fault's error. It runs inside the writer thread, so it refers to nothing outside itself.
 */
export function faultyFileSystem(fs: ImageWriterFs, fault: ImageWriteFault): ImageWriterFs {
  let room = fault.afterBytes;
  const stall = new Int32Array(new SharedArrayBuffer(4));
  const directFds = new Set<number>();
  const refuse = (code: string): never => {
    const e = new Error(`${code}: injected write failure, write`) as NodeJS.ErrnoException;
    e.code = code;
    e.syscall = 'write';
    throw e;
  };
  return {
    constants: fs.constants,
    openSync(path, flags) {
      const fd = fs.openSync(path, flags);
      if ((flags & (fs.constants.O_DIRECT ?? 0)) !== 0) directFds.add(fd);
      return fd;
    },
    fstatSync: (fd) => fs.fstatSync(fd),
    closeSync: (fd) => fs.closeSync(fd),
    writeSync(fd, buffer, offset, length, position) {
      if (fault.stallMs !== undefined) Atomics.wait(stall, 0, 0, fault.stallMs);
      if (fault.directCode !== undefined && directFds.has(fd)) refuse(fault.directCode);
      if (room <= 0) refuse(fault.code);
      const n = fs.writeSync(fd, buffer, offset, Math.min(length, room), position);
      room -= n;
      return n;
    },
  };
}
