import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PerformanceType,
  decodeGetPerformanceCdb,
  decodePerformanceData,
  decodeWriteSpeedData,
  encodeGetPerformanceCdb,
  encodePerformanceData,
  encodeWriteSpeedData,
  getNominalPerformance,
  getPerformance,
  getPerformanceFullLength,
  getWriteSpeeds,
} from '../../../src/scsi/mmc/get-performance.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h, zeros } from '../../helpers/bytes.js';

// tgt's DVD+R (type 03h): one descriptor, MRW = 1, end LBA 23053Fh, read = write = 3324 kB/s.
const TGT_WRITE_SPEEDS = h('00000014 00000000  01 000000 0023053F 00000CFC 00000CFC');
// tgt (type 00h): nominal read performance 5540 kB/s from LBA 0 to 23053Fh.
const TGT_PERFORMANCE = h('00000014 00000000  00000000 000015A4 0023053F 000015A4');
// A DVD burner's write speeds: 16x CAV exact, 8x CLV, 4x CLV with RDD.
const DRIVE_WRITE_SPEEDS = h(
  '00000034 00000000' +
    '0A 000000 0023053F 00005690 00005690' +
    '00 000000 0023053F 00002B48 00002B48' +
    '04 000000 0023053F 000015A4 000015A4',
);

describe('GET PERFORMANCE CDB', () => {
  it('encodes the write speed request (Type 03h) as peers send it', () => {
    assert.deepEqual(
      encodeGetPerformanceCdb({ type: PerformanceType.WRITE_SPEED, maximumNumberOfDescriptors: 8 }),
      h('AC 00 00000000 0000 0008 03 00'),
    );
  });
  it('encodes nominal read performance with 10 % tolerance (byte 1 = 10h)', () => {
    assert.deepEqual(
      encodeGetPerformanceCdb({ type: 0, tolerance: 2, maximumNumberOfDescriptors: 1 }),
      h('AC 10 00000000 0000 0001 00 00'),
    );
  });
  it('puts Write at byte 1 bit 2, Except at bits 1..0 and the starting LBA at bytes 2..5', () => {
    assert.deepEqual(
      encodeGetPerformanceCdb({
        type: 0,
        tolerance: 2,
        write: true,
        except: 2,
        startingLba: 0x01020304,
        maximumNumberOfDescriptors: 0x0102,
      }),
      h('AC 16 01020304 0000 0102 00 00'),
    );
  });
  it('rejects out-of-range fields', () => {
    assert.throws(
      () => encodeGetPerformanceCdb({ type: 0, tolerance: 4, maximumNumberOfDescriptors: 1 }),
      DwError,
    );
    assert.throws(
      () => encodeGetPerformanceCdb({ type: 0, except: 4, maximumNumberOfDescriptors: 1 }),
      DwError,
    );
    assert.throws(
      () => encodeGetPerformanceCdb({ type: 256, maximumNumberOfDescriptors: 1 }),
      DwError,
    );
    assert.throws(
      () => encodeGetPerformanceCdb({ type: 3, maximumNumberOfDescriptors: 0x10000 }),
      DwError,
    );
    assert.throws(
      () => encodeGetPerformanceCdb({ type: 0, startingLba: -1, maximumNumberOfDescriptors: 1 }),
      DwError,
    );
  });
  it('request factories size the allocation as 8 + 16 per descriptor', () => {
    const head = getWriteSpeeds({ maximumNumberOfDescriptors: 0 });
    assert.equal(head.name, 'GET PERFORMANCE');
    assert.equal(head.direction, 'in');
    assert.equal(head.allocationLength, 8);
    assert.deepEqual(head.cdb, h('AC 00 00000000 0000 0000 03 00'));
    assert.equal(getWriteSpeeds({ maximumNumberOfDescriptors: 3 }).allocationLength, 56);
    const nominal = getNominalPerformance({ maximumNumberOfDescriptors: 2, write: true });
    assert.deepEqual(nominal.cdb, h('AC 14 00000000 0000 0002 00 00'));
    assert.equal(nominal.allocationLength, 40);
    assert.equal(getPerformance({ type: 3, maximumNumberOfDescriptors: 4 }).allocationLength, 72);
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.integer({ min: 0, max: 255 }),
          tolerance: fc.integer({ min: 0, max: 3 }),
          write: fc.boolean(),
          except: fc.integer({ min: 0, max: 3 }),
          startingLba: fc.integer({ min: 0, max: 0xffffffff }),
          maximumNumberOfDescriptors: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeGetPerformanceCdb(encodeGetPerformanceCdb(x)), { ...x }),
      ),
    );
    assert.throws(
      () => decodeGetPerformanceCdb(h('AD 00 00000000 0000 0008 03 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeGetPerformanceCdb, [h('AC 16 01020304 0000 0102 00 00')]);
  });
});

describe('GET PERFORMANCE full length', () => {
  it('is 4 + PERFORMANCE DATA LENGTH from a header-only reply', () => {
    assert.equal(getPerformanceFullLength(TGT_WRITE_SPEEDS.subarray(0, 8)), 24);
    assert.equal(getPerformanceFullLength(DRIVE_WRITE_SPEEDS), 56);
    assert.throws(() => getPerformanceFullLength(h('00 00 00')), MalformedDataError);
  });
});

describe('GET PERFORMANCE Type 03h (write speed descriptors)', () => {
  it('decodes tgt’s DVD+R reply', () => {
    assert.deepEqual(decodeWriteSpeedData(TGT_WRITE_SPEEDS), {
      descriptors: [
        {
          wrc: 0,
          rdd: false,
          exact: false,
          mrw: true,
          endLba: 0x23053f,
          readSpeedKBps: 3324,
          writeSpeedKBps: 3324,
        },
      ],
    });
  });
  it('decodes WRC, RDD and Exact of each descriptor', () => {
    const d = decodeWriteSpeedData(DRIVE_WRITE_SPEEDS).descriptors;
    assert.deepEqual(
      d.map((s) => [s.wrc, s.rdd, s.exact, s.mrw, s.writeSpeedKBps]),
      [
        [1, false, true, false, 22160],
        [0, false, false, false, 11080],
        [0, true, false, false, 5540],
      ],
    );
  });
  it('uses the data length, not the bytes present (tgt pads to the allocation length)', () => {
    const padded = cat(TGT_WRITE_SPEEDS, zeros(16 * 3));
    assert.equal(decodeWriteSpeedData(padded).descriptors.length, 1);
  });
  it('clamps a data length larger than the reply and drops a partial descriptor', () => {
    assert.equal(
      decodeWriteSpeedData(DRIVE_WRITE_SPEEDS.subarray(0, 8 + 16 + 10)).descriptors.length,
      1,
    );
    assert.deepEqual(decodeWriteSpeedData(DRIVE_WRITE_SPEEDS.subarray(0, 8)), { descriptors: [] });
  });
  it('rejects a reply without the 8-byte header or with a data length below 4', () => {
    assert.throws(() => decodeWriteSpeedData(h('00000014 000000')), MalformedDataError);
    assert.throws(() => decodeWriteSpeedData(h('00000002 00000000')), MalformedDataError);
  });
  it('encodes byte for byte', () => {
    assert.deepEqual(
      encodeWriteSpeedData({
        descriptors: [
          {
            wrc: 1,
            rdd: false,
            exact: true,
            mrw: false,
            endLba: 0x23053f,
            readSpeedKBps: 22160,
            writeSpeedKBps: 22160,
          },
          {
            wrc: 0,
            rdd: false,
            exact: false,
            mrw: false,
            endLba: 0x23053f,
            readSpeedKBps: 11080,
            writeSpeedKBps: 11080,
          },
          {
            wrc: 0,
            rdd: true,
            exact: false,
            mrw: false,
            endLba: 0x23053f,
            readSpeedKBps: 5540,
            writeSpeedKBps: 5540,
          },
        ],
      }),
      DRIVE_WRITE_SPEEDS,
    );
    assert.deepEqual(encodeWriteSpeedData({ descriptors: [] }), h('00000004 00000000'));
  });
  it('round-trips and is robust', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const descriptor = fc.record({
      wrc: fc.integer({ min: 0, max: 3 }),
      rdd: fc.boolean(),
      exact: fc.boolean(),
      mrw: fc.boolean(),
      endLba: u32,
      readSpeedKBps: u32,
      writeSpeedKBps: u32,
    });
    fc.assert(
      fc.property(fc.array(descriptor, { maxLength: 6 }), (ds) =>
        assert.deepEqual(decodeWriteSpeedData(encodeWriteSpeedData({ descriptors: ds })), {
          descriptors: ds.map((x) => ({ ...x })),
        }),
      ),
    );
    assertDecoderRobust(decodeWriteSpeedData, [TGT_WRITE_SPEEDS, DRIVE_WRITE_SPEEDS]);
  });
});

describe('GET PERFORMANCE Type 00h (performance)', () => {
  it('decodes tgt’s nominal read performance', () => {
    assert.deepEqual(decodePerformanceData(TGT_PERFORMANCE), {
      write: false,
      except: false,
      descriptors: [
        { startLba: 0, startPerformanceKBps: 5540, endLba: 0x23053f, endPerformanceKBps: 5540 },
      ],
    });
  });
  it('reads the header Write and Except bits; an exceptions-only reply may be header-only', () => {
    assert.deepEqual(decodePerformanceData(h('00000004 03 000000')), {
      write: true,
      except: true,
      descriptors: [],
    });
  });
  it('decodes a CAV curve (start and end performance differ)', () => {
    const cav = h('00000014 02 000000  00000000 00002B48 0023053F 00006C3A');
    assert.deepEqual(decodePerformanceData(cav).descriptors, [
      { startLba: 0, startPerformanceKBps: 11080, endLba: 0x23053f, endPerformanceKBps: 27706 },
    ]);
  });
  it('encodes byte for byte', () => {
    assert.deepEqual(
      encodePerformanceData({
        write: false,
        except: false,
        descriptors: [
          { startLba: 0, startPerformanceKBps: 5540, endLba: 0x23053f, endPerformanceKBps: 5540 },
        ],
      }),
      TGT_PERFORMANCE,
    );
    assert.deepEqual(
      encodePerformanceData({ write: true, except: true, descriptors: [] }),
      h('00000004 03 000000'),
    );
  });
  it('round-trips and is robust', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const data = fc.record({
      write: fc.boolean(),
      except: fc.boolean(),
      descriptors: fc.array(
        fc.record({
          startLba: u32,
          startPerformanceKBps: u32,
          endLba: u32,
          endPerformanceKBps: u32,
        }),
        { maxLength: 5 },
      ),
    });
    fc.assert(
      fc.property(data, (x) => {
        const expected = { ...x, descriptors: x.descriptors.map((d) => ({ ...d })) };
        assert.deepEqual(decodePerformanceData(encodePerformanceData(x)), expected);
      }),
    );
    assertDecoderRobust(decodePerformanceData, [TGT_PERFORMANCE, h('00000004 03 000000')]);
  });
});
