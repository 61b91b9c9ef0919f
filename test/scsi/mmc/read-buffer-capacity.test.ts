import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeReadBufferCapacityCdb,
  decodeReadBufferCapacityData,
  encodeReadBufferCapacityCdb,
  encodeReadBufferCapacityData,
  readBufferCapacity,
  type ReadBufferCapacityData,
} from '../../../src/scsi/mmc/read-buffer-capacity.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../../helpers/bytes.js';

// tgt's emulated DVD+R: an 8 MiB buffer (1000h blocks) reported half free.
const TGT_BYTES = cat(h('000A 0000'), be(8 * 1024 * 1024, 4), be(4 * 1024 * 1024, 4));
const TGT_BLOCKS = cat(h('000A 00 01'), zeros(4), be(0x800, 4));

describe('READ BUFFER CAPACITY CDB', () => {
  it('encodes the spec §2.7 CDB by default (Block = 0, allocation length 12)', () => {
    assert.deepEqual(encodeReadBufferCapacityCdb(), h('5C 00 00 00 00 00 00 00 0C 00'));
  });
  it('puts Block at byte 1 bit 0 and the allocation length at bytes 7..8', () => {
    assert.deepEqual(
      encodeReadBufferCapacityCdb({ block: true, allocationLength: 0x1234 }),
      h('5C 01 00 00 00 00 00 12 34 00'),
    );
  });
  it('request factory reads 12 bytes in', () => {
    const c = readBufferCapacity();
    assert.equal(c.name, 'READ BUFFER CAPACITY');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 12);
    assert.deepEqual(c.cdb, h('5C 00 00 00 00 00 00 00 0C 00'));
    assert.equal(readBufferCapacity({ block: true, allocationLength: 20 }).allocationLength, 20);
  });
  it('rejects an allocation length over 65535', () => {
    assert.throws(() => encodeReadBufferCapacityCdb({ allocationLength: 0x10000 }), DwError);
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({ block: fc.boolean(), allocationLength: fc.integer({ min: 0, max: 0xffff }) }),
        (x) =>
          assert.deepEqual(decodeReadBufferCapacityCdb(encodeReadBufferCapacityCdb(x)), { ...x }),
      ),
    );
    assert.throws(
      () => decodeReadBufferCapacityCdb(h('5B 00 00 00 00 00 00 00 0C 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeReadBufferCapacityCdb, [h('5C 01 00 00 00 00 00 00 0C 00')]);
  });
});

describe('READ BUFFER CAPACITY data', () => {
  it('decodes the bytes form (tgt DVD+R: 8 MiB buffer, 4 MiB free)', () => {
    assert.deepEqual(decodeReadBufferCapacityData(TGT_BYTES), {
      blockDataReturned: false,
      bufferLengthBytes: 8388608,
      bufferAvailableBytes: 4194304,
    });
  });
  it('decodes the blocks form by its Block Data Returned bit', () => {
    assert.deepEqual(decodeReadBufferCapacityData(TGT_BLOCKS), {
      blockDataReturned: true,
      bufferAvailableBlocks: 0x800,
    });
  });
  it('reports the values as sent, even free > total (the engine sanitises)', () => {
    const odd = cat(h('000A 0000'), be(100, 4), be(200, 4));
    assert.deepEqual(decodeReadBufferCapacityData(odd), {
      blockDataReturned: false,
      bufferLengthBytes: 100,
      bufferAvailableBytes: 200,
    });
  });
  it('ignores padding past 12 bytes', () => {
    assert.deepEqual(
      decodeReadBufferCapacityData(cat(TGT_BYTES, h('FF FF FF FF'))),
      decodeReadBufferCapacityData(TGT_BYTES),
    );
  });
  it('rejects a short reply or a data length that does not cover the fields', () => {
    assert.throws(
      () => decodeReadBufferCapacityData(TGT_BYTES.subarray(0, 11)),
      MalformedDataError,
    );
    const shortLength = Uint8Array.from(TGT_BYTES);
    shortLength[1] = 6;
    assert.throws(() => decodeReadBufferCapacityData(shortLength), MalformedDataError);
  });
  it('encodes both forms byte for byte', () => {
    assert.deepEqual(
      encodeReadBufferCapacityData({
        blockDataReturned: false,
        bufferLengthBytes: 8388608,
        bufferAvailableBytes: 4194304,
      }),
      TGT_BYTES,
    );
    assert.deepEqual(
      encodeReadBufferCapacityData({ blockDataReturned: true, bufferAvailableBlocks: 0x800 }),
      TGT_BLOCKS,
    );
    assert.throws(
      () => encodeReadBufferCapacityData({ blockDataReturned: true, bufferAvailableBlocks: -1 }),
      DwError,
    );
  });
  it('round-trips and is robust', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const data: fc.Arbitrary<ReadBufferCapacityData> = fc.oneof(
      fc.record({
        blockDataReturned: fc.constant(false as const),
        bufferLengthBytes: u32,
        bufferAvailableBytes: u32,
      }),
      fc.record({ blockDataReturned: fc.constant(true as const), bufferAvailableBlocks: u32 }),
    );
    fc.assert(
      fc.property(data, (x) =>
        assert.deepEqual(decodeReadBufferCapacityData(encodeReadBufferCapacityData(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeReadBufferCapacityData, [TGT_BYTES, TGT_BLOCKS]);
  });
});
