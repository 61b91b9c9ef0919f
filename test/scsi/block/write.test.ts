import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWrite10Cdb, encodeWrite10Cdb, write10 } from '../../../src/scsi/block/write-10.js';
import { decodeWrite12Cdb, encodeWrite12Cdb } from '../../../src/scsi/block/write-12.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h, int32 } from '../../helpers/bytes.js';

describe('WRITE(10)', () => {
  it('encodes LBA 0, 32 blocks (spec §2.6 example)', () => {
    assert.deepEqual(
      encodeWrite10Cdb({ lba: 0, transferLength: 32 }),
      h('2A 00 00000000 00 0020 00'),
    );
  });
  it('encodes negative LBA -150 as two’s complement FF FF FF 6A', () => {
    assert.deepEqual(
      encodeWrite10Cdb({ lba: -150, transferLength: 27 }),
      h('2A 00 FFFFFF6A 00 001B 00'),
    );
  });
  it('encodes LBA -11634 (lead-in of a blank CD-R)', () => {
    assert.deepEqual(
      encodeWrite10Cdb({ lba: -11634, transferLength: 26 }),
      h('2A 00 FFFFD28E 00 001A 00'),
    );
  });
  it('puts DPO at byte 1 bit 4 and FUA at bit 3', () => {
    assert.equal(encodeWrite10Cdb({ lba: 1, transferLength: 1, dpo: true })[1], 0x10);
    assert.equal(encodeWrite10Cdb({ lba: 1, transferLength: 1, fua: true })[1], 0x08);
  });
  it('rejects a transfer length over 65535 and a non-integer LBA', () => {
    assert.throws(() => encodeWrite10Cdb({ lba: 0, transferLength: 65536 }), DwError);
    assert.throws(() => encodeWrite10Cdb({ lba: 0.5, transferLength: 1 }), DwError);
    assert.throws(() => encodeWrite10Cdb({ lba: 2 ** 31, transferLength: 1 }), DwError);
  });
  it('request factory carries the data out', () => {
    const data = new Uint8Array(2048);
    const c = write10({ lba: 5, transferLength: 1, data });
    assert.equal(c.direction, 'out');
    assert.equal(c.dataOut, data);
    assert.equal(c.name, 'WRITE(10)');
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
        (x) => assert.deepEqual(decodeWrite10Cdb(encodeWrite10Cdb(x)), { ...x }),
      ),
    );
  });
  it('decoder rejects other opcodes and is robust', () => {
    assert.throws(() => decodeWrite10Cdb(h('28 00 00000000 00 0001 00')), MalformedDataError);
    assertDecoderRobust(decodeWrite10Cdb, [h('2A 00 FFFFFF6A 00 001B 00')]);
  });
});

describe('WRITE(12)', () => {
  it('encodes the Streaming bit at byte 10 bit 7 (spec §2.6 example)', () => {
    assert.deepEqual(
      encodeWrite12Cdb({ lba: -150, transferLength: 27, streaming: true }),
      h('AA 00 FFFFFF6A 0000001B 80 00'),
    );
  });
  it('encodes a 32-bit transfer length', () => {
    assert.deepEqual(
      encodeWrite12Cdb({ lba: 0x01020304, transferLength: 0x0a0b0c0d }),
      h('AA 00 01020304 0A0B0C0D 00 00'),
    );
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
        (x) => assert.deepEqual(decodeWrite12Cdb(encodeWrite12Cdb(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeWrite12Cdb, [h('AA 00 FFFFFF6A 0000001B 80 00')]);
  });
});
