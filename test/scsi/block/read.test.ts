import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRead10Cdb, encodeRead10Cdb, read10 } from '../../../src/scsi/block/read-10.js';
import { decodeRead12Cdb, encodeRead12Cdb, read12 } from '../../../src/scsi/block/read-12.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h, int32 } from '../../helpers/bytes.js';

describe('READ(10)', () => {
  it('encodes LBA 0, 16 blocks', () => {
    assert.deepEqual(
      encodeRead10Cdb({ lba: 0, transferLength: 16 }),
      h('28 00 00000000 00 0010 00'),
    );
  });
  it('encodes negative LBA -150 as two’s complement FF FF FF 6A', () => {
    assert.deepEqual(
      encodeRead10Cdb({ lba: -150, transferLength: 27 }),
      h('28 00 FFFFFF6A 00 001B 00'),
    );
  });
  it('puts DPO at byte 1 bit 4, FUA at bit 3 and the group number in byte 6', () => {
    assert.equal(encodeRead10Cdb({ lba: 0, transferLength: 1, dpo: true })[1], 0x10);
    assert.equal(encodeRead10Cdb({ lba: 0, transferLength: 1, fua: true })[1], 0x08);
    assert.equal(encodeRead10Cdb({ lba: 0, transferLength: 1, groupNumber: 0x1f })[6], 0x1f);
  });
  it('rejects out-of-range fields', () => {
    assert.throws(() => encodeRead10Cdb({ lba: 0, transferLength: 65536 }), DwError);
    assert.throws(() => encodeRead10Cdb({ lba: 2 ** 31, transferLength: 1 }), DwError);
    assert.throws(() => encodeRead10Cdb({ lba: 0.5, transferLength: 1 }), DwError);
    assert.throws(() => encodeRead10Cdb({ lba: 0, transferLength: 1, groupNumber: 32 }), DwError);
  });
  it('request factory reads transferLength × blockSize bytes', () => {
    const c = read10({ lba: 100, transferLength: 16, blockSize: 2048 });
    assert.equal(c.name, 'READ(10)');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 32768);
    assert.deepEqual(c.cdb, h('28 00 00000064 00 0010 00'));
  });
  it('request factory rejects a bad block size', () => {
    assert.throws(() => read10({ lba: 0, transferLength: 1, blockSize: 0 }), DwError);
    assert.throws(() => read10({ lba: 0, transferLength: 1, blockSize: 2048.5 }), DwError);
    assert.throws(() => read10({ lba: 0, transferLength: 1, blockSize: 65537 }), DwError);
  });
  it('decodes a CDB', () => {
    assert.deepEqual(decodeRead10Cdb(h('28 18 FFFFFFFF 03 0001 00')), {
      lba: -1,
      transferLength: 1,
      dpo: true,
      fua: true,
      groupNumber: 3,
    });
  });
  it('decoder rejects other opcodes', () => {
    assert.throws(() => decodeRead10Cdb(h('2A 00 00000000 00 0001 00')), MalformedDataError);
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          lba: int32(),
          transferLength: fc.integer({ min: 0, max: 0xffff }),
          dpo: fc.boolean(),
          fua: fc.boolean(),
          groupNumber: fc.integer({ min: 0, max: 31 }),
        }),
        (x) => assert.deepEqual(decodeRead10Cdb(encodeRead10Cdb(x)), { ...x }),
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeRead10Cdb, [h('28 18 FFFFFF6A 03 001B 00')]);
  });
});

describe('READ(12)', () => {
  it('encodes the Streaming bit at byte 10 bit 7', () => {
    assert.deepEqual(
      encodeRead12Cdb({ lba: -150, transferLength: 27, streaming: true }),
      h('A8 00 FFFFFF6A 0000001B 80 00'),
    );
  });
  it('encodes a 32-bit transfer length', () => {
    assert.deepEqual(
      encodeRead12Cdb({ lba: 0x01020304, transferLength: 0x0a0b0c0d }),
      h('A8 00 01020304 0A0B0C0D 00 00'),
    );
  });
  it('puts DPO and FUA in byte 1', () => {
    assert.deepEqual(
      encodeRead12Cdb({ lba: 0, transferLength: 0, dpo: true, fua: true }),
      h('A8 18 00000000 00000000 00 00'),
    );
  });
  it('rejects a transfer length over 32 bits', () => {
    assert.throws(() => encodeRead12Cdb({ lba: 0, transferLength: 2 ** 32 }), DwError);
  });
  it('request factory reads transferLength × blockSize bytes', () => {
    const c = read12({ lba: 0, transferLength: 32, blockSize: 2352, streaming: true });
    assert.equal(c.name, 'READ(12)');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 32 * 2352);
    assert.equal(c.cdb[10], 0x80);
  });
  it('request factory rejects a bad block size', () => {
    assert.throws(() => read12({ lba: 0, transferLength: 1, blockSize: -2048 }), DwError);
  });
  it('decoder rejects other opcodes', () => {
    assert.throws(() => decodeRead12Cdb(h('AA 00 00000000 00000001 00 00')), MalformedDataError);
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          lba: int32(),
          transferLength: fc.integer({ min: 0, max: 0xffffffff }),
          dpo: fc.boolean(),
          fua: fc.boolean(),
          streaming: fc.boolean(),
        }),
        (x) => assert.deepEqual(decodeRead12Cdb(encodeRead12Cdb(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeRead12Cdb, [h('A8 18 FFFFFF6A 0000001B 80 00')]);
  });
});
