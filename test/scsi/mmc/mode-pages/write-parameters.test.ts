import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DataBlockType,
  MultiSession,
  SessionFormat,
  WriteType,
  blockSizeForDataBlockType,
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../../../../src/scsi/mmc/mode-pages/write-parameters.js';
import { DwError, MalformedDataError } from '../../../../src/errors.js';
import { assertDecoderRobust, cat, h, zeros } from '../../../helpers/bytes.js';

// tgt's page: BUFE, LS_V, SAO, track mode 5, Mode 1, link size 16, packet size 16, pause 150.
const tgtPage = cat(h('05 32 62 05 08 10 00 00 00 00 00000010 0096'), zeros(36));

const seq = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

// A CD TAO page with every field distinct: PS, Test Write, multi-session 3 (next allowed), FP,
// Copy, track mode 4, Mode 2 Form 1, application code 2Ah, CD-ROM XA, MCN/ISRC/sub-header
// patterns, and the vendor specific bytes (PAGE LENGTH 36h).
const fullPage = cat(
  h('85 36 51 F4 0A 07 00 2A 20 00 00000020 0000'),
  seq(0x10, 16),
  seq(0x30, 16),
  h('00 00 08 00'),
  h('DE AD BE EF'),
);

describe('Write Parameters page (05h)', () => {
  it('decodes tgt’s page', () => {
    assert.deepEqual(decodeWriteParametersPage(tgtPage), {
      ps: false,
      bufe: true,
      lsV: true,
      testWrite: false,
      writeType: WriteType.SAO,
      multiSession: MultiSession.NO_NEXT_SESSION,
      fp: false,
      copy: false,
      trackMode: 5,
      dataBlockType: DataBlockType.MODE_1,
      linkSize: 16,
      initiatorApplicationCode: 0,
      sessionFormat: SessionFormat.CD_DA_OR_CD_ROM,
      packetSize: 16,
      audioPauseLength: 150,
      mediaCatalogNumber: new Uint8Array(16),
      internationalStandardRecordingCode: new Uint8Array(16),
      subHeader: new Uint8Array(4),
    });
  });
  it('decodes a page with every field set, vendor bytes included', () => {
    assert.deepEqual(decodeWriteParametersPage(fullPage), {
      ps: true,
      bufe: true,
      lsV: false,
      testWrite: true,
      writeType: WriteType.TAO,
      multiSession: MultiSession.NEXT_SESSION_ALLOWED,
      fp: true,
      copy: true,
      trackMode: 4,
      dataBlockType: DataBlockType.MODE_2_FORM_1,
      linkSize: 7,
      initiatorApplicationCode: 0x2a,
      sessionFormat: SessionFormat.CD_ROM_XA,
      packetSize: 32,
      audioPauseLength: 0,
      mediaCatalogNumber: Uint8Array.from(seq(0x10, 16)),
      internationalStandardRecordingCode: Uint8Array.from(seq(0x30, 16)),
      subHeader: h('00 00 08 00'),
      vendorSpecific: h('DE AD BE EF'),
    });
  });
  it('ignores the reserved bit 7 of byte 2 and bits 7..4 of byte 4', () => {
    const bytes = Uint8Array.from(tgtPage);
    bytes[2] = 0x80 | 0x01;
    bytes[4] = 0xf0 | 0x0d;
    const d = decodeWriteParametersPage(bytes);
    assert.equal(d.bufe, false);
    assert.equal(d.writeType, WriteType.TAO);
    assert.equal(d.dataBlockType, DataBlockType.MODE_2_MIXED);
  });
  it('decodes the multi-session bits 7..6 of byte 3', () => {
    const bytes = Uint8Array.from(tgtPage);
    bytes[3] = 0x40;
    assert.equal(
      decodeWriteParametersPage(bytes).multiSession,
      MultiSession.NO_NEXT_SESSION_B0_FFFFFF,
    );
  });
  it('copies the raw fields (no view into the reply)', () => {
    const bytes = Uint8Array.from(fullPage);
    const d = decodeWriteParametersPage(bytes);
    bytes[16] = 0xff;
    assert.equal(d.mediaCatalogNumber[0], 0x10);
  });
  it('ignores vendor bytes beyond a 32h page', () => {
    const d = decodeWriteParametersPage(cat(tgtPage, h('AA BB CC DD')));
    assert.equal('vendorSpecific' in d, false);
  });
  it('rejects another page, SPF and a page shorter than 52 bytes', () => {
    assert.throws(() => decodeWriteParametersPage(cat(h('01 32'), zeros(50))), MalformedDataError);
    assert.throws(
      () => decodeWriteParametersPage(cat(h('45 00 0032'), zeros(50))),
      MalformedDataError,
    );
    assert.throws(() => decodeWriteParametersPage(cat(h('05 30'), zeros(48))), MalformedDataError);
    assert.throws(() => decodeWriteParametersPage(tgtPage.subarray(0, 51)), MalformedDataError);
  });
  it('encodes tgt’s page from its fields', () => {
    assert.deepEqual(
      encodeWriteParametersPage({
        bufe: true,
        lsV: true,
        writeType: WriteType.SAO,
        trackMode: 5,
        dataBlockType: DataBlockType.MODE_1,
        linkSize: 16,
        packetSize: 16,
        audioPauseLength: 150,
      }),
      tgtPage,
    );
  });
  it('encodes every field, with PAGE LENGTH 36h when vendor bytes are given', () => {
    assert.deepEqual(
      encodeWriteParametersPage({
        ps: true,
        bufe: true,
        testWrite: true,
        writeType: WriteType.TAO,
        multiSession: MultiSession.NEXT_SESSION_ALLOWED,
        fp: true,
        copy: true,
        trackMode: 4,
        dataBlockType: DataBlockType.MODE_2_FORM_1,
        linkSize: 7,
        initiatorApplicationCode: 0x2a,
        sessionFormat: SessionFormat.CD_ROM_XA,
        packetSize: 32,
        mediaCatalogNumber: Uint8Array.from(seq(0x10, 16)),
        internationalStandardRecordingCode: Uint8Array.from(seq(0x30, 16)),
        subHeader: h('00 00 08 00'),
        vendorSpecific: h('DE AD BE EF'),
      }),
      fullPage,
    );
  });
  it('encodes a raw DAO page for raw CD writing (data block type 1)', () => {
    assert.deepEqual(
      encodeWriteParametersPage({
        writeType: WriteType.RAW,
        trackMode: 0,
        dataBlockType: DataBlockType.RAW_PQ,
        audioPauseLength: 150,
      }),
      cat(h('05 32 03 00 01 00 00 00 00 00 00000000 0096'), zeros(36)),
    );
  });
  it('rejects fields out of range and raw fields of the wrong size', () => {
    const base = { writeType: 0, trackMode: 0, dataBlockType: 8 };
    assert.throws(() => encodeWriteParametersPage({ ...base, writeType: 16 }), DwError);
    assert.throws(() => encodeWriteParametersPage({ ...base, multiSession: 4 }), DwError);
    assert.throws(
      () => encodeWriteParametersPage({ ...base, initiatorApplicationCode: 64 }),
      DwError,
    );
    assert.throws(() => encodeWriteParametersPage({ ...base, audioPauseLength: 65536 }), DwError);
    assert.throws(
      () => encodeWriteParametersPage({ ...base, mediaCatalogNumber: new Uint8Array(15) }),
      DwError,
    );
    assert.throws(
      () => encodeWriteParametersPage({ ...base, subHeader: new Uint8Array(5) }),
      DwError,
    );
    assert.throws(
      () => encodeWriteParametersPage({ ...base, vendorSpecific: new Uint8Array(3) }),
      DwError,
    );
  });
  it('round-trips', () => {
    const common = {
      ps: fc.boolean(),
      bufe: fc.boolean(),
      lsV: fc.boolean(),
      testWrite: fc.boolean(),
      writeType: fc.integer({ min: 0, max: 15 }),
      multiSession: fc.integer({ min: 0, max: 3 }),
      fp: fc.boolean(),
      copy: fc.boolean(),
      trackMode: fc.integer({ min: 0, max: 15 }),
      dataBlockType: fc.integer({ min: 0, max: 15 }),
      linkSize: fc.integer({ min: 0, max: 255 }),
      initiatorApplicationCode: fc.integer({ min: 0, max: 63 }),
      sessionFormat: fc.integer({ min: 0, max: 255 }),
      packetSize: fc.integer({ min: 0, max: 0xffffffff }),
      audioPauseLength: fc.integer({ min: 0, max: 0xffff }),
      mediaCatalogNumber: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      internationalStandardRecordingCode: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      subHeader: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record(common),
          fc.record({ ...common, vendorSpecific: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
        ),
        (x) => assert.deepEqual(decodeWriteParametersPage(encodeWriteParametersPage(x)), { ...x }),
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeWriteParametersPage, [tgtPage, fullPage]);
  });
});

describe('Write Parameters code tables', () => {
  it('WriteType has the MMC values', () => {
    assert.deepEqual(
      { ...WriteType },
      { PACKET_INCREMENTAL: 0, TAO: 1, SAO: 2, RAW: 3, LAYER_JUMP: 4 },
    );
  });
  it('SessionFormat has the MMC values', () => {
    assert.deepEqual({ ...SessionFormat }, { CD_DA_OR_CD_ROM: 0, CD_I: 0x10, CD_ROM_XA: 0x20 });
  });
  it('blockSizeForDataBlockType gives each type’s sector size', () => {
    const expected: [number, number][] = [
      [0, 2352],
      [1, 2368],
      [2, 2448],
      [3, 2448],
      [8, 2048],
      [9, 2336],
      [10, 2048],
      [11, 2056],
      [12, 2324],
      [13, 2332],
    ];
    for (const [t, size] of expected) assert.equal(blockSizeForDataBlockType(t), size, `type ${t}`);
  });
  it('DataBlockType names map to the sizes of the standard', () => {
    assert.equal(blockSizeForDataBlockType(DataBlockType.RAW), 2352);
    assert.equal(blockSizeForDataBlockType(DataBlockType.RAW_PQ), 2368);
    assert.equal(blockSizeForDataBlockType(DataBlockType.RAW_PW_PACKED), 2448);
    assert.equal(blockSizeForDataBlockType(DataBlockType.RAW_PW), 2448);
    assert.equal(blockSizeForDataBlockType(DataBlockType.MODE_1), 2048);
    assert.equal(blockSizeForDataBlockType(DataBlockType.MODE_2), 2336);
    assert.equal(blockSizeForDataBlockType(DataBlockType.MODE_2_FORM_1), 2048);
    assert.equal(blockSizeForDataBlockType(DataBlockType.MODE_2_FORM_1_SUBHEADER), 2056);
    assert.equal(blockSizeForDataBlockType(DataBlockType.MODE_2_FORM_2), 2324);
    assert.equal(blockSizeForDataBlockType(DataBlockType.MODE_2_MIXED), 2332);
  });
  it('blockSizeForDataBlockType is undefined for reserved and vendor types', () => {
    for (const t of [4, 5, 6, 7, 14, 15, 16, -1]) {
      assert.equal(blockSizeForDataBlockType(t), undefined, `type ${t}`);
    }
  });
});
