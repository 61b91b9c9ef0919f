// A double of the Win32 calls behind the SPTI transport, for tests on any OS. It plays the parts
// of Windows the transport relies on, as documented: a volume open with data access mounts the
// disc's file system, an open with access 0 does not; the CD-ROM class driver's exclusive lock
// is refused while a file system is mounted (ERROR_BAD_COMMAND) unless
// CDROM_LOCK_IGNORE_VOLUME is set, and while another handle holds it (ERROR_ACCESS_DENIED);
// FSCTL_LOCK_VOLUME is refused while files are open; the port driver refuses a data buffer that
// is misaligned for the adapter or spans more physical pages than it maps.
// It reads and writes the transport's buffers at the addresses it is given, in real native
// memory (koffi), the way the port driver does, and records a violation instead of touching
// memory the transport has already freed. Structure offsets are written out here from the SDK
// layout (x64), independently of src/transport/spti/layout.ts.

import type { Koffi } from '../../src/transport/koffi.js';
import { NativeBuffer, NativeDataBuffer } from '../../src/transport/native-memory.js';
import type {
  Handle,
  IoctlBuffers,
  Kernel32,
  Win32Result,
} from '../../src/transport/spti/kernel32.js';

export const W = {
  ERROR_FILE_NOT_FOUND: 2,
  ERROR_ACCESS_DENIED: 5,
  ERROR_INVALID_FUNCTION: 1,
  ERROR_NOT_READY: 21,
  ERROR_BAD_COMMAND: 22,
  ERROR_INVALID_PARAMETER: 87,
  ERROR_MORE_DATA: 234,
  ERROR_OPERATION_ABORTED: 995,
  ERROR_NOT_FOUND: 1168,
} as const;

export const CODE = {
  PASS_THROUGH_DIRECT: 0x4d014,
  GET_DEVICE_NUMBER: 0x2d1080,
  QUERY_PROPERTY: 0x2d1400,
  MCN_CONTROL: 0x2d0944,
  CDROM_EXCLUSIVE_ACCESS: 0x2c05c,
  FSCTL_LOCK_VOLUME: 0x90018,
  FSCTL_UNLOCK_VOLUME: 0x9001c,
  FSCTL_DISMOUNT_VOLUME: 0x90020,
} as const;

/** What the drive answers to one pass-through. */
export interface Reply {
  readonly status?: number;
  readonly dataIn?: Uint8Array;
  readonly sense?: Uint8Array;
  /** Fail the DeviceIoControl with this Win32 error (ERROR_MORE_DATA still fills the buffers). */
  readonly error?: number;
}

export interface PassThrough {
  readonly cdb: Uint8Array;
  readonly dataIn: number;
  readonly length: number;
  readonly timeOutValue: number;
  readonly dataBuffer: bigint;
  readonly senseInfoLength: number;
  readonly dataOut: Uint8Array | undefined;
  /** Set by cancelIo while the call is in flight. */
  cancelled: boolean;
}

export interface FakeDrive {
  readonly number: number;
  readonly interfacePath: string;
  readonly letters: string[];
  readonly adapter: {
    maximumTransferLength: number;
    maximumPhysicalPages: number;
    alignmentMask: number;
    busType: number;
  };
  readonly vendor: string;
  readonly product: string;
  readonly revision: string;
  disc: boolean;
  /** A file system is mounted on the disc. */
  mounted: boolean;
  /** Files on that file system are open (FSCTL_LOCK_VOLUME refuses). */
  openFiles: boolean;
  lockOwner: { handle: Handle | undefined; name: string } | undefined;
  volumeLockedBy: Handle | undefined;
  /** The drive's answer; may wait (a command in flight). `pt.cancelled` tells of CancelIoEx. */
  respond: (pt: PassThrough) => Reply | Promise<Reply>;
}

interface OpenHandle {
  readonly path: string;
  readonly access: number;
  readonly drive: FakeDrive;
  readonly kind: 'interface' | 'volume';
}

export function fakeDrive(overrides: Partial<FakeDrive> = {}): FakeDrive {
  return {
    number: 0,
    interfacePath: '\\\\?\\ide#cdromhl-dt-st#5&1&0&0#{53f56308-b6bf-11d0-94f2-00a0c91efb8b}',
    letters: ['D'],
    adapter: {
      maximumTransferLength: 0x20000,
      maximumPhysicalPages: 33,
      alignmentMask: 1,
      busType: 0x0b,
    },
    vendor: 'HL-DT-ST',
    product: 'DVDRAM GH24NSD1',
    revision: 'LG00',
    disc: true,
    mounted: false,
    openFiles: false,
    lockOwner: undefined,
    volumeLockedBy: undefined,
    respond: () => ({ status: 0 }),
    ...overrides,
  };
}

class TrackedDataBuffer extends NativeDataBuffer {
  constructor(
    koffi: Koffi,
    alignment: number,
    private readonly seen: NativeBuffer[],
  ) {
    super(koffi, alignment);
  }
  override ensure(byteLength: number): NativeBuffer {
    const b = super.ensure(byteLength);
    if (!this.seen.includes(b)) this.seen.push(b);
    return b;
  }
}

export class FakeWindows implements Kernel32 {
  readonly pointerBytes = 8 as const;
  readonly opens: { path: string; access: number }[] = [];
  readonly controls: { code: number; path: string; input: Uint8Array }[] = [];
  readonly passThroughs: PassThrough[] = [];
  readonly cancels: string[] = [];
  readonly violations: string[] = [];
  readonly buffers: NativeBuffer[] = [];
  readonly handles = new Map<Handle, OpenHandle>();
  /** Calls that have not returned yet. */
  inFlight = 0;
  #next = 0x1000n;
  #running = new Map<Handle, PassThrough>();

  constructor(
    readonly koffi: Koffi,
    readonly drives: FakeDrive[],
  ) {}

  allocate(byteLength: number, alignment?: number): NativeBuffer {
    const b = NativeBuffer.allocate(this.koffi, byteLength, alignment);
    this.buffers.push(b);
    return b;
  }

  dataBuffer(alignment?: number): NativeDataBuffer {
    return new TrackedDataBuffer(this.koffi, alignment ?? 1, this.buffers);
  }

  async createFile(path: string, access: number): Promise<Win32Result<Handle | undefined>> {
    await Promise.resolve();
    this.opens.push({ path, access });
    const volume = /^\\\\\.\\(?:([A-Z]):|CdRom(\d+))$/.exec(path);
    const drive = this.drives.find((d) =>
      volume === null
        ? d.interfacePath === path
        : volume[1] !== undefined
          ? d.letters.includes(volume[1])
          : d.number === Number(volume[2]),
    );
    if (drive === undefined) return { value: undefined, error: W.ERROR_FILE_NOT_FOUND };
    if (volume !== null && access !== 0) {
      // Data access to the volume mounts the file system on the disc (and fails without one).
      if (!drive.disc) return { value: undefined, error: W.ERROR_NOT_READY };
      if (drive.volumeLockedBy !== undefined) {
        return { value: undefined, error: W.ERROR_ACCESS_DENIED };
      }
      drive.mounted = true;
    }
    const h = this.#next++;
    this.handles.set(h, { path, access, drive, kind: volume === null ? 'interface' : 'volume' });
    return { value: h, error: 0 };
  }

  closeHandle(handle: Handle): void {
    const o = this.handles.get(handle);
    if (o === undefined) {
      this.violations.push(`CloseHandle of unknown handle ${handle}`);
      return;
    }
    this.handles.delete(handle);
    // The class driver and the file system drop what the handle held.
    if (o.drive.lockOwner?.handle === handle) o.drive.lockOwner = undefined;
    if (o.drive.volumeLockedBy === handle) o.drive.volumeLockedBy = undefined;
  }

  cancelIo(handle: Handle): Win32Result<boolean> {
    this.cancels.push(this.handles.get(handle)?.path ?? '?');
    const pt = this.#running.get(handle);
    if (pt === undefined) return { value: false, error: W.ERROR_NOT_FOUND };
    pt.cancelled = true;
    return { value: true, error: 0 };
  }

  getLogicalDrives(): number {
    let mask = 0;
    for (const d of this.drives) for (const l of d.letters) mask |= 1 << (l.charCodeAt(0) - 65);
    return mask | 0b100; // C: is a fixed disk
  }

  getDriveType(root: string): number {
    return this.drives.some((d) => d.letters.includes(root[0]!)) ? 5 : 3;
  }

  volumeNameForMountPoint(root: string): string | undefined {
    return `\\\\?\\Volume{0000000${root.charCodeAt(0)}-0000-0000-0000-000000000000}\\`;
  }

  cdromInterfacePaths(): string[] {
    return this.drives.map((d) => d.interfacePath);
  }

  /** Every native buffer the transport allocated has been freed. */
  allFreed(): boolean {
    return this.buffers.every((b) => b.freed);
  }

  #owned(address: bigint, length: number): boolean {
    if (length === 0) return true;
    const ok = this.buffers.some(
      (b) =>
        !b.freed &&
        address >= b.address &&
        address + BigInt(length) <= b.address + BigInt(b.byteLength),
    );
    if (!ok)
      this.violations.push(
        `access to ${length} bytes at 0x${address.toString(16)} outside live native memory`,
      );
    return ok;
  }

  #read(address: bigint, length: number): Uint8Array {
    if (!this.#owned(address, length)) return new Uint8Array(length);
    return length === 0
      ? new Uint8Array(0)
      : (this.koffi.decode(address, 'uint8_t', length) as Uint8Array);
  }

  #write(address: bigint, bytes: Uint8Array): void {
    if (bytes.length === 0 || !this.#owned(address, bytes.length)) return;
    this.koffi.encode(address, 'uint8_t', bytes, bytes.length);
  }

  #u32(value: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return b;
  }

  async deviceIoControl(
    handle: Handle,
    code: number,
    b: IoctlBuffers,
  ): Promise<Win32Result<boolean>> {
    this.inFlight++;
    try {
      const o = this.handles.get(handle);
      if (o === undefined) return { value: false, error: 6 };
      const input = this.#read(b.input, b.inputBytes);
      this.controls.push({ code, path: o.path, input });
      const r =
        code === CODE.PASS_THROUGH_DIRECT
          ? await this.#passThrough(handle, o, b, input)
          : this.#control(handle, o, code, input, b.outputBytes);
      if (r.output !== undefined) {
        const out = r.output.subarray(0, b.outputBytes);
        this.#write(b.output, out);
        this.#write(b.returned, this.#u32(out.length));
      }
      return { value: r.error === 0, error: r.error };
    } finally {
      this.inFlight--;
    }
  }

  #control(
    handle: Handle,
    o: OpenHandle,
    code: number,
    input: Uint8Array,
    outputBytes: number,
  ): { error: number; output?: Uint8Array } {
    const d = o.drive;
    const v = new DataView(input.buffer, input.byteOffset, input.length);
    switch (code) {
      case CODE.GET_DEVICE_NUMBER: {
        const out = new Uint8Array(12);
        out.set(this.#u32(2), 0); // FILE_DEVICE_CD_ROM
        out.set(this.#u32(d.number), 4);
        out.set(this.#u32(0xffffffff), 8);
        return { error: 0, output: out };
      }
      case CODE.QUERY_PROPERTY:
        return {
          error: 0,
          output: v.getUint32(0, true) === 1 ? this.#adapter(d) : this.#device(d),
        };
      case CODE.MCN_CONTROL:
        return { error: 0, output: new Uint8Array(0) };
      case CODE.CDROM_EXCLUSIVE_ACCESS: {
        // FILE_READ_ACCESS | FILE_WRITE_ACCESS in the control code: checked by the I/O manager.
        if (o.access === 0) return { error: W.ERROR_ACCESS_DENIED };
        const type = v.getUint32(0, true);
        if (type === 0) {
          if (outputBytes < 65) return { error: 122 };
          const out = new Uint8Array(65);
          if (d.lockOwner !== undefined) {
            out[0] = 1;
            out.set(Buffer.from(d.lockOwner.name, 'latin1'), 1);
          }
          return { error: 0, output: out };
        }
        if (type === 1) {
          const flags = v.getUint32(4, true);
          const name = Buffer.from(input.subarray(8, 72)).toString('latin1').replace(/\0.*$/s, '');
          if ((flags & 1) === 0 && (d.mounted || o.kind === 'volume'))
            return { error: W.ERROR_BAD_COMMAND };
          if (d.lockOwner !== undefined) return { error: W.ERROR_ACCESS_DENIED };
          d.lockOwner = { handle, name };
          return { error: 0, output: new Uint8Array(0) };
        }
        if (d.lockOwner?.handle === handle) d.lockOwner = undefined;
        return { error: 0, output: new Uint8Array(0) };
      }
      case CODE.FSCTL_LOCK_VOLUME:
        if (o.kind !== 'volume') return { error: W.ERROR_INVALID_FUNCTION };
        if (d.openFiles || (d.volumeLockedBy !== undefined && d.volumeLockedBy !== handle)) {
          return { error: W.ERROR_ACCESS_DENIED };
        }
        d.volumeLockedBy = handle;
        return { error: 0, output: new Uint8Array(0) };
      case CODE.FSCTL_DISMOUNT_VOLUME:
        if (o.kind !== 'volume') return { error: W.ERROR_INVALID_FUNCTION };
        d.mounted = false;
        return { error: 0, output: new Uint8Array(0) };
      case CODE.FSCTL_UNLOCK_VOLUME:
        if (d.volumeLockedBy !== handle) return { error: 158 }; // ERROR_NOT_LOCKED
        d.volumeLockedBy = undefined;
        return { error: 0, output: new Uint8Array(0) };
      default:
        return { error: W.ERROR_INVALID_FUNCTION };
    }
  }

  // STORAGE_ADAPTER_DESCRIPTOR: Version, Size, MaximumTransferLength, MaximumPhysicalPages,
  // AlignmentMask, four BOOLEANs, BusType (byte 24).
  #adapter(d: FakeDrive): Uint8Array {
    const out = new Uint8Array(32);
    out.set(this.#u32(32), 0);
    out.set(this.#u32(32), 4);
    out.set(this.#u32(d.adapter.maximumTransferLength), 8);
    out.set(this.#u32(d.adapter.maximumPhysicalPages), 12);
    out.set(this.#u32(d.adapter.alignmentMask), 16);
    out[24] = d.adapter.busType;
    return out;
  }

  // STORAGE_DEVICE_DESCRIPTOR with its strings after the 36-byte header.
  #device(d: FakeDrive): Uint8Array {
    const strings = Buffer.from(`${d.vendor}\0${d.product}\0${d.revision}\0`, 'latin1');
    const out = new Uint8Array(36 + strings.length);
    out.set(this.#u32(1), 0);
    out.set(this.#u32(out.length), 4);
    out[8] = 5;
    out[10] = 1;
    out.set(this.#u32(36), 12);
    out.set(this.#u32(36 + d.vendor.length + 1), 16);
    out.set(this.#u32(36 + d.vendor.length + d.product.length + 2), 20);
    out.set(this.#u32(d.adapter.busType), 28);
    out.set(strings, 36);
    return out;
  }

  // SCSI_PASS_THROUGH_DIRECT (x64): Length@0 ScsiStatus@2 CdbLength@6 SenseInfoLength@7 DataIn@8
  // DataTransferLength@12 TimeOutValue@16 DataBuffer@24 SenseInfoOffset@32 Cdb@36; size 56.
  async #passThrough(
    handle: Handle,
    o: OpenHandle,
    b: IoctlBuffers,
    input: Uint8Array,
  ): Promise<{ error: number; output?: Uint8Array }> {
    if (o.access === 0) return { error: W.ERROR_ACCESS_DENIED };
    if (b.input !== b.output || b.inputBytes < 56 || b.outputBytes !== b.inputBytes) {
      return { error: W.ERROR_INVALID_PARAMETER };
    }
    const v = new DataView(input.buffer, input.byteOffset, input.length);
    if (v.getUint16(0, true) !== 56) return { error: W.ERROR_INVALID_PARAMETER };
    const length = v.getUint32(12, true);
    const dataBuffer = v.getBigUint64(24, true);
    const a = o.drive.adapter;
    if (length > 0) {
      const first = dataBuffer / 4096n;
      const last = (dataBuffer + BigInt(length) - 1n) / 4096n;
      if (
        (dataBuffer & BigInt(a.alignmentMask)) !== 0n ||
        length > a.maximumTransferLength ||
        Number(last - first) + 1 > a.maximumPhysicalPages
      ) {
        return { error: W.ERROR_INVALID_PARAMETER };
      }
    }
    const direction = v.getUint8(8);
    const pt: PassThrough = {
      cdb: input.slice(36, 36 + v.getUint8(6)),
      dataIn: direction,
      length,
      timeOutValue: v.getUint32(16, true),
      dataBuffer,
      senseInfoLength: v.getUint8(7),
      dataOut: direction === 0 && length > 0 ? this.#read(dataBuffer, length) : undefined,
      cancelled: false,
    };
    this.passThroughs.push(pt);
    this.#running.set(handle, pt);
    let reply: Reply;
    try {
      reply = await o.drive.respond(pt);
    } finally {
      this.#running.delete(handle);
    }
    if (reply.error !== undefined && reply.error !== W.ERROR_MORE_DATA)
      return { error: reply.error };
    // The port driver updates the structure in place and fills data-in and sense.
    const out = input.slice(0, b.outputBytes);
    const ov = new DataView(out.buffer);
    const moved = direction === 1 ? Math.min(reply.dataIn?.length ?? 0, length) : length;
    if (direction === 1 && reply.dataIn !== undefined) {
      this.#write(dataBuffer, reply.dataIn.subarray(0, moved));
    }
    ov.setUint8(2, reply.status ?? 0);
    ov.setUint32(12, moved, true);
    const sense = reply.sense ?? new Uint8Array(0);
    const senseLength = Math.min(sense.length, pt.senseInfoLength);
    ov.setUint8(7, senseLength);
    out.set(sense.subarray(0, senseLength), v.getUint32(32, true));
    return { error: reply.error ?? 0, output: out };
  }
}
