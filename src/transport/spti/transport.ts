// The Windows SPTI transport: one optical drive through IOCTL_SCSI_PASS_THROUGH_DIRECT on
// `\\.\CdRomN` or `\\.\D:`, with exclusive access through IOCTL_CDROM_EXCLUSIVE_ACCESS (the lock
// IMAPI2 itself takes) and media-change suppression through IOCTL_STORAGE_MCN_CONTROL.
// Untested on hardware until someone runs the hardware suite on Windows (docs/local-drives.md).

import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import { DwError, HR } from '../../errors.js';
import { CommandGate } from '../gate.js';
import {
  TransportErrors,
  type ExclusiveAccessHooks,
  type ExecuteOptions,
  type PlatformInfo,
  type Transport,
  type TransportLimits,
} from '../transport.js';
import { parseWindowsDriveAddress, type WindowsDriveAddress } from './address.js';
import {
  DRIVE_CDROM,
  GENERIC_READ,
  GENERIC_WRITE,
  loadKernel32,
  type Handle,
  type Kernel32,
} from './kernel32.js';
import {
  CdromLockFlag,
  ExclusiveAccessRequest,
  FILE_DEVICE_CD_ROM,
  IoctlCode,
  ScsiIoctlData,
  SPTI_SENSE_LENGTH,
  StoragePropertyId,
  adapterTransferLimits,
  busTypeName,
  decodeCdromExclusiveLockState,
  decodeSptdReply,
  decodeStorageAdapterDescriptor,
  decodeStorageDeviceDescriptor,
  decodeStorageDeviceNumber,
  encodeCdromExclusiveAccess,
  encodeCdromExclusiveLock,
  encodeSptd,
  encodeStoragePropertyQuery,
  sptdLayout,
  type SptdLayout,
} from './layout.js';
import { Win32Error, sptdResult, sptdTimeoutSeconds, win32Error } from './status.js';

export const DEFAULT_SPTI_TIMEOUT_MS = 60_000;

/** A view of `length` bytes whose address is a multiple of `alignment` (a power of two). */
export function alignedBuffer(
  length: number,
  alignment: number,
  addressOf: (b: Uint8Array) => bigint,
): Uint8Array {
  if (alignment <= 1 || length === 0) return new Uint8Array(length);
  const raw = new Uint8Array(length + alignment - 1);
  const skew = Number(addressOf(raw) % BigInt(alignment));
  const start = skew === 0 ? 0 : alignment - skew;
  return raw.subarray(start, start + length);
}

async function ioctl(
  k32: Kernel32,
  handle: Handle,
  code: number,
  input: Uint8Array | undefined,
  output: Uint8Array | undefined,
): Promise<{ ok: true; bytes: number } | { ok: false; error: number }> {
  const r = await k32.deviceIoControl(handle, code, input, output);
  return r.value < 0 ? { ok: false, error: r.error } : { ok: true, bytes: r.value };
}

async function queryProperty(k32: Kernel32, handle: Handle, id: number) {
  const out = new Uint8Array(1024);
  const r = await ioctl(
    k32,
    handle,
    IoctlCode.IOCTL_STORAGE_QUERY_PROPERTY,
    encodeStoragePropertyQuery(id),
    out,
  );
  return r.ok ? out.subarray(0, r.bytes) : undefined;
}

async function deviceNumber(k32: Kernel32, handle: Handle): Promise<number | undefined> {
  const out = new Uint8Array(12);
  const r = await ioctl(k32, handle, IoctlCode.IOCTL_STORAGE_GET_DEVICE_NUMBER, undefined, out);
  if (!r.ok) return undefined;
  const n = decodeStorageDeviceNumber(out);
  return n.deviceType === FILE_DEVICE_CD_ROM ? n.deviceNumber : undefined;
}

/** Drive letters of CD-ROM class devices, by device number. */
async function cdromLetters(k32: Kernel32): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const mask = k32.getLogicalDrives();
  for (let i = 0; i < 26; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const letter = String.fromCharCode(65 + i);
    if (k32.getDriveType(`${letter}:\\`) !== DRIVE_CDROM) continue;
    const h = await k32.createFile(`\\\\.\\${letter}:`, 0);
    if (h.value === undefined) continue;
    try {
      const n = await deviceNumber(k32, h.value);
      if (n !== undefined) out.set(n, [...(out.get(n) ?? []), `${letter}:`]);
    } finally {
      k32.closeHandle(h.value);
    }
  }
  return out;
}

class WindowsExclusiveAccess implements ExclusiveAccessHooks {
  private holder = '';
  constructor(private readonly t: SptiTransport) {}

  async acquire(force: boolean, clientName: string): Promise<void> {
    const flags = force ? CdromLockFlag.CDROM_LOCK_IGNORE_VOLUME : 0;
    const r = await this.t.control(
      IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS,
      encodeCdromExclusiveLock(clientName, flags),
      undefined,
    );
    if (!r.ok) {
      const owner = await this.owner().catch(() => '');
      if (owner !== '') {
        throw new DwError(HR.E_IMAPI_RECORDER_LOCKED, {
          message: `exclusive access to ${this.t.address} is held by '${owner}'`,
        });
      }
      throw win32Error(r.error, { op: 'lock', path: this.t.address });
    }
    this.holder = clientName;
  }

  async release(): Promise<void> {
    if (this.holder === '') return;
    this.holder = '';
    await this.t.control(
      IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS,
      encodeCdromExclusiveAccess(ExclusiveAccessRequest.ExclusiveAccessUnlockDevice),
      undefined,
    );
  }

  async owner(): Promise<string> {
    if (this.holder !== '') return this.holder;
    const out = new Uint8Array(65);
    const r = await this.t.control(
      IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS,
      encodeCdromExclusiveAccess(ExclusiveAccessRequest.ExclusiveAccessQueryState),
      out,
    );
    if (!r.ok) return '';
    const s = decodeCdromExclusiveLockState(out);
    return s.lockState ? s.callerName || 'another program' : '';
  }
}

class SptiTransport implements Transport {
  readonly exclusiveAccess: ExclusiveAccessHooks;
  private handle: Handle | undefined;
  private readonly gate = new CommandGate();
  private readonly layout: SptdLayout;

  constructor(
    readonly address: string,
    private readonly target: WindowsDriveAddress,
    handle: Handle,
    private readonly k32: Kernel32,
    private readonly info: {
      limits: TransportLimits;
      deviceNumber: number;
      letters: string[];
      volumeName: string | undefined;
    },
  ) {
    this.handle = handle;
    this.layout = sptdLayout(k32.pointerBytes);
    this.exclusiveAccess = new WindowsExclusiveAccess(this);
  }

  /** A non-SCSI control call on the drive handle (serialised with commands by the caller). */
  async control(code: number, input: Uint8Array | undefined, output: Uint8Array | undefined) {
    if (this.handle === undefined) throw TransportErrors.closed(this.address);
    return ioctl(this.k32, this.handle, code, input, output);
  }

  async execute(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    return this.gate.run(
      this.address,
      command,
      options.signal,
      () => this.handle !== undefined,
      () => this.issue(this.handle!, command, options.timeoutMs ?? DEFAULT_SPTI_TIMEOUT_MS),
    );
  }

  private async issue(
    handle: Handle,
    command: ScsiCommand,
    timeoutMs: number,
  ): Promise<ScsiResult> {
    if (command.cdb.length < 1 || command.cdb.length > 16) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `${command.name}: a CDB of ${command.cdb.length} bytes cannot be sent (1..16)`,
        command: command.name,
      });
    }
    const length =
      command.direction === 'in'
        ? (command.allocationLength ?? 0)
        : command.direction === 'out'
          ? (command.dataOut?.length ?? 0)
          : 0;
    const data = alignedBuffer(length, this.info.limits.alignment, (b) => this.k32.address(b));
    if (command.direction === 'out' && command.dataOut !== undefined) data.set(command.dataOut);
    const buffer = encodeSptd(this.layout, {
      cdb: command.cdb,
      dataIn:
        length === 0
          ? ScsiIoctlData.SCSI_IOCTL_DATA_UNSPECIFIED
          : command.direction === 'in'
            ? ScsiIoctlData.SCSI_IOCTL_DATA_IN
            : ScsiIoctlData.SCSI_IOCTL_DATA_OUT,
      dataTransferLength: length,
      timeOutValue: sptdTimeoutSeconds(timeoutMs),
      dataBuffer: this.k32.address(data),
      senseInfoLength: SPTI_SENSE_LENGTH,
    });
    let r;
    try {
      r = await this.k32.deviceIoControl(
        handle,
        IoctlCode.IOCTL_SCSI_PASS_THROUGH_DIRECT,
        buffer,
        buffer,
      );
    } catch (e) {
      throw TransportErrors.io(`pass-through on ${this.address} failed: ${String(e)}`, e);
    }
    if (r.value < 0) {
      throw win32Error(r.error, { op: 'ioctl', path: this.address, command, timeoutMs });
    }
    return sptdResult(command, decodeSptdReply(this.layout, buffer), length, data);
  }

  limits(): TransportLimits {
    return this.info.limits;
  }

  platform(): PlatformInfo {
    return {
      volumeName: this.info.volumeName ?? this.target.devicePath,
      volumePathNames: this.info.letters.map((l) => `${l}\\`),
      legacyDeviceNumber: this.info.deviceNumber,
    };
  }

  /** Best effort: IOCTL_STORAGE_MCN_CONTROL switches the class driver's media-change events. */
  async setMediaChangeNotification(enabled: boolean): Promise<void> {
    await this.control(
      IoctlCode.IOCTL_STORAGE_MCN_CONTROL,
      Uint8Array.of(enabled ? 0 : 1),
      undefined,
    );
  }

  async close(): Promise<void> {
    const h = this.handle;
    if (h === undefined) return;
    this.handle = undefined;
    await this.gate.drain();
    await ioctl(
      this.k32,
      h,
      IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS,
      encodeCdromExclusiveAccess(ExclusiveAccessRequest.ExclusiveAccessUnlockDevice),
      undefined,
    ).catch(() => undefined);
    this.k32.closeHandle(h);
  }
}

/** Open a Windows optical drive: `D:`, `\\.\D:`, `\\.\CdRom0` or `cdrom0`. */
export async function openSptiTransport(address: string): Promise<Transport> {
  const target = parseWindowsDriveAddress(address);
  if (target === undefined) {
    throw new DwError(HR.E_INVALIDARG, {
      message: `'${address}' is not a Windows drive address (use D: or \\\\.\\CdRom0)`,
    });
  }
  const k32 = await loadKernel32();
  const opened = await k32.createFile(target.devicePath, GENERIC_READ | GENERIC_WRITE);
  if (opened.value === undefined) {
    throw win32Error(opened.error, { op: 'open', path: address });
  }
  const handle = opened.value;
  try {
    const adapter = await queryProperty(k32, handle, StoragePropertyId.StorageAdapterProperty);
    const device = await queryProperty(k32, handle, StoragePropertyId.StorageDeviceProperty);
    let limits: TransportLimits = {
      maxPageAlignedTransferBytes: 65536,
      maxNonPageAlignedTransferBytes: 61440,
      alignment: 1,
      busType: 'unknown',
    };
    if (adapter !== undefined && adapter.length >= 25) {
      const d = decodeStorageAdapterDescriptor(adapter);
      const l = adapterTransferLimits(d);
      limits = {
        maxPageAlignedTransferBytes: l.pageAligned,
        maxNonPageAlignedTransferBytes: l.nonPageAligned,
        alignment: l.alignment,
        busType: busTypeName(d.busType),
      };
    }
    if (device !== undefined && device.length >= 32 && limits.busType === 'unknown') {
      limits = { ...limits, busType: busTypeName(decodeStorageDeviceDescriptor(device).busType) };
    }
    const n = (await deviceNumber(k32, handle)) ?? target.cdromNumber ?? -1;
    const letters =
      target.driveLetter !== undefined
        ? [`${target.driveLetter}:`]
        : n >= 0
          ? ((await cdromLetters(k32)).get(n) ?? [])
          : [];
    const first = letters[0];
    const volumeName = first === undefined ? undefined : k32.volumeNameForMountPoint(`${first}\\`);
    return new SptiTransport(address, target, handle, k32, {
      limits,
      deviceNumber: n,
      letters,
      volumeName,
    });
  } catch (e) {
    k32.closeHandle(handle);
    throw e;
  }
}

/** One Windows optical drive. */
export interface WindowsRecorderInfo {
  /** What to open: the first drive letter, else `\\.\CdRomN`. */
  readonly path: string;
  readonly devicePath: string;
  readonly driveLetters: readonly string[];
  readonly legacyDeviceNumber: number;
  readonly vendor: string;
  readonly model: string;
  readonly revision: string;
  readonly busType: string;
  /** Why the drive could not be opened for commands, when it could not. */
  readonly problem?: { readonly code: string; readonly hr: number; readonly message: string };
}

/**
 * The CD-ROM class devices of this Windows machine (`\\.\CdRom0` … until several numbers in a row
 * are missing), with their drive letters. Empty on other systems.
 */
export async function listWindowsRecorders(): Promise<WindowsRecorderInfo[]> {
  if (process.platform !== 'win32') return [];
  const k32 = await loadKernel32();
  const letters = await cdromLetters(k32);
  const out: WindowsRecorderInfo[] = [];
  let misses = 0;
  for (let n = 0; n < 64 && misses < 8; n++) {
    const devicePath = `\\\\.\\CdRom${n}`;
    const q = await k32.createFile(devicePath, 0);
    if (q.value === undefined) {
      misses++;
      continue;
    }
    misses = 0;
    let vendor = '';
    let model = '';
    let revision = '';
    let busType = 'unknown';
    try {
      const d = await queryProperty(k32, q.value, StoragePropertyId.StorageDeviceProperty);
      if (d !== undefined && d.length >= 32) {
        const desc = decodeStorageDeviceDescriptor(d);
        vendor = desc.vendorId;
        model = desc.productId;
        revision = desc.productRevision;
        busType = busTypeName(desc.busType);
      }
    } finally {
      k32.closeHandle(q.value);
    }
    const rw = await k32.createFile(devicePath, GENERIC_READ | GENERIC_WRITE);
    if (rw.value !== undefined) k32.closeHandle(rw.value);
    const err =
      rw.value === undefined ? win32Error(rw.error, { op: 'open', path: devicePath }) : undefined;
    const driveLetters = letters.get(n) ?? [];
    out.push({
      path: driveLetters[0] ?? devicePath,
      devicePath,
      driveLetters,
      legacyDeviceNumber: n,
      vendor,
      model,
      revision,
      busType,
      ...(err === undefined
        ? {}
        : { problem: { code: err.code, hr: err.hr, message: err.message } }),
    });
  }
  return out;
}

export { Win32Error };
