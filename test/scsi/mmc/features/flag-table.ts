// Test helper for the feature codecs: checks each flag against the byte and mask the MMC-6 table
// gives for it, counted from the start of the feature descriptor as the standard counts them.

import { it } from 'node:test';
import assert from 'node:assert/strict';

/** [field, descriptor byte (>= 4), mask] rows copied from the standard's descriptor table. */
export type FlagRow<T> = readonly [keyof T & string, number, number];

/**
 * For every row: the value with only that flag set (on top of `base`, whose fields encode as all
 * zero bytes) encodes to `length` data bytes with exactly that bit set, and those bytes decode back
 * to the same value.
 */
export function itMapsEachFlag<T extends object>(
  base: T,
  length: number,
  rows: readonly FlagRow<T>[],
  encode: (v: T) => Uint8Array,
  decode: (data: Uint8Array) => T,
): void {
  for (const [field, byte, mask] of rows) {
    it(`${field} is byte ${byte} mask ${mask.toString(16).padStart(2, '0')}h`, () => {
      const value = { ...base, [field]: true } as T;
      const expected = new Uint8Array(length);
      expected[byte - 4] = mask;
      assert.deepEqual(encode(value), expected);
      assert.deepEqual(decode(expected), value);
    });
  }
}
