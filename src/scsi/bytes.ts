// Bounds-checked byte reader and writer for the SCSI/MMC codecs. Pure: no Node APIs.
// A reader never invents bytes: reading past the end throws MalformedDataError, so a decoder fed
// truncated data fails with the malformed-data error and nothing else.

import { MalformedDataError, invalidArgument } from '../errors.js';

/** Sequential and random-access big-endian reads over a Uint8Array view, bounds-checked. */
export class ByteReader {
  readonly bytes: Uint8Array;
  offset: number;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    return this.view.getUint8(at);
  }
  u16(at: number): number {
    this.need(at, 2);
    return this.view.getUint16(at, false);
  }
  u24(at: number): number {
    this.need(at, 3);
    return (this.view.getUint8(at) << 16) | this.view.getUint16(at + 1, false);
  }
  u32(at: number): number {
    this.need(at, 4);
    return this.view.getUint32(at, false);
  }
  i32(at: number): number {
    this.need(at, 4);
    return this.view.getInt32(at, false);
  }
  /** Unsigned 64-bit as a number (exact up to 2^53). */
  u64(at: number): number {
    this.need(at, 8);
    return this.view.getUint32(at, false) * 0x1_0000_0000 + this.view.getUint32(at + 4, false);
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
  private readonly view: DataView;

  constructor(sizeOrBytes: number | Uint8Array) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes) : sizeOrBytes;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  private check(
    at: number,
    n: number,
    value: number,
    min: number,
    max: number,
    what: string,
  ): void {
    if (at < 0 || at + n > this.bytes.length) {
      throw invalidArgument(`${what} at byte ${at} does not fit in ${this.bytes.length} bytes`);
    }
    if (!Number.isInteger(value) || value < min || value > max) {
      throw invalidArgument(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
    }
  }

  u8(at: number, value: number, what = 'field'): this {
    this.check(at, 1, value, 0, 0xff, what);
    this.view.setUint8(at, value);
    return this;
  }
  u16(at: number, value: number, what = 'field'): this {
    this.check(at, 2, value, 0, 0xffff, what);
    this.view.setUint16(at, value, false);
    return this;
  }
  u24(at: number, value: number, what = 'field'): this {
    this.check(at, 3, value, 0, 0xffffff, what);
    this.view.setUint8(at, value >>> 16);
    this.view.setUint16(at + 1, value & 0xffff, false);
    return this;
  }
  u32(at: number, value: number, what = 'field'): this {
    this.check(at, 4, value, 0, 0xffffffff, what);
    this.view.setUint32(at, value, false);
    return this;
  }
  i32(at: number, value: number, what = 'field'): this {
    this.check(at, 4, value, -0x80000000, 0x7fffffff, what);
    this.view.setInt32(at, value, false);
    return this;
  }
  u64(at: number, value: number, what = 'field'): this {
    this.check(at, 8, value, 0, Number.MAX_SAFE_INTEGER, what);
    this.view.setUint32(at, Math.floor(value / 0x1_0000_0000), false);
    this.view.setUint32(at + 4, value >>> 0, false);
    return this;
  }
  /** OR `(value & mask) << shift` into byte `at`, range-checking value against mask. */
  bits(at: number, shift: number, mask: number, value: number, what = 'field'): this {
    this.check(at, 1, value, 0, mask, what);
    this.view.setUint8(at, this.view.getUint8(at) | ((value & mask) << shift));
    return this;
  }
  flag(at: number, bit: number, on: boolean | undefined): this {
    if (on === true) this.view.setUint8(at, this.view.getUint8(at) | (1 << bit));
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
      this.view.setUint8(at + i, c);
    }
    return this;
  }
}

/** Hex dump `2A 00 FF` for messages and logs. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
