// Independent byte builders for codec tests: expected bytes are written by hand from the
// standards' field tables, never produced by the encoder under test.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MalformedDataError } from '../../src/errors.js';

/** `h('2A 00 FF')` → Uint8Array. Whitespace is ignored; `..` is not allowed. */
export function h(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Concatenate byte arrays. */
export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Big-endian integer of `n` bytes (independent of ByteWriter). */
export function be(value: number, n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(n * 8, BigInt(value));
  for (let i = 0; i < n; i++) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

/** `n` zero bytes. */
export function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

/**
 * Robustness: the decoder, fed random bytes, truncations of `valid` and `valid` with random
 * bytes overwritten, either returns or throws MalformedDataError — nothing else.
 */
export function assertDecoderRobust(
  decode: (bytes: Uint8Array) => unknown,
  valid: Uint8Array[] = [],
  numRuns = 2000,
): void {
  const check = (bytes: Uint8Array) => {
    try {
      decode(bytes);
    } catch (e) {
      if (!(e instanceof MalformedDataError)) {
        assert.fail(`decoder threw ${String(e)} for ${Buffer.from(bytes).toString('hex')}`);
      }
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns });
  for (const v of valid) {
    for (let n = 0; n < v.length; n++) check(v.subarray(0, n));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(Math.max(0, v.length - 1)), fc.integer({ min: 0, max: 255 })), {
          maxLength: 6,
        }),
        (edits) => {
          const copy = Uint8Array.from(v);
          for (const [i, b] of edits) copy[i] = b;
          check(copy);
        },
      ),
      { numRuns: Math.ceil(numRuns / 4) },
    );
  }
}

/** Signed 32-bit integers (without -0, which deepEqual tells apart from 0). */
export const int32 = () => fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => v | 0);
