// READ DISC STRUCTURE, media type 1 (BD), format 00h: the disc information unit codec.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BD_DISC_INFORMATION_LENGTH,
  decodeBdDiscInformation,
  encodeBdDiscInformation,
  type BdDiscInformation,
} from '../../../src/scsi/mmc/bd-disc-information.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../../helpers/bytes.js';

// A single-layer 25 GB BD-R: "DI", format 1, one unit per block (bits 7..3 of byte 3), 112 bytes
// in use, "BDR", 120 mm class 0 version 1, one layer, 74.5 nm, BCA present, rate unspecified,
// data zone from AUN 100000h to 6D39FFh.
const BD_R_UNIT = cat(
  h('44 49 01 08 00 00 70 00'),
  h('42 44 52  01  10  01  00 00'),
  h('01 00 00 00'),
  be(0x6d39ff, 4),
  be(0x100000, 4),
  be(0x6d39ff, 4),
);
const BD_R: BdDiscInformation = {
  discTypeIdentifier: 'BDR',
  diFormat: 1,
  unitsPerBlock: 1,
  sequenceNumber: 0,
  discSize: 0,
  discClass: 0,
  discVersion: 1,
  numberOfLayers: 1,
  channelBitLength: 1,
  bca: 1,
  maximumTransferRate: 0,
  lastUserDataPsn: 0x6d39ff,
  firstAun: 0x100000,
  lastAun: 0x6d39ff,
};

describe('BD disc information (format 00h, media type 1)', () => {
  it('encodes one DI unit at the start of a 4096-byte DI block', () => {
    assert.deepEqual(
      encodeBdDiscInformation(BD_R),
      cat(BD_R_UNIT, zeros(BD_DISC_INFORMATION_LENGTH - 32)),
    );
  });

  it('packs disc size, class and version into byte 11 and the layer count into byte 12', () => {
    const b = encodeBdDiscInformation({
      ...BD_R,
      discTypeIdentifier: 'BDW',
      discSize: 1,
      discClass: 2,
      discVersion: 3,
      numberOfLayers: 2,
      channelBitLength: 2,
    });
    assert.deepEqual(b.subarray(8, 14), h('42 44 57  63  20  02'));
  });

  it('decodes the unit from the first 32 bytes', () => {
    assert.deepEqual(decodeBdDiscInformation(BD_R_UNIT), BD_R);
  });

  it('refuses a unit without "DI" or shorter than 32 bytes', () => {
    assert.throws(() => decodeBdDiscInformation(Uint8Array.from(zeros(32))), MalformedDataError);
    assert.throws(() => decodeBdDiscInformation(BD_R_UNIT.subarray(0, 31)), MalformedDataError);
  });

  it('refuses fields that do not fit with an argument error', () => {
    assert.throws(() => encodeBdDiscInformation({ ...BD_R, discTypeIdentifier: 'BD' }), DwError);
    assert.throws(() => encodeBdDiscInformation({ ...BD_R, numberOfLayers: 16 }), DwError);
    assert.throws(() => encodeBdDiscInformation({ ...BD_R, unitsPerBlock: 32 }), DwError);
  });

  it('round-trips', () => {
    const arb = fc.record({
      discTypeIdentifier: fc.constantFrom('BDO', 'BDR', 'BDW'),
      diFormat: fc.integer({ min: 0, max: 255 }),
      unitsPerBlock: fc.integer({ min: 0, max: 31 }),
      sequenceNumber: fc.integer({ min: 0, max: 255 }),
      discSize: fc.integer({ min: 0, max: 3 }),
      discClass: fc.integer({ min: 0, max: 3 }),
      discVersion: fc.integer({ min: 0, max: 15 }),
      numberOfLayers: fc.integer({ min: 0, max: 15 }),
      channelBitLength: fc.integer({ min: 0, max: 15 }),
      bca: fc.integer({ min: 0, max: 15 }),
      maximumTransferRate: fc.integer({ min: 0, max: 255 }),
      lastUserDataPsn: fc.integer({ min: 0, max: 0xffffffff }),
      firstAun: fc.integer({ min: 0, max: 0xffffffff }),
      lastAun: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(arb, (d) => {
        assert.deepEqual(decodeBdDiscInformation(encodeBdDiscInformation(d)), { ...d });
      }),
    );
  });

  it('never throws anything but MalformedDataError on random or damaged bytes', () => {
    assertDecoderRobust(decodeBdDiscInformation, [BD_R_UNIT]);
  });
});
