import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CapacityDescriptorType,
  MAX_FORMAT_CAPACITIES_LENGTH,
  decodeReadFormatCapacitiesCdb,
  decodeReadFormatCapacitiesData,
  encodeReadFormatCapacitiesCdb,
  encodeReadFormatCapacitiesData,
  readFormatCapacities,
  readFormatCapacitiesDataLength,
  type FormatCapacities,
} from '../../../src/scsi/mmc/read-format-capacities.js';
import { FormatType } from '../../../src/scsi/mmc/format-unit.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

// A blank DVD+RW: unformatted, one offer: DVD+RW Basic Format (26h) at full size.
const BLANK_DVD_PLUS_RW = cat(
  h('00 00 00 10'), // Capacity List Length 16
  h('00230530 01 000800'), // 2,295,088 blocks, unformatted, 2048-byte blocks
  h('00230530 98 000000'), // Format Type 26h << 2
);

// A sequential DVD-RW: full format (00h), DVD-RW full (10h) and quick (15h) offered.
const DVD_RW_SEQUENTIAL = cat(
  h('00 00 00 20'),
  h('0022EC40 01 000800'),
  h('0022EC40 00 000800'), // 00h, block length 2048
  h('0022EC40 40 000010'), // 10h, packet size 16
  h('0022EC40 54 000010'), // 15h
);

// No medium: the drive's maximum, descriptor type 11b.
const NO_MEDIA = h('00 00 00 08  00230540 03 000800');

describe('READ FORMAT CAPACITIES CDB', () => {
  it('encodes the allocation length in bytes 7..8; default 252 (30 descriptors)', () => {
    assert.equal(MAX_FORMAT_CAPACITIES_LENGTH, 4 + 8 * 31);
    assert.deepEqual(encodeReadFormatCapacitiesCdb(), h('23 00 00 00 00 00 00 00 FC 00'));
    assert.deepEqual(
      encodeReadFormatCapacitiesCdb({ allocationLength: 12 }),
      h('23 00 00 00 00 00 00 00 0C 00'),
    );
  });
  it('request factory: data-in with the CDB allocation length', () => {
    const c = readFormatCapacities({ allocationLength: 12 });
    assert.equal(c.name, 'READ FORMAT CAPACITIES');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 12);
    assert.equal(readFormatCapacities().allocationLength, 252);
  });
  it('CDB round-trips, rejects other opcodes and is robust', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (n) =>
        assert.deepEqual(
          decodeReadFormatCapacitiesCdb(encodeReadFormatCapacitiesCdb({ allocationLength: n })),
          { allocationLength: n },
        ),
      ),
    );
    assert.throws(() => encodeReadFormatCapacitiesCdb({ allocationLength: -1 }), isInvalidArg);
    assert.throws(
      () => decodeReadFormatCapacitiesCdb(h('25 00 00 00 00 00 00 00 0C 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeReadFormatCapacitiesCdb, [h('23 00 00 00 00 00 00 00 FC 00')]);
  });
});

describe('READ FORMAT CAPACITIES data', () => {
  it('descriptor type table', () => {
    assert.deepEqual({ ...CapacityDescriptorType }, { UNFORMATTED: 1, FORMATTED: 2, NO_MEDIA: 3 });
  });

  it('decodes a blank DVD+RW offering the basic format', () => {
    const expected: FormatCapacities = {
      currentMaximumCapacity: {
        numberOfBlocks: 2_295_088,
        descriptorType: CapacityDescriptorType.UNFORMATTED,
        blockLength: 2048,
      },
      formattableCapacities: [
        {
          numberOfBlocks: 2_295_088,
          formatType: FormatType.DVD_PLUS_RW_BASIC_FORMAT,
          typeDependentParameter: 0,
        },
      ],
    };
    assert.deepEqual(decodeReadFormatCapacitiesData(BLANK_DVD_PLUS_RW), expected);
    assert.deepEqual(encodeReadFormatCapacitiesData(expected), BLANK_DVD_PLUS_RW);
  });

  it('decodes several offers in order, format type from bits 7..2', () => {
    const c = decodeReadFormatCapacitiesData(DVD_RW_SEQUENTIAL);
    assert.deepEqual(
      c.formattableCapacities.map((d) => [d.formatType, d.typeDependentParameter]),
      [
        [FormatType.FULL_FORMAT, 2048],
        [FormatType.CD_DVD_RW_FULL_FORMAT, 16],
        [FormatType.DVD_RW_QUICK, 16],
      ],
    );
    assert.deepEqual(encodeReadFormatCapacitiesData(c), DVD_RW_SEQUENTIAL);
  });

  it('ignores the reserved low bits of a formattable descriptor byte 4', () => {
    const x = Uint8Array.from(BLANK_DVD_PLUS_RW);
    x[16] = 0x9b; // 26h << 2 | 11b
    assert.equal(decodeReadFormatCapacitiesData(x).formattableCapacities[0]!.formatType, 0x26);
  });

  it('decodes the no-media descriptor with an empty offer list', () => {
    assert.deepEqual(decodeReadFormatCapacitiesData(NO_MEDIA), {
      currentMaximumCapacity: {
        numberOfBlocks: 0x230540,
        descriptorType: CapacityDescriptorType.NO_MEDIA,
        blockLength: 2048,
      },
      formattableCapacities: [],
    });
  });

  it('a list cut by the allocation length keeps whole descriptors; padding is ignored', () => {
    assert.equal(
      decodeReadFormatCapacitiesData(DVD_RW_SEQUENTIAL.subarray(0, 4 + 8 + 8 + 3))
        .formattableCapacities.length,
      1,
    );
    const padded = cat(BLANK_DVD_PLUS_RW, h('00230530 40 000010'));
    assert.equal(decodeReadFormatCapacitiesData(padded).formattableCapacities.length, 1);
  });

  it('reports the full length so the caller can re-read', () => {
    assert.equal(readFormatCapacitiesDataLength(h('00 00 00 20')), 36);
    assert.throws(() => readFormatCapacitiesDataLength(h('00 00 00')), MalformedDataError);
  });

  it('rejects a list without its Current/Maximum Capacity Descriptor', () => {
    assert.throws(() => decodeReadFormatCapacitiesData(h('00 00 00 00')), MalformedDataError);
    assert.throws(
      () => decodeReadFormatCapacitiesData(h('00 00 00 08 00230540 03 0008')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeReadFormatCapacitiesData(h('00 00 00 04 00230540 03 000800')),
      MalformedDataError,
    );
  });

  it('encoder rejects values the fields cannot hold', () => {
    const base = decodeReadFormatCapacitiesData(BLANK_DVD_PLUS_RW);
    const offer = base.formattableCapacities[0]!;
    const bad = (c: FormatCapacities) => () => encodeReadFormatCapacitiesData(c);
    assert.throws(bad({ ...base, formattableCapacities: new Array(31).fill(offer) }), isInvalidArg);
    assert.doesNotThrow(bad({ ...base, formattableCapacities: new Array(30).fill(offer) }));
    assert.throws(
      bad({ ...base, formattableCapacities: [{ ...offer, formatType: 64 }] }),
      isInvalidArg,
    );
    assert.throws(
      bad({ ...base, formattableCapacities: [{ ...offer, typeDependentParameter: 0x1000000 }] }),
      isInvalidArg,
    );
    assert.throws(
      bad({
        ...base,
        currentMaximumCapacity: { ...base.currentMaximumCapacity, descriptorType: 4 },
      }),
      isInvalidArg,
    );
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          numberOfBlocks: fc.integer({ min: 0, max: 0xffffffff }),
          descriptorType: fc.integer({ min: 0, max: 3 }),
          blockLength: fc.integer({ min: 0, max: 0xffffff }),
        }),
        fc.array(
          fc.record({
            numberOfBlocks: fc.integer({ min: 0, max: 0xffffffff }),
            formatType: fc.integer({ min: 0, max: 63 }),
            typeDependentParameter: fc.integer({ min: 0, max: 0xffffff }),
          }),
          { maxLength: 30 },
        ),
        (cur, offers) => {
          const c: FormatCapacities = {
            currentMaximumCapacity: { ...cur },
            formattableCapacities: offers.map((o) => ({ ...o })),
          };
          assert.deepEqual(decodeReadFormatCapacitiesData(encodeReadFormatCapacitiesData(c)), c);
        },
      ),
    );
  });

  it('decoder is robust to random, truncated and corrupted replies', () => {
    assertDecoderRobust(decodeReadFormatCapacitiesData, [
      BLANK_DVD_PLUS_RW,
      DVD_RW_SEQUENTIAL,
      NO_MEDIA,
    ]);
  });
});
