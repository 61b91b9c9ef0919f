// Bounds-checked byte reader and writer for the SCSI/MMC codecs. Pure: no Node APIs.
// A reader never invents bytes: reading past the end throws MalformedDataError, so a decoder fed
// truncated data fails with the malformed-data error and nothing else.
// Both work on the bytes directly, without a DataView: a DataView needs the array's ArrayBuffer,
// and asking a small typed array for its buffer makes V8 move it off the heap
// (docs/benchmarks-history.md, "File-backed: a writer thread with 64 KiB writes").

import { MalformedDataError, invalidArgument } from '../errors.js';

/** LBAs, block counts and speeds are signed 32-bit integers (spec §0): the bounds. */
export const MAX_INT32 = 0x7fffffff;
export const MIN_INT32 = -0x80000000;

/**
 * Big-endian reads without a bounds check, for decoders that have checked the whole structure's
 * length once (an iSCSI BHS is always 48 bytes). ByteReader checks each read and then uses these.
 */
export function readU16(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}
export function readU24(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 16) | ((b[at + 1] as number) << 8) | (b[at + 2] as number);
}
export function readI32(b: Uint8Array, at: number): number {
  return (
    ((b[at] as number) << 24) |
    ((b[at + 1] as number) << 16) |
    ((b[at + 2] as number) << 8) |
    (b[at + 3] as number)
  );
}
export function readU32(b: Uint8Array, at: number): number {
  return readI32(b, at) >>> 0;
}

/** Sequential and random-access big-endian reads over a Uint8Array view, bounds-checked. */
export class ByteReader {
  readonly bytes: Uint8Array;
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
  }

  get length(): number {
    return this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Throws MalformedDataError unless `n` bytes exist at `at`. */
  need(at: number, n: number, what = 'field'): void {
    if (at < 0 || n < 0 || at + n > this.bytes.length) {
      throw new MalformedDataError(
        `${what} needs bytes ${at}..${at + n - 1} but only ${this.bytes.length} are present`,
      );
    }
  }

  u8(at: number): number {
    this.need(at, 1);
    return this.bytes[at] as number;
  }
  u16(at: number): number {
    this.need(at, 2);
    return readU16(this.bytes, at);
  }
  u24(at: number): number {
    this.need(at, 3);
    return readU24(this.bytes, at);
  }
  u32(at: number): number {
    this.need(at, 4);
    return readU32(this.bytes, at);
  }
  i32(at: number): number {
    this.need(at, 4);
    return readI32(this.bytes, at);
  }
  /** Unsigned 64-bit as a number (exact up to 2^53). */
  u64(at: number): number {
    this.need(at, 8);
    return this.u32(at) * 0x1_0000_0000 + this.u32(at + 4);
  }
  /** Bit field `(byte >> shift) & mask`. */
  bits(at: number, shift: number, mask: number): number {
    return (this.u8(at) >> shift) & mask;
  }
  bit(at: number, bit: number): boolean {
    return ((this.u8(at) >> bit) & 1) === 1;
  }
  /** A copy of `n` bytes at `at`. */
  slice(at: number, n: number): Uint8Array {
    this.need(at, n);
    return this.bytes.slice(at, at + n);
  }
  /** A view of `n` bytes at `at` (no copy). */
  sub(at: number, n: number): Uint8Array {
    this.need(at, n);
    return this.bytes.subarray(at, at + n);
  }
  /** ASCII text with trailing spaces and NULs removed. */
  ascii(at: number, n: number): string {
    const b = this.sub(at, n);
    let s = '';
    for (const c of b) s += String.fromCharCode(c);
    return s.replace(/[\s\0]+$/, '');
  }

  // Sequential forms, advancing `offset`.
  readU8(): number {
    const v = this.u8(this.offset);
    this.offset += 1;
    return v;
  }
  readU16(): number {
    const v = this.u16(this.offset);
    this.offset += 2;
    return v;
  }
  readU32(): number {
    const v = this.u32(this.offset);
    this.offset += 4;
    return v;
  }
  readBytes(n: number): Uint8Array {
    const v = this.slice(this.offset, n);
    this.offset += n;
    return v;
  }
}

/** Big-endian writes into a fixed-size, zero-filled buffer, bounds- and range-checked. */
export class ByteWriter {
  readonly bytes: Uint8Array;

  constructor(sizeOrBytes: number | Uint8Array) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes) : sizeOrBytes;
  }

  /** Stores the low `n` bytes of `value` big-endian at `at` (range already checked). */
  #put(at: number, n: number, value: number): void {
    const b = this.bytes;
    for (let i = n - 1; i >= 0; i--) {
      b[at + i] = value & 0xff;
      value >>>= 8;
    }
  }

  #check(at: number, n: number, value: number, min: number, max: number, what: string): void {
    if (at < 0 || at + n > this.bytes.length) {
      throw invalidArgument(`${what} at byte ${at} does not fit in ${this.bytes.length} bytes`);
    }
    if (!Number.isInteger(value) || value < min || value > max) {
      throw invalidArgument(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
    }
  }

  u8(at: number, value: number, what = 'field'): this {
    this.#check(at, 1, value, 0, 0xff, what);
    this.bytes[at] = value;
    return this;
  }
  u16(at: number, value: number, what = 'field'): this {
    this.#check(at, 2, value, 0, 0xffff, what);
    this.#put(at, 2, value);
    return this;
  }
  u24(at: number, value: number, what = 'field'): this {
    this.#check(at, 3, value, 0, 0xffffff, what);
    this.#put(at, 3, value);
    return this;
  }
  u32(at: number, value: number, what = 'field'): this {
    this.#check(at, 4, value, 0, 0xffffffff, what);
    this.#put(at, 4, value);
    return this;
  }
  i32(at: number, value: number, what = 'field'): this {
    this.#check(at, 4, value, -0x80000000, 0x7fffffff, what);
    this.#put(at, 4, value); // two's complement: the low 32 bits of a negative value
    return this;
  }
  u64(at: number, value: number, what = 'field'): this {
    this.#check(at, 8, value, 0, Number.MAX_SAFE_INTEGER, what);
    this.#put(at, 4, Math.floor(value / 0x1_0000_0000));
    this.#put(at + 4, 4, value >>> 0);
    return this;
  }
  /** OR `(value & mask) << shift` into byte `at`, range-checking value against mask. */
  bits(at: number, shift: number, mask: number, value: number, what = 'field'): this {
    this.#check(at, 1, value, 0, mask, what);
    this.bytes[at] = (this.bytes[at] as number) | ((value & mask) << shift);
    return this;
  }
  flag(at: number, bit: number, on: boolean | undefined): this {
    if (on === true) this.bytes[at] = (this.bytes[at] as number) | (1 << bit);
    return this;
  }
  bytesAt(at: number, src: Uint8Array, what = 'field'): this {
    if (at < 0 || at + src.length > this.bytes.length) {
      throw invalidArgument(`${what} (${src.length} bytes) at ${at} does not fit`);
    }
    this.bytes.set(src, at);
    return this;
  }
  /** ASCII, space-padded to `n` bytes. */
  ascii(at: number, n: number, text: string, what = 'field'): this {
    if (text.length > n) throw invalidArgument(`${what} longer than ${n} characters`);
    for (let i = 0; i < n; i++) {
      const c = i < text.length ? text.charCodeAt(i) : 0x20;
      if (c > 0x7e) throw invalidArgument(`${what} is not printable ASCII`);
      this.bytes[at + i] = c;
    }
    return this;
  }
}

/** Hex dump `2A 00 FF` for messages and logs. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
