// The few libc calls the SG_IO transport needs, bound through koffi on first use. ioctl runs
// asynchronously on koffi's worker threads so a command in flight never blocks the event loop;
// flock and fcntl are non-blocking and run inline. Whatever ioctl's argument points to lives in
// native memory (allocate()), never in a JavaScript array: see native-memory.ts for why.

import { constants as fsc } from 'node:fs';
import { constants as osc } from 'node:os';
import { loadKoffi, type Koffi } from '../koffi.js';
import { NativeBuffer, NativeDataBuffer } from '../native-memory.js';

export interface SysResult {
  readonly ret: number;
  /** errno name (`ENOTTY`), '' when the call succeeded. */
  readonly errno: string;
}

export interface Libc {
  /** sizeof(void *) of this process. */
  readonly pointerBytes: 4 | 8;
  /** Zeroed native memory for an ioctl argument and what it points to (see native-memory.ts). */
  allocate(byteLength: number, alignment?: number): NativeBuffer;
  /** A growable native data buffer for one command at a time. */
  dataBuffer(alignment?: number): NativeDataBuffer;
  /**
   * ioctl(fd, request, arg) on a worker thread. `arg` is the address of native memory that must
   * stay allocated, with everything it points to, until the promise settles.
   */
  ioctl(fd: number, request: number, arg: bigint): Promise<SysResult>;
  flock(fd: number, operation: number): SysResult;
  /** Clear O_NONBLOCK after a non-blocking open, so later I/O blocks as usual. */
  clearNonBlocking(fd: number): SysResult;
}

/** flock(2) operations. */
export const Flock = { LOCK_SH: 1, LOCK_EX: 2, LOCK_NB: 4, LOCK_UN: 8 } as const;

const F_GETFL = 3;
const F_SETFL = 4;

const errnoNames = new Map<number, string>(
  Object.entries(osc.errno).map(([name, value]) => [value, name]),
);

export function errnoName(value: number): string {
  return errnoNames.get(value) ?? `errno ${value}`;
}

/** Where ioctl comes from: libc's, or (tests) a function of the same signature in another library. */
export interface IoctlSource {
  readonly library: string;
  readonly symbol: string;
}

/** Bind the calls through `koffi`; `ioctlFrom` replaces libc's ioctl (a test double in C). */
export function bindLibc(koffi: Koffi, ioctlFrom?: IoctlSource): Libc {
  let lib;
  try {
    lib = koffi.load('libc.so.6');
  } catch {
    // musl and other C libraries: the symbols are already in the process.
    lib = koffi.load(null);
  }
  // ioctl and fcntl are variadic in C. koffi cannot call variadic functions asynchronously, so
  // they are declared with fixed arguments; on every Linux ABI an integer or pointer third
  // argument travels in the same register either way.
  const ioctl =
    ioctlFrom === undefined
      ? lib.func('int ioctl(int fd, unsigned long request, void *arg)')
      : koffi
          .load(ioctlFrom.library)
          .func(`int ${ioctlFrom.symbol}(int fd, unsigned long request, void *arg)`);
  const fcntl = lib.func('int fcntl(int fd, int cmd, long arg)');
  const flock = lib.func('int flock(int fd, int operation)');
  const result = (ret: number): SysResult => ({
    ret,
    errno: ret < 0 ? errnoName(koffi.errno()) : '',
  });
  return {
    pointerBytes: koffi.sizeof('void *') === 4 ? 4 : 8,
    allocate: (byteLength, alignment) => NativeBuffer.allocate(koffi, byteLength, alignment),
    dataBuffer: (alignment) => new NativeDataBuffer(koffi, alignment),
    ioctl: (fd, request, arg) =>
      new Promise<SysResult>((resolve, reject) => {
        ioctl.async(fd, request, arg, (err: unknown, ret: number) => {
          // koffi restores the worker thread's errno around this callback.
          if (err !== null && err !== undefined)
            reject(err instanceof Error ? err : new Error('koffi call failed', { cause: err }));
          else resolve(result(ret));
        });
      }),
    flock: (fd, operation) => result(flock(fd, operation) as number),
    clearNonBlocking: (fd) => {
      const flags = fcntl(fd, F_GETFL, 0) as number;
      if (flags < 0) return result(flags);
      return result(fcntl(fd, F_SETFL, flags & ~fsc.O_NONBLOCK) as number);
    },
  };
}

let bound: Promise<Libc> | undefined;

/** The libc bindings; rejects with E_NOTIMPL when koffi is unavailable. */
export function loadLibc(): Promise<Libc> {
  bound ??= loadKoffi().then(
    (k) => bindLibc(k),
    (e: unknown) => {
      bound = undefined;
      throw e;
    },
  );
  return bound;
}
