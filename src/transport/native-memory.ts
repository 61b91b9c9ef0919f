// Memory whose address is handed to the kernel or to a native call that runs on another thread:
// the CDB, sense, data-in and data-out buffers and the request structs (sg_io_hdr,
// SCSI_PASS_THROUGH_DIRECT) of the local-drive transports (spec §4.7; docs/local-drives.md,
// "Memory that reaches the kernel").
//
// Why it must be native memory: an ioctl runs on a koffi worker thread while JavaScript goes on.
// The address of a Uint8Array is only valid while V8 keeps that array's store alive and in place,
// and V8 keeps across an `await` only what the function still uses afterwards: a CDB array that is
// not used after the ioctl can be collected while the kernel reads it, and its memory reused —
// the drive then receives pointer-like garbage as a command (seen on a real kernel: opcode 0x60
// where WRITE(10) was meant). A garbage CDB on a real drive can be any command (FORMAT UNIT,
// BLANK); a stale data-out pointer burns garbage; a stale data-in or sense pointer corrupts the
// process. So every buffer whose address leaves JavaScript is allocated here, outside V8's heap,
// owned by the transport that issues the call, written and read only by copying, and freed only
// after the call has returned (the transport frees it at close, after its command gate drained).
// Copies go through koffi.encode/koffi.decode rather than external ArrayBuffer views, which some
// runtimes (Electron) forbid.

import type { Koffi } from './koffi.js';
import { DwError, HR } from '../errors.js';

/** The largest native buffer a transport grows to for one command's data (data-in or data-out). */
export const MAX_NATIVE_DATA_BYTES = 64 * 1024 * 1024;

const registry = new FinalizationRegistry<{ koffi: Koffi; raw: unknown }>(({ koffi, raw }) => {
  // Reached only when the owner was dropped without free(); nothing can be in flight then, since
  // a pending native call keeps its callback, and with it the owner, reachable.
  koffi.free(raw);
});

/**
 * One block of native memory (malloc through koffi), optionally aligned. `address` is stable
 * until free(); reads and writes copy between it and JavaScript arrays.
 */
export class NativeBuffer {
  readonly #koffi: Koffi;
  #raw: unknown;
  #address: bigint;
  readonly #byteLength: number;
  readonly #token = {};

  private constructor(koffi: Koffi, raw: unknown, address: bigint, byteLength: number) {
    this.#koffi = koffi;
    this.#raw = raw;
    this.#address = address;
    this.#byteLength = byteLength;
    registry.register(this, { koffi, raw }, this.#token);
  }

  /**
   * `byteLength` bytes of zeroed native memory whose address is a multiple of `alignment` (a
   * power of two; 1 for none).
   */
  static allocate(koffi: Koffi, byteLength: number, alignment = 1): NativeBuffer {
    if (!Number.isInteger(byteLength) || byteLength < 0 || byteLength > MAX_NATIVE_DATA_BYTES) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `a native buffer of ${byteLength} bytes is outside 0..${MAX_NATIVE_DATA_BYTES}`,
      });
    }
    if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `buffer alignment ${alignment} is not a power of two`,
      });
    }
    const total = Math.max(1, byteLength + alignment - 1);
    let raw: unknown;
    try {
      raw = koffi.alloc('uint8_t', total);
    } catch (e) {
      throw new DwError(HR.E_OUTOFMEMORY, {
        message: `cannot allocate ${total} bytes of native memory for a device command`,
        cause: e,
      });
    }
    const base = koffi.address(raw);
    const skew = Number(base % BigInt(alignment));
    const address = skew === 0 ? base : base + BigInt(alignment - skew);
    // koffi.alloc does not promise zeroed memory; nothing stale may reach a device.
    koffi.encode(raw, 0, 'uint8_t', new Uint8Array(total), total);
    return new NativeBuffer(koffi, raw, address, byteLength);
  }

  /** The first usable byte; 0n once freed. */
  get address(): bigint {
    return this.#address;
  }

  get byteLength(): number {
    return this.#byteLength;
  }

  get freed(): boolean {
    return this.#raw === undefined;
  }

  #check(offset: number, length: number): void {
    if (this.#raw === undefined) {
      throw new DwError(HR.E_POINTER, { message: 'native buffer used after it was freed' });
    }
    if (offset < 0 || length < 0 || offset + length > this.#byteLength) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `native buffer access at ${offset}+${length} outside its ${this.#byteLength} bytes`,
      });
    }
  }

  /** Copy `bytes` into the buffer at `offset`. */
  write(bytes: Uint8Array, offset = 0): void {
    this.#check(offset, bytes.length);
    if (bytes.length === 0) return;
    this.#koffi.encode(this.#address + BigInt(offset), 'uint8_t', bytes, bytes.length);
  }

  /** Set `length` bytes from `offset` to zero. */
  zero(offset: number, length: number, zeros?: Uint8Array): void {
    this.#check(offset, length);
    if (length === 0) return;
    const z = zeros !== undefined && zeros.length >= length ? zeros : new Uint8Array(length);
    this.#koffi.encode(this.#address + BigInt(offset), 'uint8_t', z, length);
  }

  /** A copy of `length` bytes from `offset`, in a new array the caller owns. */
  read(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    if (length === 0) return new Uint8Array(0);
    return this.#koffi.decode(this.#address + BigInt(offset), 'uint8_t', length) as Uint8Array;
  }

  /** Release the memory. Only after every native call that was given its address has returned. */
  free(): void {
    const raw = this.#raw;
    if (raw === undefined) return;
    this.#raw = undefined;
    this.#address = 0n;
    registry.unregister(this.#token);
    this.#koffi.free(raw);
  }
}

/**
 * A native data buffer that grows to the largest transfer asked of it (up to
 * MAX_NATIVE_DATA_BYTES), for transports that issue one command at a time. Growing frees the old
 * block, so it must only be called between commands.
 */
export class NativeDataBuffer {
  readonly #koffi: Koffi;
  readonly #alignment: number;
  #buffer: NativeBuffer | undefined;

  constructor(koffi: Koffi, alignment = 1) {
    this.#koffi = koffi;
    this.#alignment = alignment;
  }

  /** A buffer of at least `byteLength` bytes (rounded up to 64 KiB steps). */
  ensure(byteLength: number): NativeBuffer {
    const current = this.#buffer;
    if (current !== undefined && current.byteLength >= byteLength) return current;
    const size = Math.min(
      MAX_NATIVE_DATA_BYTES,
      Math.ceil(Math.max(byteLength, 1) / 65536) * 65536,
    );
    const next = NativeBuffer.allocate(this.#koffi, Math.max(size, byteLength), this.#alignment);
    current?.free();
    this.#buffer = next;
    return next;
  }

  free(): void {
    this.#buffer?.free();
    this.#buffer = undefined;
  }
}
