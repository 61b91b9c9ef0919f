// NativeBuffer: native memory for what the kernel or a native call reads and writes — aligned,
// zeroed, copied in and out, bounds-checked, and unusable once freed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError, HR } from '../../src/errors.js';
import {
  MAX_NATIVE_DATA_BYTES,
  NativeBuffer,
  NativeDataBuffer,
} from '../../src/transport/native-memory.js';
import { koffi, skipWithoutKoffi } from '../helpers/koffi.js';

const isDw = (hr: number) => (e: unknown) => e instanceof DwError && e.hr === hr;

describe('NativeBuffer', { skip: skipWithoutKoffi }, () => {
  const k = koffi!;
  it('is aligned as asked and starts zeroed', () => {
    for (const alignment of [1, 16, 4096]) {
      const b = NativeBuffer.allocate(k, 10_000, alignment);
      try {
        assert.equal(b.address % BigInt(alignment), 0n);
        assert.ok(b.read(0, 10_000).every((v) => v === 0));
      } finally {
        b.free();
      }
    }
  });

  it('copies in and out, and a read is the caller’s own copy', () => {
    const b = NativeBuffer.allocate(k, 64);
    try {
      b.write(Uint8Array.of(1, 2, 3, 4), 10);
      const r = b.read(8, 8);
      assert.deepEqual([...r], [0, 0, 1, 2, 3, 4, 0, 0]);
      r.fill(9);
      assert.deepEqual([...b.read(10, 2)], [1, 2]);
      // The bytes are at the address a native call is given.
      assert.equal(k.decode.uint8(b.address + 11n), 2);
      b.zero(10, 4);
      assert.deepEqual([...b.read(10, 4)], [0, 0, 0, 0]);
    } finally {
      b.free();
    }
  });

  it('refuses access outside its bytes and any use after free', () => {
    const b = NativeBuffer.allocate(k, 16);
    assert.throws(() => b.write(new Uint8Array(4), 13), isDw(HR.E_INVALIDARG));
    assert.throws(() => b.read(-1, 2), isDw(HR.E_INVALIDARG));
    b.free();
    b.free();
    assert.equal(b.freed, true);
    assert.equal(b.address, 0n);
    assert.throws(() => b.read(0, 1), isDw(HR.E_POINTER));
  });

  it('refuses sizes it cannot bound and alignments that are not powers of two', () => {
    assert.throws(() => NativeBuffer.allocate(k, MAX_NATIVE_DATA_BYTES + 1), isDw(HR.E_INVALIDARG));
    assert.throws(() => NativeBuffer.allocate(k, -1), isDw(HR.E_INVALIDARG));
    assert.throws(() => NativeBuffer.allocate(k, 16, 3), isDw(HR.E_INVALIDARG));
  });

  it('a data buffer grows to the largest transfer and keeps it', () => {
    const d = new NativeDataBuffer(k, 4096);
    try {
      const a = d.ensure(1000);
      assert.equal(a.byteLength, 65536);
      assert.equal(d.ensure(65536), a);
      const b = d.ensure(65537);
      assert.notEqual(b, a);
      assert.equal(a.freed, true);
      assert.equal(b.byteLength, 131072);
      assert.equal(b.address % 4096n, 0n);
    } finally {
      d.free();
    }
  });
});
