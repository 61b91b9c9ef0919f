// The kernel32 calls the SPTI transport needs, bound through koffi on first use and only on
// Windows. DeviceIoControl and CreateFileW run on koffi's worker threads, so a command in flight
// never blocks the event loop. Untested on hardware: see docs/local-drives.md.

import { DwError, HR } from '../../errors.js';
import { loadKoffi, type Koffi } from '../koffi.js';

export interface Win32Result<T> {
  readonly value: T;
  /** GetLastError() right after the call; 0 on success. */
  readonly error: number;
}

/** An opaque HANDLE. */
export type Handle = object;

export interface Kernel32 {
  readonly pointerBytes: 4 | 8;
  address(bytes: Uint8Array): bigint;
  /** CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL). */
  createFile(path: string, access: number): Promise<Win32Result<Handle | undefined>>;
  /** DeviceIoControl with one buffer for input and output; value = bytes returned, or -1. */
  deviceIoControl(
    handle: Handle,
    code: number,
    input: Uint8Array | undefined,
    output: Uint8Array | undefined,
  ): Promise<Win32Result<number>>;
  closeHandle(handle: Handle): void;
  getLogicalDrives(): number;
  getDriveType(root: string): number;
  volumeNameForMountPoint(root: string): string | undefined;
}

export const GENERIC_READ = 0x80000000;
export const GENERIC_WRITE = 0x40000000;
const FILE_SHARE_READ_WRITE = 0x3;
const OPEN_EXISTING = 3;
/** GetDriveTypeW: DRIVE_CDROM. */
export const DRIVE_CDROM = 5;

function bind(koffi: Koffi): Kernel32 {
  const k32 = koffi.load('kernel32.dll');
  const cc = koffi.sizeof('void *') === 4 ? '__stdcall ' : '';
  const CreateFileW = k32.func(
    `void *${cc}CreateFileW(str16 name, uint32_t access, uint32_t share, void *sa, uint32_t disposition, uint32_t flags, void *tmpl)`,
  );
  const DeviceIoControl = k32.func(
    `bool ${cc}DeviceIoControl(void *h, uint32_t code, void *inBuf, uint32_t inSize, void *outBuf, uint32_t outSize, void *returned, void *overlapped)`,
  );
  const CloseHandle = k32.func(`bool ${cc}CloseHandle(void *h)`);
  const GetLastError = k32.func(`uint32_t ${cc}GetLastError()`);
  const GetLogicalDrives = k32.func(`uint32_t ${cc}GetLogicalDrives()`);
  const GetDriveTypeW = k32.func(`uint32_t ${cc}GetDriveTypeW(str16 root)`);
  const GetVolumeNameForVolumeMountPointW = k32.func(
    `bool ${cc}GetVolumeNameForVolumeMountPointW(str16 mountPoint, void *name, uint32_t length)`,
  );
  const invalid = koffi.sizeof('void *') === 4 ? 0xffffffffn : 0xffffffffffffffffn;
  const call = <T>(fn: { async: (...a: unknown[]) => void }, args: unknown[]) =>
    new Promise<Win32Result<T>>((resolve, reject) => {
      fn.async(...args, (err: unknown, value: T) => {
        // koffi restores the worker thread's last-error value around this callback.
        if (err !== null && err !== undefined) {
          reject(err instanceof Error ? err : new Error('koffi call failed', { cause: err }));
        } else resolve({ value, error: GetLastError() as number });
      });
    });
  return {
    pointerBytes: koffi.sizeof('void *') === 4 ? 4 : 8,
    address: (bytes) => (bytes.length === 0 ? 0n : koffi.address(bytes)),
    async createFile(path, access) {
      const r = await call<Handle | null>(CreateFileW, [
        path,
        access,
        FILE_SHARE_READ_WRITE,
        null,
        OPEN_EXISTING,
        0,
        null,
      ]);
      const bad = r.value === null || koffi.address(r.value) === invalid;
      return { value: bad ? undefined : r.value, error: bad ? r.error : 0 };
    },
    async deviceIoControl(handle, code, input, output) {
      const returned = new Uint8Array(4);
      const r = await call<boolean>(DeviceIoControl, [
        handle,
        code,
        input ?? null,
        input?.length ?? 0,
        output ?? null,
        output?.length ?? 0,
        returned,
        null,
      ]);
      if (!r.value) return { value: -1, error: r.error };
      return { value: new DataView(returned.buffer).getUint32(0, true), error: 0 };
    },
    closeHandle: (h) => void CloseHandle(h),
    getLogicalDrives: () => GetLogicalDrives() as number,
    getDriveType: (root) => GetDriveTypeW(root) as number,
    volumeNameForMountPoint(root) {
      const buf = new Uint8Array(2 * 64);
      if (!(GetVolumeNameForVolumeMountPointW(root, buf, 64) as boolean)) return undefined;
      const text = Buffer.from(buf).toString('utf16le');
      return text.slice(0, Math.max(0, text.indexOf('\0')));
    },
  };
}

let bound: Promise<Kernel32> | undefined;

/** kernel32 bindings; rejects with E_NOTIMPL off Windows or without koffi. */
export function loadKernel32(): Promise<Kernel32> {
  if (process.platform !== 'win32') {
    return Promise.reject(
      new DwError(HR.E_NOTIMPL, {
        message: `SCSI pass-through (SPTI) is Windows-only; this is ${process.platform}`,
      }),
    );
  }
  bound ??= loadKoffi().then(bind, (e: unknown) => {
    bound = undefined;
    throw e;
  });
  return bound;
}
