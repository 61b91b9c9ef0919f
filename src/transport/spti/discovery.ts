// Finding Windows optical drives without touching their discs. Every handle here is opened with
// access 0, which CreateFileW documents as querying device metadata without accessing the
// device: Windows mounts no file system for it and the drive need not spin up, so listing
// drives or resolving an address leaves the discs alone. The queries used (device number,
// storage properties) need no access rights on the handle.

import type { DwError } from '../../errors.js';
import { DRIVE_CDROM, loadKernel32, type Handle, type Kernel32 } from './kernel32.js';
import {
  FILE_DEVICE_CD_ROM,
  IoctlCode,
  StoragePropertyId,
  busTypeName,
  decodeStorageDeviceDescriptor,
  decodeStorageDeviceNumber,
  encodeStoragePropertyQuery,
} from './layout.js';
import { IoctlBlock } from './memory.js';
import { win32Error } from './status.js';

/** Bytes asked for a storage property descriptor (the device descriptor carries strings). */
const PROPERTY_BYTES = 1024;

/** A storage property descriptor of the device behind `handle`, or undefined when refused. */
export async function queryProperty(
  block: IoctlBlock,
  handle: Handle,
  id: number,
): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; error: number }> {
  const r = await block.call(
    handle,
    IoctlCode.IOCTL_STORAGE_QUERY_PROPERTY,
    encodeStoragePropertyQuery(id),
    PROPERTY_BYTES,
  );
  return r.ok ? { ok: true, bytes: r.output } : r;
}

/** N of `\\.\CdRomN` for the device behind `handle`; undefined when it is not a CD-ROM device. */
export async function cdromNumber(
  block: IoctlBlock,
  handle: Handle,
): Promise<{ ok: true; number: number | undefined } | { ok: false; error: number }> {
  const r = await block.call(handle, IoctlCode.IOCTL_STORAGE_GET_DEVICE_NUMBER, undefined, 12);
  if (!r.ok) return r;
  if (r.output.length < 8) return { ok: true, number: undefined };
  const n = decodeStorageDeviceNumber(r.output);
  return { ok: true, number: n.deviceType === FILE_DEVICE_CD_ROM ? n.deviceNumber : undefined };
}

/** Open `path` query-only, run `use`, close. */
export async function withQueryHandle<T>(
  k32: Kernel32,
  path: string,
  use: (h: Handle) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: number }> {
  const opened = await k32.createFile(path, 0);
  if (opened.value === undefined) return { ok: false, error: opened.error };
  try {
    return { ok: true, value: await use(opened.value) };
  } finally {
    k32.closeHandle(opened.value);
  }
}

/** Drive letters (`D:`) of CD-ROM class devices, by device number. */
export async function cdromLetters(
  k32: Kernel32,
  block: IoctlBlock,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const mask = k32.getLogicalDrives();
  for (let i = 0; i < 26; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const letter = String.fromCharCode(65 + i);
    if (k32.getDriveType(`${letter}:\\`) !== DRIVE_CDROM) continue;
    const r = await withQueryHandle(k32, `\\\\.\\${letter}:`, (h) => cdromNumber(block, h));
    const n = r.ok && r.value.ok ? r.value.number : undefined;
    if (n !== undefined) out.set(n, [...(out.get(n) ?? []), `${letter}:`]);
  }
  return out;
}

/** The GUID_DEVINTERFACE_CDROM path of CD-ROM device N, when one is present. */
export async function cdromInterfacePath(
  k32: Kernel32,
  block: IoctlBlock,
  n: number,
): Promise<string | undefined> {
  for (const path of k32.cdromInterfacePaths()) {
    const r = await withQueryHandle(k32, path, (h) => cdromNumber(block, h));
    if (r.ok && r.value.ok && r.value.number === n) return path;
  }
  return undefined;
}

/** One Windows optical drive. */
export interface WindowsRecorderInfo {
  /** What to open: the first drive letter, else `\\.\CdRomN`. */
  readonly path: string;
  /** `\\.\CdRomN`, or the interface path when the device number could not be read. */
  readonly devicePath: string;
  /** The CD-ROM device interface path the transport sends commands through. */
  readonly interfacePath: string;
  readonly driveLetters: readonly string[];
  readonly legacyDeviceNumber: number;
  readonly vendor: string;
  readonly model: string;
  readonly revision: string;
  readonly busType: string;
  /** What the query-only probe could not learn, and why (only what Windows reported). */
  readonly problem?: { readonly code: string; readonly hr: number; readonly message: string };
}

/**
 * The CD-ROM class devices of this Windows machine (their device interfaces), with drive
 * letters, ordered by device number. Empty on other systems.
 */
export async function listWindowsRecorders(): Promise<WindowsRecorderInfo[]> {
  if (process.platform !== 'win32') return [];
  return listWindowsRecordersWith(await loadKernel32());
}

/** listWindowsRecorders over the given bindings (tests pass a double). */
export async function listWindowsRecordersWith(k32: Kernel32): Promise<WindowsRecorderInfo[]> {
  const block = new IoctlBlock(k32);
  try {
    const letters = await cdromLetters(k32, block);
    const out: WindowsRecorderInfo[] = [];
    for (const interfacePath of k32.cdromInterfacePaths()) {
      const probed = await withQueryHandle(k32, interfacePath, async (h) => ({
        number: await cdromNumber(block, h),
        device: await queryProperty(block, h, StoragePropertyId.StorageDeviceProperty),
      }));
      let problem: DwError | undefined;
      let n = -1;
      let desc: ReturnType<typeof decodeStorageDeviceDescriptor> | undefined;
      if (!probed.ok) {
        problem = win32Error(probed.error, { op: 'open', path: interfacePath });
      } else {
        const { number, device } = probed.value;
        if (number.ok && number.number !== undefined) n = number.number;
        if (device.ok && device.bytes.length >= 32)
          desc = decodeStorageDeviceDescriptor(device.bytes);
        else if (!device.ok)
          problem = win32Error(device.error, { op: 'ioctl', path: interfacePath });
      }
      const devicePath = n >= 0 ? `\\\\.\\CdRom${n}` : interfacePath;
      const driveLetters = n >= 0 ? (letters.get(n) ?? []) : [];
      out.push({
        path: driveLetters[0] ?? devicePath,
        devicePath,
        interfacePath,
        driveLetters,
        legacyDeviceNumber: n,
        vendor: desc?.vendorId ?? '',
        model: desc?.productId ?? '',
        revision: desc?.productRevision ?? '',
        busType: desc === undefined ? 'unknown' : busTypeName(desc.busType),
        ...(problem === undefined
          ? {}
          : { problem: { code: problem.code, hr: problem.hr, message: problem.message } }),
      });
    }
    return out.sort((a, b) => a.legacyDeviceNumber - b.legacyDeviceNumber);
  } finally {
    await block.free();
  }
}
