import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MSF_LBA_MAX,
  MSF_LBA_MIN,
  formatMsf,
  isValidMsf,
  lbaToMsf,
  msfToLba,
  readAddressField,
  writeAddressField,
} from '../../../src/scsi/mmc/msf.js';
import { ByteReader, ByteWriter } from '../../../src/scsi/bytes.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { h } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

const validMsf = () =>
  fc.record({
    m: fc.integer({ min: 0, max: 99 }),
    s: fc.integer({ min: 0, max: 59 }),
    f: fc.integer({ min: 0, max: 74 }),
  });

describe('MSF <-> LBA (spec §8.2)', () => {
  // Hand-computed: (M·60 + S)·75 + F − 150, or − 450150 for M ≥ 90.
  const table: [string, number, number, number, number][] = [
    ['00:02:00 is LBA 0 (start of the program area)', 0, 2, 0, 0],
    ['00:00:00 is LBA -150 (start of the pre-gap)', 0, 0, 0, -150],
    ['97:26:66 is the blank CD-R lead-in start, -11634', 97, 26, 66, -11634],
    ['95:00:00 is the raw-DAO image start, -22650', 95, 0, 0, -22650],
    ['90:00:00 is the first lead-in LBA, -45150', 90, 0, 0, -45150],
    ['99:59:74 is the last lead-in LBA, -151', 99, 59, 74, -151],
    ['79:59:74 is the 80-minute CD-R lead-out limit, 359849', 79, 59, 74, 359849],
    ['88:29:74 is the image creator lead-out limit, 398099', 88, 29, 74, 398099],
    ['89:59:74 is the largest program-area address, 404849', 89, 59, 74, 404849],
    ['04:28:50 is LBA 20000', 4, 28, 50, 20000],
  ];
  for (const [name, m, s, f, lba] of table) {
    it(name, () => {
      assert.equal(msfToLba({ m, s, f }), lba);
      assert.deepEqual(lbaToMsf(lba), { m, s, f });
    });
  }

  it('the MSF range constants are the ends of the table', () => {
    assert.equal(MSF_LBA_MIN, -45150);
    assert.equal(MSF_LBA_MAX, 404849);
  });

  it('msfToLba is plain arithmetic on out-of-range components (tgt lead-out 00:FF:3B:4A)', () => {
    assert.equal(msfToLba({ m: 0, s: 0xff, f: 0x4a }), 255 * 75 + 74 - 150);
    assert.equal(msfToLba({ m: 0, s: 60, f: 0 }), 4350);
  });

  it('lbaToMsf rejects LBAs MSF cannot express, and non-integers', () => {
    for (const bad of [MSF_LBA_MIN - 1, MSF_LBA_MAX + 1, 0.5, NaN, Infinity, -(2 ** 31)]) {
      assert.throws(() => lbaToMsf(bad), isInvalidArg, String(bad));
    }
  });

  it('round-trips every LBA in range, always to a valid MSF', () => {
    fc.assert(
      fc.property(fc.integer({ min: MSF_LBA_MIN, max: MSF_LBA_MAX }), (lba) => {
        const msf = lbaToMsf(lba);
        assert.ok(isValidMsf(msf));
        assert.equal(msfToLba(msf), lba);
      }),
    );
  });

  it('round-trips every valid MSF', () => {
    fc.assert(
      fc.property(validMsf(), (msf) => assert.deepEqual(lbaToMsf(msfToLba(msf)), { ...msf })),
    );
  });

  it('isValidMsf checks each component', () => {
    assert.ok(isValidMsf({ m: 99, s: 59, f: 74 }));
    assert.ok(!isValidMsf({ m: 100, s: 0, f: 0 }));
    assert.ok(!isValidMsf({ m: 0, s: 60, f: 0 }));
    assert.ok(!isValidMsf({ m: 0, s: 0, f: 75 }));
    assert.ok(!isValidMsf({ m: -1, s: 0, f: 0 }));
    assert.ok(!isValidMsf({ m: 0, s: 1.5, f: 0 }));
  });

  it('formatMsf pads to MM:SS:FF', () => {
    assert.equal(formatMsf({ m: 97, s: 26, f: 66 }), '97:26:66');
    assert.equal(formatMsf({ m: 0, s: 2, f: 0 }), '00:02:00');
  });
});

describe('4-byte address fields', () => {
  it('reads a signed LBA', () => {
    assert.equal(readAddressField(new ByteReader(h('FFFFFF6A')), 0, false), -150);
    assert.equal(readAddressField(new ByteReader(h('00 00 4E 20')), 0, false), 20000);
  });
  it('reads MSF from bytes 1..3 and ignores reserved byte 0', () => {
    assert.equal(readAddressField(new ByteReader(h('00 04 1C 32')), 0, true), 20000);
    assert.equal(readAddressField(new ByteReader(h('7F 00 02 00')), 0, true), 0);
  });
  it('writes an LBA or its MSF', () => {
    const w = new ByteWriter(8);
    writeAddressField(w, 0, -150, false, 'x');
    writeAddressField(w, 4, 20000, true, 'x');
    assert.deepEqual(w.bytes, h('FFFFFF6A 00 04 1C 32'));
  });
  it('refuses an LBA outside the MSF range in MSF form', () => {
    assert.throws(() => writeAddressField(new ByteWriter(4), 0, 500000, true, 'x'), isInvalidArg);
  });
  it('reading past the end is malformed data', () => {
    assert.throws(
      () => readAddressField(new ByteReader(h('00 00 02')), 0, true),
      MalformedDataError,
    );
    assert.throws(
      () => readAddressField(new ByteReader(h('00 00 02')), 0, false),
      MalformedDataError,
    );
  });
});
