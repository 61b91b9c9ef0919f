// The Windows SPTI transport: one optical drive through IOCTL_SCSI_PASS_THROUGH_DIRECT on its
// CD-ROM device interface (`\\?\…#{53f56308-b6bf-11d0-94f2-00a0c91efb8b}`), the path IMAPI2
// opens. A drive letter or `\\.\CdRomN` names the drive; it is resolved query-only to that
// interface, because opening the letter or `\\.\CdRomN` for reading and writing makes Windows
// mount a file system on the disc and route the handle through it. Exclusive access is in
// exclusive.ts, native memory in memory.ts, finding drives in discovery.ts.
// Untested on hardware until someone runs the hardware suite on Windows (docs/local-drives.md).

import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import { DwError, HR } from '../../errors.js';
import { CommandGate } from '../gate.js';
import { MAX_NATIVE_DATA_BYTES } from '../native-memory.js';
import {
  TransportErrors,
  type ExecuteOptions,
  type PlatformInfo,
  type Transport,
  type TransportLimits,
} from '../transport.js';
import { parseWindowsDriveAddress, type WindowsDriveAddress } from './address.js';
import {
  cdromInterfacePath,
  cdromLetters,
  cdromNumber,
  queryProperty,
  withQueryHandle,
} from './discovery.js';
import { WindowsExclusiveAccess } from './exclusive.js';
import {
  GENERIC_READ,
  GENERIC_WRITE,
  loadKernel32,
  type Handle,
  type Kernel32,
} from './kernel32.js';
import {
  IoctlCode,
  ScsiIoctlData,
  SPTI_SENSE_LENGTH,
  StoragePropertyId,
  adapterTransferLimits,
  busTypeName,
  decodeSptdReply,
  decodeStorageAdapterDescriptor,
  decodeStorageDeviceDescriptor,
  encodeSptd,
  sptdLayout,
} from './layout.js';
import { IoctlBlock, PAGE_BYTES, SptiCommandMemory, type IoctlOutcome } from './memory.js';
import { Win32Error, sptdResult, sptdTimeoutSeconds, win32Error } from './status.js';

export const DEFAULT_SPTI_TIMEOUT_MS = 60_000;

/** What openSptiTransport learnt about the drive. */
export interface SptiDriveInfo {
  readonly interfacePath: string;
  readonly limits: TransportLimits;
  readonly deviceNumber: number;
  readonly letters: readonly string[];
  readonly volumeName: string | undefined;
}

/**
 * Transfer limits for a data buffer that is always page-aligned: the page-aligned limit is the
 * one that applies; the unaligned one is reported for IDiscRecorder2Ex only.
 */
export function sptiLimits(
  adapter: ReturnType<typeof decodeStorageAdapterDescriptor> | undefined,
  busType: string,
): TransportLimits {
  if (adapter === undefined) {
    return {
      maxPageAlignedTransferBytes: 65536,
      maxNonPageAlignedTransferBytes: 61440,
      alignment: 1,
      busType,
    };
  }
  const l = adapterTransferLimits(adapter, PAGE_BYTES);
  return {
    maxPageAlignedTransferBytes: Math.min(l.pageAligned, MAX_NATIVE_DATA_BYTES),
    maxNonPageAlignedTransferBytes: Math.min(l.nonPageAligned, MAX_NATIVE_DATA_BYTES),
    alignment: l.alignment,
    busType,
  };
}

class SptiTransport implements Transport {
  readonly exclusiveAccess: WindowsExclusiveAccess;
  #handle: Handle | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  readonly #gate = new CommandGate();
  readonly #memory: SptiCommandMemory;
  readonly #controls: IoctlBlock;
  readonly #k32: Kernel32;
  readonly #info: SptiDriveInfo;

  constructor(
    readonly address: string,
    handle: Handle,
    k32: Kernel32,
    info: SptiDriveInfo,
  ) {
    this.#k32 = k32;
    this.#info = info;
    this.#handle = handle;
    this.#memory = new SptiCommandMemory(k32, sptdLayout(k32.pointerBytes), info.limits.alignment);
    this.#controls = new IoctlBlock(k32);
    this.exclusiveAccess = new WindowsExclusiveAccess(k32, this.#controls, {
      address,
      volumePaths: info.letters.map((l) => `\\\\.\\${l}`),
      drive: () => this.#handle,
    });
  }

  /** A control IOCTL on the drive handle (queued with the other control calls). */
  async control(code: number, input?: Uint8Array, outputBytes = 0): Promise<IoctlOutcome> {
    if (this.#handle === undefined) throw TransportErrors.closed(this.address);
    return this.#controls.call(this.#handle, code, input, outputBytes);
  }

  async execute(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    return this.#gate.run(
      this.address,
      command,
      options.signal,
      () => this.#handle !== undefined && !this.#closing,
      () =>
        this.#issue(
          this.#handle!,
          command,
          options.timeoutMs ?? DEFAULT_SPTI_TIMEOUT_MS,
          options.signal,
        ),
    );
  }

  async #issue(
    handle: Handle,
    command: ScsiCommand,
    timeoutMs: number,
    signal: AbortSignal | undefined,
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
    const max = this.#info.limits.maxPageAlignedTransferBytes;
    if (length > max) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `${command.name}: ${length} bytes exceed the adapter's transfer limit of ${max}`,
        command: command.name,
        cdb: command.cdb,
      });
    }
    const memory = this.#memory;
    const data = length > 0 ? memory.data.ensure(length) : undefined;
    if (command.direction === 'out' && data !== undefined) data.write(command.dataOut!);
    memory.writeSptd(
      encodeSptd(memory.layout, {
        cdb: command.cdb,
        dataIn:
          length === 0
            ? ScsiIoctlData.SCSI_IOCTL_DATA_UNSPECIFIED
            : command.direction === 'in'
              ? ScsiIoctlData.SCSI_IOCTL_DATA_IN
              : ScsiIoctlData.SCSI_IOCTL_DATA_OUT,
        dataTransferLength: length,
        timeOutValue: sptdTimeoutSeconds(timeoutMs),
        dataBuffer: data?.address ?? 0n,
        senseInfoLength: SPTI_SENSE_LENGTH,
      }),
    );
    // An abort asks Windows to cancel the call (CancelIoEx). The gate has already rejected the
    // caller; it still waits for this call to return before the next command or close.
    const cancel = () => void this.#k32.cancelIo(handle);
    signal?.addEventListener('abort', cancel, { once: true });
    let r;
    try {
      r = await this.#k32.deviceIoControl(handle, IoctlCode.IOCTL_SCSI_PASS_THROUGH_DIRECT, {
        input: memory.sptd,
        inputBytes: memory.layout.totalSize,
        output: memory.sptd,
        outputBytes: memory.layout.totalSize,
        returned: memory.returned,
      });
    } catch (e) {
      throw TransportErrors.io(`pass-through on ${this.address} failed: ${String(e)}`, e);
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
    // ERROR_MORE_DATA is a warning status: the structure came back, the drive had more data
    // than the allocation length (an overrun), and what fits is in the buffer.
    if (!r.value && r.error !== Win32Error.ERROR_MORE_DATA) {
      throw win32Error(r.error, { op: 'ioctl', path: this.address, command, timeoutMs });
    }
    const reply = decodeSptdReply(memory.layout, memory.readSptd());
    return sptdResult(
      command,
      reply,
      length,
      data === undefined ? undefined : (n) => data.read(0, n),
    );
  }

  limits(): TransportLimits {
    return this.#info.limits;
  }

  platform(): PlatformInfo {
    return {
      volumeName: this.#info.volumeName ?? this.#info.interfacePath,
      volumePathNames: this.#info.letters.map((l) => `${l}\\`),
      legacyDeviceNumber: this.#info.deviceNumber,
    };
  }

  /** Best effort: IOCTL_STORAGE_MCN_CONTROL switches the class driver's media-change events. */
  async setMediaChangeNotification(enabled: boolean): Promise<void> {
    // PREVENT_MEDIA_REMOVAL.PreventMediaRemoval: TRUE stops the notifications.
    await this.control(IoctlCode.IOCTL_STORAGE_MCN_CONTROL, Uint8Array.of(enabled ? 0 : 1));
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutDown();
    return this.#closed;
  }

  async #shutDown(): Promise<void> {
    const h = this.#handle;
    if (h === undefined) return;
    this.#closing = true;
    // Native memory is freed only once nothing can still be using it: the running command
    // (also one whose caller was aborted) and every queued control call.
    await this.#gate.drain();
    await this.exclusiveAccess.release().catch(() => undefined);
    this.#handle = undefined;
    await this.#controls.free();
    this.#memory.free();
    this.#k32.closeHandle(h);
  }
}

/** Open a Windows optical drive: `D:`, `\\.\D:`, `\\.\CdRom0` or `cdrom0`. */
export async function openSptiTransport(address: string): Promise<Transport> {
  const target = parse(address);
  return openSptiTransportWith(await loadKernel32(), address, target);
}

function parse(address: string): WindowsDriveAddress {
  const target = parseWindowsDriveAddress(address);
  if (target === undefined) {
    throw new DwError(HR.E_INVALIDARG, {
      message: `'${address}' is not a Windows drive address (use D: or \\\\.\\CdRom0)`,
    });
  }
  return target;
}

/** openSptiTransport over the given bindings (tests pass a double). */
export async function openSptiTransportWith(
  k32: Kernel32,
  address: string,
  target: WindowsDriveAddress = parse(address),
): Promise<Transport> {
  const block = new IoctlBlock(k32);
  try {
    // Which CD-ROM device the address names, asked without access so nothing mounts.
    const probed = await withQueryHandle(k32, target.devicePath, (h) => cdromNumber(block, h));
    if (!probed.ok) throw win32Error(probed.error, { op: 'open', path: address });
    if (!probed.value.ok) throw win32Error(probed.value.error, { op: 'ioctl', path: address });
    const n = probed.value.number;
    if (n === undefined) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `${address} is not an optical drive (not a CD-ROM class device)`,
        hint: 'Use an optical drive letter (D:) or \\\\.\\CdRomN; `discwright devices` lists them.',
      });
    }
    const interfacePath = await cdromInterfacePath(k32, block, n);
    if (interfacePath === undefined) {
      throw new DwError(HR.ERROR_DEV_NOT_EXIST, {
        message: `no CD-ROM device interface is present for \\\\.\\CdRom${n} (${address})`,
      });
    }
    const opened = await k32.createFile(interfacePath, GENERIC_READ | GENERIC_WRITE);
    if (opened.value === undefined) throw win32Error(opened.error, { op: 'open', path: address });
    const handle = opened.value;
    try {
      const info = await describeDrive(k32, block, handle, target, n, interfacePath);
      return new SptiTransport(address, handle, k32, info);
    } catch (e) {
      k32.closeHandle(handle);
      throw e;
    }
  } finally {
    await block.free();
  }
}

async function describeDrive(
  k32: Kernel32,
  block: IoctlBlock,
  handle: Handle,
  target: WindowsDriveAddress,
  n: number,
  interfacePath: string,
): Promise<SptiDriveInfo> {
  const adapter = await queryProperty(block, handle, StoragePropertyId.StorageAdapterProperty);
  const device = await queryProperty(block, handle, StoragePropertyId.StorageDeviceProperty);
  const a =
    adapter.ok && adapter.bytes.length >= 25
      ? decodeStorageAdapterDescriptor(adapter.bytes)
      : undefined;
  const bus =
    a !== undefined && a.busType !== 0
      ? a.busType
      : device.ok && device.bytes.length >= 32
        ? decodeStorageDeviceDescriptor(device.bytes).busType
        : 0;
  const letters =
    target.driveLetter !== undefined
      ? [`${target.driveLetter}:`]
      : ((await cdromLetters(k32, block)).get(n) ?? []);
  const first = letters[0];
  return {
    interfacePath,
    limits: sptiLimits(a, busTypeName(bus)),
    deviceNumber: n,
    letters,
    volumeName: first === undefined ? undefined : k32.volumeNameForMountPoint(`${first}\\`),
  };
}
