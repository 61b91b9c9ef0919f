// The few libc calls the SG_IO transport needs, bound through koffi on first use. ioctl runs
// asynchronously on koffi's worker threads so a command in flight never blocks the event loop;
// flock and fcntl are non-blocking and run inline.

import { constants as fsc } from 'node:fs';
import { constants as osc } from 'node:os';
import { loadKoffi, type Koffi } from '../koffi.js';

export interface SysResult {
  readonly ret: number;
  /** errno name (`ENOTTY`), '' when the call succeeded. */
  readonly errno: string;
}

export interface Libc {
  /** sizeof(void *) of this process. */
  readonly pointerBytes: 4 | 8;
  /** Address of the first byte of `bytes` (0 for an empty array). */
  address(bytes: Uint8Array): bigint;
  /** ioctl(fd, request, arg) on a worker thread. `arg` must stay referenced until it settles. */
  ioctl(fd: number, request: number, arg: Uint8Array): Promise<SysResult>;
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

function bind(koffi: Koffi): Libc {
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
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, void *arg)');
  const fcntl = lib.func('int fcntl(int fd, int cmd, long arg)');
  const flock = lib.func('int flock(int fd, int operation)');
  const result = (ret: number): SysResult => ({
    ret,
    errno: ret < 0 ? errnoName(koffi.errno()) : '',
  });
  return {
    pointerBytes: koffi.sizeof('void *') === 4 ? 4 : 8,
    address: (bytes) => (bytes.length === 0 ? 0n : koffi.address(bytes)),
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
  bound ??= loadKoffi().then(bind, (e: unknown) => {
    bound = undefined;
    throw e;
  });
  return bound;
}
