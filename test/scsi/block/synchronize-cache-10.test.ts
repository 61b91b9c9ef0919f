import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeSynchronizeCache10Cdb,
  encodeSynchronizeCache10Cdb,
  synchronizeCache10,
} from '../../../src/scsi/block/synchronize-cache-10.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('SYNCHRONIZE CACHE(10)', () => {
  it('encodes a whole-cache flush as opcode 35h and zeros', () => {
    assert.deepEqual(encodeSynchronizeCache10Cdb(), h('35 00 00000000 00 0000 00'));
  });
  it('puts IMMED at byte 1 bit 1', () => {
    assert.deepEqual(encodeSynchronizeCache10Cdb({ immed: true }), h('35 02 00000000 00 0000 00'));
  });
  it('puts the LBA in bytes 2..5 and the number of blocks in bytes 7..8', () => {
    assert.deepEqual(
      encodeSynchronizeCache10Cdb({ lba: 0x00230540, numberOfBlocks: 0x20, groupNumber: 1 }),
      h('35 00 00230540 01 0020 00'),
    );
  });
  it('rejects out-of-range fields', () => {
    assert.throws(() => encodeSynchronizeCache10Cdb({ lba: -1 }), DwError);
    assert.throws(() => encodeSynchronizeCache10Cdb({ numberOfBlocks: 65536 }), DwError);
    assert.throws(() => encodeSynchronizeCache10Cdb({ groupNumber: 32 }), DwError);
  });
  it('request factory has no data phase', () => {
    const c = synchronizeCache10({ immed: true });
    assert.equal(c.name, 'SYNCHRONIZE CACHE(10)');
    assert.equal(c.direction, 'none');
    assert.deepEqual(c.cdb, h('35 02 00000000 00 0000 00'));
  });
  it('decodes a CDB', () => {
    assert.deepEqual(decodeSynchronizeCache10Cdb(h('35 02 00000010 00 0008 00')), {
      immed: true,
      lba: 16,
      numberOfBlocks: 8,
      groupNumber: 0,
    });
  });
  it('decoder rejects another opcode', () => {
    assert.throws(
      () => decodeSynchronizeCache10Cdb(h('2A 02 00000010 00 0008 00')),
      MalformedDataError,
    );
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          immed: fc.boolean(),
          lba: fc.integer({ min: 0, max: 0xffffffff }),
          numberOfBlocks: fc.integer({ min: 0, max: 0xffff }),
          groupNumber: fc.integer({ min: 0, max: 31 }),
        }),
        (x) =>
          assert.deepEqual(decodeSynchronizeCache10Cdb(encodeSynchronizeCache10Cdb(x)), { ...x }),
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeSynchronizeCache10Cdb, [h('35 02 00000010 00 0008 00')]);
  });
});
