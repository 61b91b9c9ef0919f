import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FORMAT_CODE_MMC,
  FORMAT_UNIT_PARAMETER_LIST_LENGTH,
  FormatType,
  decodeFormatUnitCdb,
  decodeFormatUnitData,
  encodeFormatUnitCdb,
  encodeFormatUnitData,
  formatUnit,
  type FormatUnitParameterList,
} from '../../../src/scsi/mmc/format-unit.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

const noFlags = {
  fov: false,
  dpry: false,
  dcrt: false,
  stpf: false,
  ip: false,
  tryOut: false,
  immed: false,
  vs: false,
};

describe('FORMAT UNIT CDB', () => {
  it('defaults to Format Code 001b without FmtData', () => {
    assert.equal(FORMAT_CODE_MMC, 1);
    assert.deepEqual(encodeFormatUnitCdb(), h('04 01 00 00 00 00'));
  });
  it('puts FmtData at byte 1 bit 4 and CmpList at bit 3', () => {
    assert.deepEqual(encodeFormatUnitCdb({ fmtData: true }), h('04 11 00 00 00 00'));
    assert.deepEqual(encodeFormatUnitCdb({ fmtData: true, cmpList: true }), h('04 19 00 00 00 00'));
    assert.deepEqual(encodeFormatUnitCdb({ formatCode: 7 }), h('04 07 00 00 00 00'));
  });
  it('rejects a format code over 7', () => {
    assert.throws(() => encodeFormatUnitCdb({ formatCode: 8 }), isInvalidArg);
  });
  it('CDB round-trips, rejects other opcodes and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          fmtData: fc.boolean(),
          cmpList: fc.boolean(),
          formatCode: fc.integer({ min: 0, max: 7 }),
        }),
        (x) => assert.deepEqual(decodeFormatUnitCdb(encodeFormatUnitCdb(x)), { ...x }),
      ),
    );
    assert.throws(() => decodeFormatUnitCdb(h('00 11 00 00 00 00')), MalformedDataError);
    assert.throws(() => decodeFormatUnitCdb(h('04 11 00 00 00')), MalformedDataError);
    assertDecoderRobust(decodeFormatUnitCdb, [h('04 19 00 00 00 00')]);
  });
});

describe('FORMAT UNIT parameter list', () => {
  it('format type table', () => {
    assert.equal(FormatType.FULL_FORMAT, 0x00);
    assert.equal(FormatType.SPARE_AREA_EXPANSION, 0x01);
    assert.equal(FormatType.CD_DVD_RW_FULL_FORMAT, 0x10);
    assert.equal(FormatType.DVD_RW_QUICK_GROW_LAST_SESSION, 0x13);
    assert.equal(FormatType.DVD_RW_QUICK, 0x15);
    assert.equal(FormatType.MRW_FORMAT, 0x24);
    assert.equal(FormatType.DVD_PLUS_RW_BASIC_FORMAT, 0x26);
    assert.equal(FormatType.BD_RE_FULL_FORMAT_WITH_SPARE_AREAS, 0x30);
    assert.equal(FormatType.BD_RE_FULL_FORMAT_WITHOUT_SPARE_AREAS, 0x31);
    assert.equal(FormatType.BD_R_FULL_FORMAT_WITH_SPARE_AREAS, 0x32);
  });

  it('DVD+RW basic format to maximum size, IMMED', () => {
    assert.deepEqual(
      encodeFormatUnitData({
        immed: true,
        formatDescriptor: {
          numberOfBlocks: 0xffffffff,
          formatType: FormatType.DVD_PLUS_RW_BASIC_FORMAT,
          formatSubType: 0,
          typeDependentParameter: 0,
        },
      }),
      h('00 02 0008  FFFFFFFF 98 000000'),
    );
  });

  it('DVD-RW quick format, size 0, packet size 16', () => {
    const bytes = h('00 02 0008  00000000 54 000010');
    const list: FormatUnitParameterList = {
      ...noFlags,
      immed: true,
      formatDescriptor: {
        numberOfBlocks: 0,
        formatType: FormatType.DVD_RW_QUICK,
        formatSubType: 0,
        typeDependentParameter: 16,
      },
    };
    assert.deepEqual(encodeFormatUnitData(list), bytes);
    assert.deepEqual(decodeFormatUnitData(bytes), list);
  });

  it('BD-RE full format with spares, sub-type 2 (full certification), FOV', () => {
    assert.deepEqual(
      encodeFormatUnitData({
        fov: true,
        immed: true,
        formatDescriptor: {
          numberOfBlocks: 12_219_392,
          formatType: FormatType.BD_RE_FULL_FORMAT_WITH_SPARE_AREAS,
          formatSubType: 2,
          typeDependentParameter: 0x001000,
        },
      }),
      h('00 82 0008  00BA7400 C2 001000'),
    );
  });

  it('places each header flag at its bit of byte 1', () => {
    const fd = { numberOfBlocks: 0, formatType: 0, formatSubType: 0, typeDependentParameter: 0 };
    const bit = (k: keyof typeof noFlags) =>
      encodeFormatUnitData({ [k]: true, formatDescriptor: fd })[1];
    assert.deepEqual(
      [
        bit('fov'),
        bit('dpry'),
        bit('dcrt'),
        bit('stpf'),
        bit('ip'),
        bit('tryOut'),
        bit('immed'),
        bit('vs'),
      ],
      [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01],
    );
    assert.equal(
      encodeFormatUnitData({ formatDescriptor: fd }).length,
      FORMAT_UNIT_PARAMETER_LIST_LENGTH,
    );
  });

  it('encoder rejects values the fields cannot hold', () => {
    const fd = { numberOfBlocks: 0, formatType: 0, formatSubType: 0, typeDependentParameter: 0 };
    const bad = (patch: object) => () =>
      encodeFormatUnitData({ formatDescriptor: { ...fd, ...patch } });
    assert.throws(bad({ formatType: 64 }), isInvalidArg);
    assert.throws(bad({ formatSubType: 4 }), isInvalidArg);
    assert.throws(bad({ typeDependentParameter: 0x1000000 }), isInvalidArg);
    assert.throws(bad({ numberOfBlocks: 2 ** 32 }), isInvalidArg);
  });

  it('decoder rejects a descriptor length other than 8 and a short list', () => {
    assert.throws(
      () => decodeFormatUnitData(h('00 02 0010  FFFFFFFF 98 000000')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeFormatUnitData(h('00 02 0008  FFFFFFFF 98 0000')),
      MalformedDataError,
    );
    assert.throws(() => decodeFormatUnitData(h('00 02 00')), MalformedDataError);
  });

  it('request factory: FmtData, Format Code 001b, the list as data-out', () => {
    const formatDescriptor = {
      numberOfBlocks: 0xffffffff,
      formatType: FormatType.DVD_PLUS_RW_BASIC_FORMAT,
      formatSubType: 0,
      typeDependentParameter: 0,
    };
    const c = formatUnit({ immed: true, formatDescriptor });
    assert.equal(c.name, 'FORMAT UNIT');
    assert.equal(c.direction, 'out');
    assert.deepEqual(c.cdb, h('04 11 00 00 00 00'));
    assert.deepEqual(c.dataOut, h('00 02 0008 FFFFFFFF 98 000000'));
    assert.deepEqual(formatUnit({ cmpList: true, formatDescriptor }).cdb, h('04 19 00 00 00 00'));
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          fov: fc.boolean(),
          dpry: fc.boolean(),
          dcrt: fc.boolean(),
          stpf: fc.boolean(),
          ip: fc.boolean(),
          tryOut: fc.boolean(),
          immed: fc.boolean(),
          vs: fc.boolean(),
        }),
        fc.record({
          numberOfBlocks: fc.integer({ min: 0, max: 0xffffffff }),
          formatType: fc.integer({ min: 0, max: 63 }),
          formatSubType: fc.integer({ min: 0, max: 3 }),
          typeDependentParameter: fc.integer({ min: 0, max: 0xffffff }),
        }),
        (flags, fd) => {
          const list: FormatUnitParameterList = { ...flags, formatDescriptor: { ...fd } };
          assert.deepEqual(decodeFormatUnitData(encodeFormatUnitData(list)), list);
        },
      ),
    );
  });

  it('decoder is robust', () => {
    assertDecoderRobust(decodeFormatUnitData, [h('00 82 0008 00BA7400 C2 001000')]);
  });
});
