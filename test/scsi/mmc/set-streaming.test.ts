import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  StreamingType,
  decodeSetStreamingCdb,
  decodeSetStreamingData,
  encodeSetStreamingCdb,
  encodeSetStreamingData,
  setStreaming,
} from '../../../src/scsi/mmc/set-streaming.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

// 8x DVD (11080 kB per 1000 ms) for reading and writing LBA 0..23053Fh, as peers send it.
const EIGHT_X = h('00 000000 00000000 0023053F 00002B48 000003E8 00002B48 000003E8');

describe('SET STREAMING CDB', () => {
  it('puts TYPE at byte 8 and PARAMETER LIST LENGTH at bytes 9..10', () => {
    assert.deepEqual(
      encodeSetStreamingCdb({
        type: StreamingType.PERFORMANCE_DESCRIPTOR,
        parameterListLength: 28,
      }),
      h('B6 00 00 00 00 00 00 00 00 001C 00'),
    );
    assert.deepEqual(
      encodeSetStreamingCdb({
        type: StreamingType.DBI_CACHE_ZONE_DESCRIPTOR,
        parameterListLength: 0x0102,
      }),
      h('B6 00 00 00 00 00 00 00 05 0102 00'),
    );
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.integer({ min: 0, max: 255 }),
          parameterListLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeSetStreamingCdb(encodeSetStreamingCdb(x)), { ...x }),
      ),
    );
    assert.throws(
      () => decodeSetStreamingCdb(h('BB 00 00 00 00 00 00 00 00 001C 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeSetStreamingCdb, [h('B6 00 00 00 00 00 00 00 00 001C 00')]);
  });
});

describe('SET STREAMING performance descriptor', () => {
  it('encodes the 28-byte descriptor byte for byte', () => {
    assert.deepEqual(
      encodeSetStreamingData({
        endLba: 0x23053f,
        readSizeKB: 11080,
        readTimeMs: 1000,
        writeSizeKB: 11080,
        writeTimeMs: 1000,
      }),
      EIGHT_X,
    );
  });
  it('puts WRC at byte 0 bits 4..3, RDD at bit 2, Exact at bit 1, RA at bit 0', () => {
    const base = { endLba: 1, readSizeKB: 1, readTimeMs: 1, writeSizeKB: 1, writeTimeMs: 1 };
    assert.equal(encodeSetStreamingData({ ...base, wrc: 1 })[0], 0x08);
    assert.equal(encodeSetStreamingData({ ...base, wrc: 3 })[0], 0x18);
    assert.equal(encodeSetStreamingData({ ...base, rdd: true })[0], 0x04);
    assert.equal(encodeSetStreamingData({ ...base, exact: true })[0], 0x02);
    assert.equal(encodeSetStreamingData({ ...base, ra: true })[0], 0x01);
    assert.deepEqual(
      encodeSetStreamingData({ ...base, startLba: 0x10203040 }).subarray(4, 8),
      h('10203040'),
    );
  });
  it('rejects out-of-range fields', () => {
    const base = { endLba: 1, readSizeKB: 1, readTimeMs: 1, writeSizeKB: 1, writeTimeMs: 1 };
    assert.throws(() => encodeSetStreamingData({ ...base, wrc: 4 }), DwError);
    assert.throws(() => encodeSetStreamingData({ ...base, endLba: 2 ** 32 }), DwError);
    assert.throws(() => encodeSetStreamingData({ ...base, writeTimeMs: -1 }), DwError);
  });
  it('decodes what the host sent (the virtual drive’s side)', () => {
    assert.deepEqual(decodeSetStreamingData(EIGHT_X), {
      wrc: 0,
      rdd: false,
      exact: false,
      ra: false,
      startLba: 0,
      endLba: 0x23053f,
      readSizeKB: 11080,
      readTimeMs: 1000,
      writeSizeKB: 11080,
      writeTimeMs: 1000,
    });
    assert.throws(() => decodeSetStreamingData(EIGHT_X.subarray(0, 27)), MalformedDataError);
  });
  it('request factory sends the descriptor with TYPE 00h and length 28', () => {
    const c = setStreaming({
      endLba: 0x23053f,
      readSizeKB: 11080,
      readTimeMs: 1000,
      writeSizeKB: 11080,
      writeTimeMs: 1000,
    });
    assert.equal(c.name, 'SET STREAMING');
    assert.equal(c.direction, 'out');
    assert.deepEqual(c.cdb, h('B6 00 00 00 00 00 00 00 00 001C 00'));
    assert.deepEqual(c.dataOut, EIGHT_X);
  });
  it('round-trips and is robust', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(
        fc.record({
          wrc: fc.integer({ min: 0, max: 3 }),
          rdd: fc.boolean(),
          exact: fc.boolean(),
          ra: fc.boolean(),
          startLba: u32,
          endLba: u32,
          readSizeKB: u32,
          readTimeMs: u32,
          writeSizeKB: u32,
          writeTimeMs: u32,
        }),
        (x) => assert.deepEqual(decodeSetStreamingData(encodeSetStreamingData(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeSetStreamingData, [EIGHT_X]);
  });
});
