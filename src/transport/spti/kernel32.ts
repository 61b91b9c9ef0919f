// The Win32 calls the SPTI transport needs (kernel32, plus one cfgmgr32 enumeration), bound
// through koffi on first use and only on Windows. CreateFileW and DeviceIoControl run on koffi's
// worker threads, so a command in flight never blocks the event loop; whatever DeviceIoControl
// reads or writes is native memory the caller owns (memory.ts says why). Untested on hardware:
// see docs/local-drives.md.

import { DwError, HR } from '../../errors.js';
import { loadKoffi, type Koffi } from '../koffi.js';
import { NativeBuffer, NativeDataBuffer } from '../native-memory.js';
import { GUID_DEVINTERFACE_CDROM, decodeMultiSz, encodeGuid } from './devinterface.js';

export interface Win32Result<T> {
  readonly value: T;
  /** GetLastError() right after the call; 0 on success. */
  readonly error: number;
}

/** A HANDLE (koffi gives pointers as bigint). */
export type Handle = bigint;

/** The buffers of one DeviceIoControl: addresses of native memory, 0n for none. */
export interface IoctlBuffers {
  readonly input: bigint;
  readonly inputBytes: number;
  readonly output: bigint;
  readonly outputBytes: number;
  /** A native DWORD that receives the number of bytes returned (lpBytesReturned). */
  readonly returned: bigint;
}

export interface Kernel32 {
  readonly pointerBytes: 4 | 8;
  /** Zeroed native memory for DeviceIoControl buffers (see native-memory.ts). */
  allocate(byteLength: number, alignment?: number): NativeBuffer;
  /** A growable native data buffer for one command at a time. */
  dataBuffer(alignment?: number): NativeDataBuffer;
  /**
   * CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL)
   * on a worker thread: a synchronous (non-overlapped) handle.
   */
  createFile(path: string, access: number): Promise<Win32Result<Handle | undefined>>;
  /**
   * DeviceIoControl(handle, code, …, NULL) on a worker thread; value = its BOOL is nonzero. Every
   * address in `buffers`, and whatever they point to, must stay allocated until the promise
   * settles.
   */
  deviceIoControl(
    handle: Handle,
    code: number,
    buffers: IoctlBuffers,
  ): Promise<Win32Result<boolean>>;
  /**
   * CancelIoEx(handle, NULL), inline: asks Windows to cancel every I/O request of this process on
   * the handle. value false with ERROR_NOT_FOUND when none was pending.
   */
  cancelIo(handle: Handle): Win32Result<boolean>;
  closeHandle(handle: Handle): void;
  getLogicalDrives(): number;
  getDriveType(root: string): number;
  volumeNameForMountPoint(root: string): string | undefined;
  /** The present GUID_DEVINTERFACE_CDROM device interface paths (cfgmgr32). */
  cdromInterfacePaths(): string[];
}

export const GENERIC_READ = 0x80000000;
export const GENERIC_WRITE = 0x40000000;
const FILE_SHARE_READ_WRITE = 0x3;
const OPEN_EXISTING = 3;
/** GetDriveTypeW: DRIVE_CDROM. */
export const DRIVE_CDROM = 5;
const CM_GET_DEVICE_INTERFACE_LIST_PRESENT = 0;
const CR_SUCCESS = 0;
const CR_BUFFER_SMALL = 0x1a;

/** A bound native function as koffi returns it: callable inline, or on a worker through `async`. */
export interface NativeFunction {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): unknown;
}

/** What bindKernel32 needs of a loaded library. */
export interface NativeLibrary {
  func(declaration: string): NativeFunction;
}

/**
 * The C declarations, by function. BOOL is a 4-byte int in the Win32 ABI: declaring it `bool`
 * (one byte) would read only the low byte of EAX, and a nonzero BOOL such as 0x100 would look
 * like failure.
 */
export function kernel32Declarations(pointerBytes: 4 | 8): Record<string, string> {
  const cc = pointerBytes === 4 ? '__stdcall ' : '';
  return {
    CreateFileW: `void *${cc}CreateFileW(str16 name, uint32_t access, uint32_t share, void *sa, uint32_t disposition, uint32_t flags, void *tmpl)`,
    DeviceIoControl: `int ${cc}DeviceIoControl(void *h, uint32_t code, void *inBuf, uint32_t inSize, void *outBuf, uint32_t outSize, void *returned, void *overlapped)`,
    CancelIoEx: `int ${cc}CancelIoEx(void *h, void *overlapped)`,
    CloseHandle: `int ${cc}CloseHandle(void *h)`,
    GetLastError: `uint32_t ${cc}GetLastError()`,
    GetLogicalDrives: `uint32_t ${cc}GetLogicalDrives()`,
    GetDriveTypeW: `uint32_t ${cc}GetDriveTypeW(str16 root)`,
    GetVolumeNameForVolumeMountPointW: `int ${cc}GetVolumeNameForVolumeMountPointW(str16 mountPoint, void *name, uint32_t length)`,
    CM_Get_Device_Interface_List_SizeW: `uint32_t ${cc}CM_Get_Device_Interface_List_SizeW(void *length, void *guid, void *deviceId, uint32_t flags)`,
    CM_Get_Device_Interface_ListW: `uint32_t ${cc}CM_Get_Device_Interface_ListW(void *guid, void *deviceId, void *buffer, uint32_t length, uint32_t flags)`,
  };
}

/** True when a Win32 BOOL (or an int the binding returned) means success. */
export function win32Bool(value: unknown): boolean {
  return typeof value === 'number' ? value !== 0 : typeof value === 'bigint' ? value !== 0n : false;
}

/** Bind the calls of `kernel32` and `cfgmgr32` (tests pass doubles of both libraries). */
export function bindKernel32(
  koffi: Koffi,
  libs: { kernel32: NativeLibrary; cfgmgr32: NativeLibrary },
): Kernel32 {
  const pointerBytes = koffi.sizeof('void *') === 4 ? 4 : 8;
  const d = kernel32Declarations(pointerBytes);
  const k = (name: string) => libs.kernel32.func(d[name]!);
  const CreateFileW = k('CreateFileW');
  const DeviceIoControl = k('DeviceIoControl');
  const CancelIoEx = k('CancelIoEx');
  const CloseHandle = k('CloseHandle');
  const GetLastError = k('GetLastError');
  const GetLogicalDrives = k('GetLogicalDrives');
  const GetDriveTypeW = k('GetDriveTypeW');
  const GetVolumeNameForVolumeMountPointW = k('GetVolumeNameForVolumeMountPointW');
  const ListSize = libs.cfgmgr32.func(d.CM_Get_Device_Interface_List_SizeW!);
  const List = libs.cfgmgr32.func(d.CM_Get_Device_Interface_ListW!);
  const lastError = () => Number(GetLastError());
  const invalid = (1n << BigInt(pointerBytes * 8)) - 1n; // INVALID_HANDLE_VALUE
  const call = (fn: NativeFunction, args: unknown[]) =>
    new Promise<Win32Result<unknown>>((resolve, reject) => {
      fn.async(...args, (err: unknown, value: unknown) => {
        // koffi restores the worker thread's last-error value around this callback.
        if (err !== null && err !== undefined) {
          reject(err instanceof Error ? err : new Error('koffi call failed', { cause: err }));
        } else resolve({ value, error: lastError() });
      });
    });
  return {
    pointerBytes,
    allocate: (byteLength, alignment) => NativeBuffer.allocate(koffi, byteLength, alignment),
    dataBuffer: (alignment) => new NativeDataBuffer(koffi, alignment),
    async createFile(path, access) {
      const r = await call(CreateFileW, [
        path,
        access,
        FILE_SHARE_READ_WRITE,
        null,
        OPEN_EXISTING,
        0,
        null,
      ]);
      const h = typeof r.value === 'bigint' ? BigInt.asUintN(pointerBytes * 8, r.value) : undefined;
      const bad = h === undefined || h === 0n || h === invalid;
      return { value: bad ? undefined : h, error: bad ? r.error : 0 };
    },
    async deviceIoControl(handle, code, b) {
      const r = await call(DeviceIoControl, [
        handle,
        code,
        b.inputBytes === 0 ? null : b.input,
        b.inputBytes,
        b.outputBytes === 0 ? null : b.output,
        b.outputBytes,
        b.returned,
        null,
      ]);
      const ok = win32Bool(r.value);
      return { value: ok, error: ok ? 0 : r.error };
    },
    cancelIo(handle) {
      const ok = win32Bool(CancelIoEx(handle, null));
      return { value: ok, error: ok ? 0 : lastError() };
    },
    closeHandle: (h) => void CloseHandle(h),
    getLogicalDrives: () => Number(GetLogicalDrives()),
    getDriveType: (root) => Number(GetDriveTypeW(root)),
    volumeNameForMountPoint(root) {
      // Inline call: the array is in use by the running call, so V8 keeps it.
      const buf = new Uint8Array(2 * 64);
      if (!win32Bool(GetVolumeNameForVolumeMountPointW(root, buf, 64))) return undefined;
      const text = Buffer.from(buf).toString('utf16le');
      return text.slice(0, Math.max(0, text.indexOf('\0')));
    },
    cdromInterfacePaths() {
      const guid = encodeGuid(GUID_DEVINTERFACE_CDROM);
      // Interfaces can arrive between the two calls; CR_BUFFER_SMALL then asks again.
      for (let attempt = 0; attempt < 4; attempt++) {
        const size = new Uint8Array(4);
        let cr = Number(ListSize(size, guid, null, CM_GET_DEVICE_INTERFACE_LIST_PRESENT));
        if (cr !== CR_SUCCESS) throw configRetError('CM_Get_Device_Interface_List_SizeW', cr);
        const chars = new DataView(size.buffer).getUint32(0, true);
        const list = new Uint8Array(Math.max(chars, 1) * 2);
        cr = Number(List(guid, null, list, chars, CM_GET_DEVICE_INTERFACE_LIST_PRESENT));
        if (cr === CR_BUFFER_SMALL) continue;
        if (cr !== CR_SUCCESS) throw configRetError('CM_Get_Device_Interface_ListW', cr);
        return decodeMultiSz(list);
      }
      throw configRetError('CM_Get_Device_Interface_ListW', CR_BUFFER_SMALL);
    },
  };
}

function configRetError(fn: string, cr: number): DwError {
  return new DwError(HR.ERROR_IO_DEVICE, {
    message: `${fn} failed (CONFIGRET 0x${cr.toString(16)}): cannot list the CD-ROM devices`,
  });
}

let bound: Promise<Kernel32> | undefined;

/** Win32 bindings; rejects with E_NOTIMPL off Windows or without koffi. */
export function loadKernel32(): Promise<Kernel32> {
  if (process.platform !== 'win32') {
    return Promise.reject(
      new DwError(HR.E_NOTIMPL, {
        message: `SCSI pass-through (SPTI) is Windows-only; this is ${process.platform}`,
      }),
    );
  }
  bound ??= loadKoffi().then(
    (koffi) =>
      bindKernel32(koffi, {
        kernel32: koffi.load('kernel32.dll'),
        cfgmgr32: koffi.load('cfgmgr32.dll'),
      }),
    (e: unknown) => {
      bound = undefined;
      throw e;
    },
  );
  return bound;
}
