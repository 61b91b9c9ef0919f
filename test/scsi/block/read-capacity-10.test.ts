import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  READ_CAPACITY_10_DATA_LENGTH,
  decodeReadCapacity10Cdb,
  decodeReadCapacity10Data,
  encodeReadCapacity10Cdb,
  encodeReadCapacity10Data,
  readCapacity10,
} from '../../../src/scsi/block/read-capacity-10.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('READ CAPACITY(10) CDB', () => {
  it('encodes opcode 25h with every other field zero', () => {
    assert.deepEqual(encodeReadCapacity10Cdb(), h('25 00 00000000 0000 00 00'));
  });
  it('puts the LBA in bytes 2..5 and PMI at byte 8 bit 0', () => {
    assert.deepEqual(
      encodeReadCapacity10Cdb({ lba: 0x01020304, pmi: true }),
      h('25 00 01020304 0000 01 00'),
    );
  });
  it('rejects a negative LBA', () => {
    assert.throws(() => encodeReadCapacity10Cdb({ lba: -1 }), DwError);
  });
  it('request factory reads 8 bytes', () => {
    const c = readCapacity10();
    assert.equal(c.name, 'READ CAPACITY(10)');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 8);
    assert.equal(READ_CAPACITY_10_DATA_LENGTH, 8);
  });
  it('decoder rejects another opcode', () => {
    assert.throws(
      () => decodeReadCapacity10Cdb(h('28 00 00000000 0000 00 00')),
      MalformedDataError,
    );
  });
  it('CDB round-trips and its decoder is robust', () => {
    fc.assert(
      fc.property(
        fc.record({ lba: fc.integer({ min: 0, max: 0xffffffff }), pmi: fc.boolean() }),
        (x) => assert.deepEqual(decodeReadCapacity10Cdb(encodeReadCapacity10Cdb(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeReadCapacity10Cdb, [h('25 00 01020304 0000 01 00')]);
  });
});

describe('READ CAPACITY(10) data', () => {
  it('decodes a written DVD: last LBA 23053Fh, 2048-byte blocks', () => {
    assert.deepEqual(decodeReadCapacity10Data(h('0023053F 00000800')), {
      lastLba: 0x23053f,
      blockLength: 2048,
    });
  });
  it('decodes a blank disc answering last LBA 0', () => {
    assert.deepEqual(decodeReadCapacity10Data(h('00000000 00000800')), {
      lastLba: 0,
      blockLength: 2048,
    });
  });
  it('decodes FFFFFFFFh (too large for READ CAPACITY(10)) unsigned', () => {
    assert.equal(decodeReadCapacity10Data(h('FFFFFFFF 00000200')).lastLba, 0xffffffff);
  });
  it('ignores bytes after the eighth', () => {
    assert.deepEqual(decodeReadCapacity10Data(h('00000010 00000930 FF FF')), {
      lastLba: 16,
      blockLength: 2352,
    });
  });
  it('rejects fewer than 8 bytes', () => {
    assert.throws(() => decodeReadCapacity10Data(h('0023053F 000008')), MalformedDataError);
  });
  it('encodes the data for the virtual drive', () => {
    assert.deepEqual(
      encodeReadCapacity10Data({ lastLba: 0x23053f, blockLength: 2048 }),
      h('0023053F 00000800'),
    );
  });
  it('encoder rejects values over 32 bits', () => {
    assert.throws(() => encodeReadCapacity10Data({ lastLba: 2 ** 32, blockLength: 2048 }), DwError);
  });
  it('round-trips and its decoder is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          lastLba: fc.integer({ min: 0, max: 0xffffffff }),
          blockLength: fc.integer({ min: 0, max: 0xffffffff }),
        }),
        (x) => assert.deepEqual(decodeReadCapacity10Data(encodeReadCapacity10Data(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeReadCapacity10Data, [h('0023053F 00000800')]);
  });
});
