import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BookType,
  DiscStructureFormat,
  DiscStructureMediaType,
  decodeDiscManufacturingInformation,
  decodeDiscStructureList,
  decodePhysicalFormatInformation,
  decodeReadDiscStructureCdb,
  decodeReadDiscStructureData,
  encodeDiscStructureList,
  encodePhysicalFormatInformation,
  encodeReadDiscStructureCdb,
  encodeReadDiscStructureData,
  readDiscStructure,
  readDiscStructureFullLength,
} from '../../../src/scsi/mmc/read-disc-structure.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../../helpers/bytes.js';

// tgt's blank DVD+R, format 00h: book type A (DVD+R) part version 1, 120 mm, rate unspecified,
// one recordable layer, data area 030000h..26053Fh; 2048-byte layer descriptor.
const TGT_DVD_PLUS_R_PFI = cat(
  h('0802 0000'),
  h('A1 0F 02 00  00 030000  00 26053F  00 000000  00'),
  zeros(2048 - 17),
);
// tgt's DVD-ROM, format 00h: its length field is one short and the end PSN is shifted a byte.
const TGT_DVD_ROM_PFI = cat(
  h('0801 0000'),
  h('01 02 01 10  00 030000  1B C17F 00  00 000000  00'),
  zeros(2048 - 17),
);
// A DVD+R DL: two layers, opposite track path, BCA present.
const DL_PFI_PAYLOAD = cat(h('E1 0F 32 00  00 030000  00 FCFFFF  00 26053F  80'), zeros(2031));

describe('READ DISC STRUCTURE CDB', () => {
  it('encodes format 00h for a DVD with the full 2052-byte allocation by default', () => {
    assert.deepEqual(
      encodeReadDiscStructureCdb({ formatCode: DiscStructureFormat.PHYSICAL_FORMAT_INFORMATION }),
      h('AD 00 00000000 00 00 0804 00 00'),
    );
  });
  it('places media type, address, layer, format, allocation length and AGID', () => {
    assert.deepEqual(
      encodeReadDiscStructureCdb({
        mediaType: DiscStructureMediaType.BD,
        address: 0x01020304,
        layerNumber: 1,
        formatCode: 0x30,
        allocationLength: 0x1234,
        agid: 3,
      }),
      h('AD 01 01020304 01 30 1234 C0 00'),
    );
  });
  it('defaults the allocation length per format', () => {
    assert.equal(readDiscStructure({ formatCode: 0x04 }).allocationLength, 2052);
    assert.equal(readDiscStructure({ formatCode: 0xff }).allocationLength, 1028);
    assert.equal(readDiscStructure({ formatCode: 0x11 }).allocationLength, 4);
    const c = readDiscStructure({ formatCode: 0x11, allocationLength: 260 });
    assert.equal(c.name, 'READ DISC STRUCTURE');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 260);
    assert.deepEqual(c.cdb, h('AD 00 00000000 00 11 0104 00 00'));
  });
  it('rejects out-of-range fields', () => {
    assert.throws(() => encodeReadDiscStructureCdb({ formatCode: 0, mediaType: 16 }), DwError);
    assert.throws(() => encodeReadDiscStructureCdb({ formatCode: 0, agid: 4 }), DwError);
    assert.throws(() => encodeReadDiscStructureCdb({ formatCode: 0x100 }), DwError);
    assert.throws(() => encodeReadDiscStructureCdb({ formatCode: 0, layerNumber: 256 }), DwError);
    assert.throws(
      () => encodeReadDiscStructureCdb({ formatCode: 0, allocationLength: 0x10000 }),
      DwError,
    );
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          mediaType: fc.integer({ min: 0, max: 15 }),
          address: fc.integer({ min: 0, max: 0xffffffff }),
          layerNumber: fc.integer({ min: 0, max: 255 }),
          formatCode: fc.integer({ min: 0, max: 255 }),
          allocationLength: fc.integer({ min: 0, max: 0xffff }),
          agid: fc.integer({ min: 0, max: 3 }),
        }),
        (x) =>
          assert.deepEqual(decodeReadDiscStructureCdb(encodeReadDiscStructureCdb(x)), { ...x }),
      ),
    );
    assert.throws(
      () => decodeReadDiscStructureCdb(h('BF 00 00000000 00 00 0804 00 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeReadDiscStructureCdb, [h('AD 01 01020304 01 30 1234 C0 00')]);
  });
});

describe('READ DISC STRUCTURE header and payload', () => {
  it('splits a reply into its payload using DISC STRUCTURE DATA LENGTH', () => {
    const r = decodeReadDiscStructureData(TGT_DVD_PLUS_R_PFI);
    assert.equal(r.payload.length, 2048);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.payload.subarray(0, 4), h('A1 0F 02 00'));
  });
  it('ignores padding past the structure and reports a reply cut short', () => {
    const padded = decodeReadDiscStructureData(cat(h('0006 0000 01 02 03 04'), zeros(20)));
    assert.deepEqual(padded, { payload: h('01 02 03 04'), truncated: false });
    const header = decodeReadDiscStructureData(TGT_DVD_PLUS_R_PFI.subarray(0, 4));
    assert.deepEqual(header, { payload: h(''), truncated: true });
    assert.equal(
      decodeReadDiscStructureData(TGT_DVD_PLUS_R_PFI.subarray(0, 100)).payload.length,
      96,
    );
  });
  it('returns a copy of the payload', () => {
    const bytes = Uint8Array.from(TGT_DVD_PLUS_R_PFI);
    const { payload } = decodeReadDiscStructureData(bytes);
    bytes[4] = 0;
    assert.equal(payload[0], 0xa1);
  });
  it('gives the full length from the first two bytes', () => {
    assert.equal(readDiscStructureFullLength(h('0802 0000')), 2052);
    assert.equal(readDiscStructureFullLength(h('0002')), 4);
    assert.throws(() => readDiscStructureFullLength(h('08')), MalformedDataError);
  });
  it('rejects a header shorter than 4 bytes or a data length below 2', () => {
    assert.throws(() => decodeReadDiscStructureData(h('0802 00')), MalformedDataError);
    assert.throws(() => decodeReadDiscStructureData(h('0001 0000 00')), MalformedDataError);
  });
  it('encodes header + payload and round-trips', () => {
    assert.deepEqual(encodeReadDiscStructureData(h('01 02 03')), h('0005 0000 01 02 03'));
    assert.deepEqual(encodeReadDiscStructureData(h('')), h('0002 0000'));
    assert.throws(() => encodeReadDiscStructureData(new Uint8Array(0xfffe)), DwError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (p) =>
        assert.deepEqual(decodeReadDiscStructureData(encodeReadDiscStructureData(p)), {
          payload: p,
          truncated: false,
        }),
      ),
    );
    assertDecoderRobust(decodeReadDiscStructureData, [TGT_DVD_PLUS_R_PFI.subarray(0, 64)]);
  });
});

describe('format 00h: physical format information', () => {
  it('decodes tgt’s blank DVD+R', () => {
    const p = decodePhysicalFormatInformation(
      decodeReadDiscStructureData(TGT_DVD_PLUS_R_PFI).payload,
    );
    assert.deepEqual(
      { ...p, mediaSpecific: p.mediaSpecific.length },
      {
        bookType: BookType.DVD_PLUS_R,
        partVersion: 1,
        discSize: 0,
        maximumRate: 0xf,
        numberOfLayers: 1,
        trackPath: 0,
        layerType: 2,
        linearDensity: 0,
        trackDensity: 0,
        startPhysicalSectorNumber: 0x030000,
        endPhysicalSectorNumber: 0x26053f,
        endSectorNumberInLayer0: 0,
        bca: false,
        mediaSpecific: 2031,
      },
    );
  });
  it('reports tgt’s DVD-ROM reply as sent (one byte short, end PSN misaligned)', () => {
    const { payload } = decodeReadDiscStructureData(TGT_DVD_ROM_PFI);
    assert.equal(payload.length, 2047);
    const p = decodePhysicalFormatInformation(payload);
    assert.deepEqual(
      [p.bookType, p.partVersion, p.maximumRate, p.layerType, p.linearDensity, p.trackDensity],
      [BookType.DVD_ROM, 1, 2, 1, 1, 0],
    );
    assert.equal(p.startPhysicalSectorNumber, 0x030000);
    assert.equal(p.endPhysicalSectorNumber, 0xc17f00);
    assert.equal(p.mediaSpecific.length, 2030);
  });
  it('decodes a dual-layer OTP disc with BCA', () => {
    const p = decodePhysicalFormatInformation(DL_PFI_PAYLOAD);
    assert.deepEqual(
      [p.bookType, p.numberOfLayers, p.trackPath, p.layerType, p.bca],
      [BookType.DVD_PLUS_R_DL, 2, 1, 2, true],
    );
    assert.deepEqual(
      [p.startPhysicalSectorNumber, p.endPhysicalSectorNumber, p.endSectorNumberInLayer0],
      [0x030000, 0xfcffff, 0x26053f],
    );
  });
  it('needs the first 17 bytes and keeps at most 2031 media-specific bytes', () => {
    assert.throws(
      () => decodePhysicalFormatInformation(DL_PFI_PAYLOAD.subarray(0, 16)),
      MalformedDataError,
    );
    assert.equal(
      decodePhysicalFormatInformation(DL_PFI_PAYLOAD.subarray(0, 17)).mediaSpecific.length,
      0,
    );
    assert.equal(
      decodePhysicalFormatInformation(cat(DL_PFI_PAYLOAD, zeros(10))).mediaSpecific.length,
      2031,
    );
  });
  it('encodes the layer descriptor byte for byte', () => {
    assert.deepEqual(
      encodePhysicalFormatInformation({
        bookType: 0xe,
        partVersion: 1,
        discSize: 0,
        maximumRate: 0xf,
        numberOfLayers: 2,
        trackPath: 1,
        layerType: 2,
        linearDensity: 0,
        trackDensity: 0,
        startPhysicalSectorNumber: 0x030000,
        endPhysicalSectorNumber: 0xfcffff,
        endSectorNumberInLayer0: 0x26053f,
        bca: true,
        mediaSpecific: new Uint8Array(0),
      }),
      DL_PFI_PAYLOAD,
    );
  });
  it('rejects a layer count outside 1..4 and a 25-bit sector number', () => {
    const p = decodePhysicalFormatInformation(DL_PFI_PAYLOAD);
    assert.throws(() => encodePhysicalFormatInformation({ ...p, numberOfLayers: 0 }), DwError);
    assert.throws(() => encodePhysicalFormatInformation({ ...p, numberOfLayers: 5 }), DwError);
    assert.throws(
      () => encodePhysicalFormatInformation({ ...p, endPhysicalSectorNumber: 0x1000000 }),
      DwError,
    );
    assert.throws(
      () => encodePhysicalFormatInformation({ ...p, mediaSpecific: new Uint8Array(2032) }),
      DwError,
    );
  });
  it('round-trips and is robust', () => {
    const nibble = fc.integer({ min: 0, max: 15 });
    const psn = fc.integer({ min: 0, max: 0xffffff });
    fc.assert(
      fc.property(
        fc.record({
          bookType: nibble,
          partVersion: nibble,
          discSize: nibble,
          maximumRate: nibble,
          numberOfLayers: fc.integer({ min: 1, max: 4 }),
          trackPath: fc.integer({ min: 0, max: 1 }),
          layerType: nibble,
          linearDensity: nibble,
          trackDensity: nibble,
          startPhysicalSectorNumber: psn,
          endPhysicalSectorNumber: psn,
          endSectorNumberInLayer0: psn,
          bca: fc.boolean(),
          mediaSpecific: fc.uint8Array({ minLength: 2031, maxLength: 2031 }),
        }),
        (x) =>
          assert.deepEqual(decodePhysicalFormatInformation(encodePhysicalFormatInformation(x)), {
            ...x,
          }),
      ),
      { numRuns: 200 },
    );
    assertDecoderRobust(decodePhysicalFormatInformation, [DL_PFI_PAYLOAD.subarray(0, 40)]);
  });
});

describe('format 04h: disc manufacturing information', () => {
  it('is kept raw, as a copy of at most 2048 bytes', () => {
    const dmi = cat(h('44 56 44 2B 52'), zeros(2043), h('FF FF'));
    const raw = decodeDiscManufacturingInformation(dmi);
    assert.equal(raw.length, 2048);
    assert.deepEqual(raw.subarray(0, 5), h('44 56 44 2B 52'));
    dmi[0] = 0;
    assert.equal(raw[0], 0x44);
    assertDecoderRobust(decodeDiscManufacturingInformation);
  });
});

describe('format FFh: disc structure list', () => {
  // 00h physical (RDS, 2052), 04h DMI (RDS, 2052), 30h DCB (SDS+RDS, variable), FFh list (RDS).
  const LIST = h('00 40 0804  04 40 0804  30 C0 0000  FF 40 0000');
  it('decodes each entry', () => {
    assert.deepEqual(decodeDiscStructureList(LIST), [
      { formatCode: 0x00, sds: false, rds: true, structureLength: 2052 },
      { formatCode: 0x04, sds: false, rds: true, structureLength: 2052 },
      { formatCode: 0x30, sds: true, rds: true, structureLength: 0 },
      { formatCode: 0xff, sds: false, rds: true, structureLength: 0 },
    ]);
  });
  it('drops a trailing partial entry', () => {
    assert.equal(decodeDiscStructureList(LIST.subarray(0, 14)).length, 3);
    assert.deepEqual(decodeDiscStructureList(h('')), []);
  });
  it('decodes a whole reply through the header splitter', () => {
    const reply = cat(be(2 + LIST.length, 2), h('0000'), LIST, zeros(8));
    assert.equal(decodeDiscStructureList(decodeReadDiscStructureData(reply).payload).length, 4);
  });
  it('encodes byte for byte, round-trips and is robust', () => {
    assert.deepEqual(encodeDiscStructureList(decodeDiscStructureList(LIST)), LIST);
    assert.throws(
      () =>
        encodeDiscStructureList([{ formatCode: 256, sds: false, rds: true, structureLength: 0 }]),
      DwError,
    );
    const entry = fc.record({
      formatCode: fc.integer({ min: 0, max: 255 }),
      sds: fc.boolean(),
      rds: fc.boolean(),
      structureLength: fc.integer({ min: 0, max: 0xffff }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), (es) =>
        assert.deepEqual(
          decodeDiscStructureList(encodeDiscStructureList(es)),
          es.map((e) => ({ ...e })),
        ),
      ),
    );
    assertDecoderRobust(decodeDiscStructureList, [LIST]);
  });
});
