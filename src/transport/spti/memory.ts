// The native memory of SPTI's DeviceIoControl calls: per transport, the pass-through control
// block (lpBytesReturned, SCSI_PASS_THROUGH_DIRECT and the sense buffer behind it) and a
// page-aligned data buffer, and a small block for the other IOCTLs (queries, locks, MCN).
//
// Why native memory (this is the one place in SPTI where addresses for Windows are taken):
// DeviceIoControl runs on a koffi worker thread while JavaScript goes on, and V8 keeps across an
// `await` only what the awaiting function still uses. A Uint8Array whose address was handed to
// the call can be collected, and its memory reused, while the port driver reads the CDB and
// data-out from it or writes sense, data-in and the returned byte count into it. See
// src/transport/native-memory.ts for what that did on a real drive. So every buffer whose
// address leaves JavaScript is allocated outside V8's heap, written and read only by copying,
// reused for one call at a time, and freed only after the call has returned (the transport
// frees it at close, after its command gate drained and the queued control calls finished).

import { DwError, HR } from '../../errors.js';
import type { NativeBuffer, NativeDataBuffer } from '../native-memory.js';
import type { Handle, Kernel32 } from './kernel32.js';
import type { SptdLayout } from './layout.js';
import { Win32Error } from './status.js';

/** The lpBytesReturned DWORD, padded so the structure after it stays pointer-aligned. */
const RETURNED_BYTES = 8;
/** The x86/x64 page size: the unit of MaximumPhysicalPages. */
export const PAGE_BYTES = 4096;

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * The memory of one pass-through: the control block and the data buffer, reused for every
 * command since the command gate lets one DeviceIoControl run at a time (after an abort the next
 * command still waits for the running call).
 */
export class SptiCommandMemory {
  readonly control: NativeBuffer;
  readonly data: NativeDataBuffer;
  /** The data buffer's alignment: a page, or the adapter's AlignmentMask + 1 when larger. */
  readonly dataAlignment: number;

  constructor(
    k32: Kernel32,
    readonly layout: SptdLayout,
    adapterAlignment: number,
  ) {
    this.control = k32.allocate(RETURNED_BYTES + layout.totalSize, 16);
    this.dataAlignment = Math.max(PAGE_BYTES, adapterAlignment);
    this.data = k32.dataBuffer(this.dataAlignment);
  }

  /** Address of the lpBytesReturned DWORD. */
  get returned(): bigint {
    return this.control.address;
  }

  /** Address of SCSI_PASS_THROUGH_DIRECT (input and output of the call). */
  get sptd(): bigint {
    return this.control.address + BigInt(RETURNED_BYTES);
  }

  /** Put the structure in place (the sense buffer behind it is cleared with it). */
  writeSptd(bytes: Uint8Array): void {
    this.control.zero(0, RETURNED_BYTES);
    this.control.write(bytes, RETURNED_BYTES);
  }

  /** A copy of the structure and sense as the port driver left them. */
  readSptd(): Uint8Array {
    return this.control.read(RETURNED_BYTES, this.layout.totalSize);
  }

  free(): void {
    this.control.free();
    this.data.free();
  }
}

/** What a control IOCTL returned. */
export type IoctlOutcome =
  | {
      readonly ok: true;
      /** The bytes the driver returned (lpBytesReturned of them). */
      readonly output: Uint8Array;
      /** ERROR_MORE_DATA: the driver had more than the output buffer holds. */
      readonly truncated: boolean;
    }
  | { readonly ok: false; readonly error: number };

/**
 * Native memory for control IOCTLs (everything but the pass-through): the returned-bytes DWORD,
 * the input, then the output. Calls queue, so one runs at a time whoever issues them.
 */
export class IoctlBlock {
  static readonly DEFAULT_CAPACITY = 2048;
  readonly #k32: Kernel32;
  readonly #buffer: NativeBuffer;
  #tail: Promise<void> = Promise.resolve();

  constructor(k32: Kernel32, capacity = IoctlBlock.DEFAULT_CAPACITY) {
    this.#k32 = k32;
    this.#buffer = k32.allocate(capacity, 16);
  }

  /** DeviceIoControl(handle, code) with a copy of `input` and `outputBytes` of output. */
  call(
    handle: Handle,
    code: number,
    input: Uint8Array | undefined = undefined,
    outputBytes = 0,
  ): Promise<IoctlOutcome> {
    const run = this.#tail.then(() => this.#issue(handle, code, input, outputBytes));
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #issue(
    handle: Handle,
    code: number,
    input: Uint8Array | undefined,
    outputBytes: number,
  ): Promise<IoctlOutcome> {
    const inputBytes = input?.length ?? 0;
    const outputOffset = RETURNED_BYTES + align8(inputBytes);
    if (outputOffset + outputBytes > this.#buffer.byteLength) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `control request 0x${code.toString(16)} needs ${outputOffset + outputBytes} bytes, more than its ${this.#buffer.byteLength}`,
      });
    }
    const b = this.#buffer;
    b.zero(0, RETURNED_BYTES);
    if (input !== undefined) b.write(input, RETURNED_BYTES);
    const r = await this.#k32.deviceIoControl(handle, code, {
      input: b.address + BigInt(RETURNED_BYTES),
      inputBytes,
      output: b.address + BigInt(outputOffset),
      outputBytes,
      returned: b.address,
    });
    // DeviceIoControl documents ERROR_MORE_DATA as a partial result with lpBytesReturned set.
    const truncated = !r.value && r.error === Win32Error.ERROR_MORE_DATA;
    if (!r.value && !truncated) return { ok: false, error: r.error };
    const returned = new DataView(b.read(0, 4).buffer).getUint32(0, true);
    return {
      ok: true,
      output: b.read(outputOffset, Math.min(returned, outputBytes)),
      truncated,
    };
  }

  /** Free the memory once every queued call has returned. */
  async free(): Promise<void> {
    await this.#tail;
    this.#buffer.free();
  }
}
