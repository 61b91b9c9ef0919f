import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeModeSense10Cdb,
  decodeModeSense10Data,
  encodeModeSense10Cdb,
  encodeModeSense10Data,
  modeSense10,
  modeSense10DataLength,
} from '../../../src/scsi/spc/mode-sense-10.js';
import { ALL_MODE_PAGES, ModePageRequestType } from '../../../src/scsi/spc/mode-pages.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../../helpers/bytes.js';

// Write Parameters page as tgt sends it: BUFE, LS_V, SAO, track mode 5, Mode 1, link size 16,
// packet size 16, audio pause 150.
const page05 = cat(h('05 32 62 05 08 10 00 00 00 00 00000010 0096'), zeros(36));
const page01 = h('01 0A C0 20 00 00 00 00 01 00 0000');
const page2a = cat(h('2A 12 3F 37 F1 73 29 23'), be(7056, 2), be(256, 2), be(2048, 2), zeros(6));

/** A MODE SENSE(10) reply built by hand: header(10), descriptors, pages. */
function reply(blockDescriptors: Uint8Array, ...pages: Uint8Array[]): Uint8Array {
  const rest = cat(blockDescriptors, ...pages);
  return cat(be(rest.length + 6, 2), h('00 00 00 00'), be(blockDescriptors.length, 2), rest);
}

describe('MODE SENSE(10) CDB', () => {
  it('encodes the spec §4.6 getModePage read: DBD, PC << 6 | page, header-sized first read', () => {
    assert.deepEqual(
      encodeModeSense10Cdb({ dbd: true, pageCode: 0x05, allocationLength: 8 }),
      h('5A 08 05 00 000000 0008 00'),
    );
  });
  it('puts PC in byte 2 bits 7..6', () => {
    assert.deepEqual(
      encodeModeSense10Cdb({
        pageControl: ModePageRequestType.CHANGEABLE_VALUES,
        pageCode: 0x2a,
        allocationLength: 0x100,
      }),
      h('5A 00 6A 00 000000 0100 00'),
    );
    assert.deepEqual(
      encodeModeSense10Cdb({
        pageControl: ModePageRequestType.SAVED_VALUES,
        pageCode: ALL_MODE_PAGES,
        allocationLength: 0xfffe,
      }),
      h('5A 00 FF 00 000000 FFFE 00'),
    );
  });
  it('puts LLBAA at byte 1 bit 4 and the subpage code in byte 3', () => {
    assert.deepEqual(
      encodeModeSense10Cdb({ llbaa: true, pageCode: 0x0a, subpageCode: 0xff, allocationLength: 4 }),
      h('5A 10 0A FF 000000 0004 00'),
    );
  });
  it('rejects out-of-range fields', () => {
    assert.throws(() => encodeModeSense10Cdb({ pageCode: 0x40, allocationLength: 8 }), DwError);
    assert.throws(
      () => encodeModeSense10Cdb({ pageControl: 4, pageCode: 1, allocationLength: 8 }),
      DwError,
    );
    assert.throws(() => encodeModeSense10Cdb({ pageCode: 1, allocationLength: 0x10000 }), DwError);
    assert.throws(
      () => encodeModeSense10Cdb({ pageCode: 1, subpageCode: 256, allocationLength: 8 }),
      DwError,
    );
  });
  it('request factory reads data-in of the allocation length', () => {
    const c = modeSense10({ dbd: true, pageCode: 0x2a, allocationLength: 0x40 });
    assert.equal(c.name, 'MODE SENSE(10)');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 0x40);
    assert.deepEqual(c.cdb, h('5A 08 2A 00 000000 0040 00'));
  });
  it('decodes a CDB', () => {
    assert.deepEqual(decodeModeSense10Cdb(h('5A 18 BF 01 000000 0400 00')), {
      llbaa: true,
      dbd: true,
      pageControl: 2,
      pageCode: 0x3f,
      subpageCode: 1,
      allocationLength: 0x400,
    });
  });
  it('decoder rejects another opcode', () => {
    assert.throws(() => decodeModeSense10Cdb(h('55 10 00 00 000000 0008 00')), MalformedDataError);
  });
  it('CDB round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          llbaa: fc.boolean(),
          dbd: fc.boolean(),
          pageControl: fc.integer({ min: 0, max: 3 }),
          pageCode: fc.integer({ min: 0, max: 63 }),
          subpageCode: fc.integer({ min: 0, max: 255 }),
          allocationLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeModeSense10Cdb(encodeModeSense10Cdb(x)), { ...x }),
      ),
    );
  });
  it('CDB decoder is robust', () => {
    assertDecoderRobust(decodeModeSense10Cdb, [h('5A 18 BF 01 000000 0400 00')]);
  });
});

describe('MODE SENSE(10) data', () => {
  it('splits a reply without block descriptor into header and page', () => {
    const bytes = reply(new Uint8Array(0), page05);
    assert.equal(bytes.length, 60);
    const d = decodeModeSense10Data(bytes);
    assert.deepEqual(d.header, {
      modeDataLength: 58,
      mediumType: 0,
      deviceSpecificParameter: 0,
      longLba: false,
      blockDescriptorLength: 0,
    });
    assert.deepEqual(d.blockDescriptors, []);
    assert.equal(d.truncated, false);
    assert.equal(d.pages.length, 1);
    assert.equal(d.pages[0]!.pageCode, 0x05);
    assert.equal(d.pages[0]!.pageLength, 0x32);
    assert.deepEqual(d.pages[0]!.bytes, page05);
  });
  it('skips a block descriptor the drive sent although DBD was set', () => {
    const descriptor = h('00 000000 00 000800'); // density 0, 0 blocks, 2048 bytes
    const d = decodeModeSense10Data(reply(descriptor, page2a));
    assert.equal(d.header.blockDescriptorLength, 8);
    assert.deepEqual(d.blockDescriptors, [
      { densityCode: 0, numberOfBlocks: 0, blockLength: 2048 },
    ]);
    assert.deepEqual(
      d.pages.map((p) => p.bytes),
      [page2a],
    );
  });
  it('decodes the fields of a general block descriptor', () => {
    const d = decodeModeSense10Data(reply(h('83 230540 00 000800')));
    assert.deepEqual(d.blockDescriptors, [
      { densityCode: 0x83, numberOfBlocks: 0x230540, blockLength: 2048 },
    ]);
    assert.deepEqual(d.pages, []);
  });
  it('decodes long LBA block descriptors when LONGLBA is set', () => {
    const bytes = cat(h('00 16 00 00 01 00 0010'), h('0000000100000000 00000000 00000800'));
    const d = decodeModeSense10Data(bytes);
    assert.equal(d.header.longLba, true);
    assert.deepEqual(d.blockDescriptors, [{ numberOfBlocks: 2 ** 32, blockLength: 2048 }]);
  });
  it('decodes the medium type and device-specific parameter', () => {
    const d = decodeModeSense10Data(h('0006 70 80 00 00 0000'));
    assert.equal(d.header.mediumType, 0x70);
    assert.equal(d.header.deviceSpecificParameter, 0x80);
  });
  it('lists every page of an all-pages reply in order', () => {
    const d = decodeModeSense10Data(reply(new Uint8Array(0), page01, page05, page2a));
    assert.deepEqual(
      d.pages.map((p) => p.pageCode),
      [0x01, 0x05, 0x2a],
    );
  });
  it('ignores bytes past the MODE DATA LENGTH (a drive padding to the allocation length)', () => {
    const bytes = cat(reply(new Uint8Array(0), page01), h('05 32'), zeros(40));
    const d = decodeModeSense10Data(bytes);
    assert.equal(d.truncated, false);
    assert.deepEqual(
      d.pages.map((p) => p.pageCode),
      [0x01],
    );
  });
  it('reports a reply cut at the allocation length as truncated, keeping whole pages', () => {
    const full = reply(new Uint8Array(0), page01, page05);
    const d = decodeModeSense10Data(full.subarray(0, 8 + 12 + 10));
    assert.equal(d.truncated, true);
    assert.equal(d.header.modeDataLength, full.length - 2);
    assert.deepEqual(
      d.pages.map((p) => p.pageCode),
      [0x01],
    );
  });
  it('decodes the header alone (the first, 8-byte read)', () => {
    const full = reply(new Uint8Array(0), page05);
    const d = decodeModeSense10Data(full.subarray(0, 8));
    assert.equal(d.truncated, true);
    assert.deepEqual(d.pages, []);
    assert.equal(modeSense10DataLength(full.subarray(0, 8)), 60);
  });
  it('keeps only whole block descriptors of a cut reply', () => {
    const full = reply(h('00 000010 00 000800 00 000020 00 000800'), page01);
    const d = decodeModeSense10Data(full.subarray(0, 20));
    assert.equal(d.truncated, true);
    assert.deepEqual(d.blockDescriptors, [
      { densityCode: 0, numberOfBlocks: 16, blockLength: 2048 },
    ]);
    assert.deepEqual(d.pages, []);
  });
  it('rejects a header shorter than 8 bytes', () => {
    assert.throws(() => decodeModeSense10Data(h('0006 00 00 00 00 00')), MalformedDataError);
  });
  it('rejects a MODE DATA LENGTH that does not cover the header', () => {
    assert.throws(() => decodeModeSense10Data(h('0005 00 00 00 00 0000')), MalformedDataError);
  });
  it('rejects a block descriptor length that is not a multiple of the descriptor size', () => {
    assert.throws(
      () => decodeModeSense10Data(cat(h('000A 00 00 00 00 0004'), zeros(4))),
      MalformedDataError,
    );
    assert.throws(
      () => decodeModeSense10Data(cat(h('000E 00 00 01 00 0008'), zeros(8))),
      MalformedDataError,
    );
  });
  it('rejects block descriptors that overrun the mode data', () => {
    assert.throws(
      () => decodeModeSense10Data(cat(h('0006 00 00 00 00 0008'), zeros(8))),
      MalformedDataError,
    );
  });
  it('rejects a page that overruns the MODE DATA LENGTH of a complete reply', () => {
    const bytes = cat(be(6 + 12, 2), zeros(6), h('05 32'), zeros(60));
    assert.throws(() => decodeModeSense10Data(bytes), MalformedDataError);
  });
  it('modeSense10DataLength is MODE DATA LENGTH + 2', () => {
    assert.equal(modeSense10DataLength(h('0102')), 0x104);
    assert.throws(() => modeSense10DataLength(h('01')), MalformedDataError);
  });
  it('encodes a reply for the virtual drive with MODE DATA LENGTH computed', () => {
    assert.deepEqual(encodeModeSense10Data({ pages: [page05] }), reply(new Uint8Array(0), page05));
    assert.deepEqual(
      encodeModeSense10Data({
        blockDescriptors: [{ densityCode: 0, numberOfBlocks: 0, blockLength: 2048 }],
        pages: [page2a],
      }),
      reply(h('00 000000 00 000800'), page2a),
    );
  });
  it('keeps PS in a MODE SENSE reply', () => {
    const ps = Uint8Array.from(page01);
    ps[0] = 0x81;
    assert.equal(encodeModeSense10Data({ pages: [ps] })[8], 0x81);
  });
  it('encodes long LBA descriptors', () => {
    assert.deepEqual(
      encodeModeSense10Data({
        longLba: true,
        blockDescriptors: [{ numberOfBlocks: 2 ** 40, blockLength: 0x10000 }],
      }),
      h('0016 00 00 01 00 0010 0000010000000000 00000000 00010000'),
    );
  });
  it('encoder rejects a density code in a long LBA descriptor', () => {
    assert.throws(
      () =>
        encodeModeSense10Data({
          longLba: true,
          blockDescriptors: [{ densityCode: 1, numberOfBlocks: 0, blockLength: 0 }],
        }),
      DwError,
    );
  });
  it('encoder rejects short descriptor fields over 24 bits', () => {
    assert.throws(
      () =>
        encodeModeSense10Data({
          blockDescriptors: [{ numberOfBlocks: 0x1000000, blockLength: 2048 }],
        }),
      DwError,
    );
  });
  it('encoder rejects a page whose PAGE LENGTH does not match its bytes', () => {
    assert.throws(() => encodeModeSense10Data({ pages: [h('05 32 00')] }), DwError);
    assert.throws(() => encodeModeSense10Data({ pages: [h('05')] }), DwError);
    assert.throws(() => encodeModeSense10Data({ pages: [h('4A 01 00')] }), DwError);
  });
  it('encoder rejects a list too long for MODE DATA LENGTH', () => {
    const big = cat([0x40 | 0x0a, 0x01, 0xff, 0xfb], zeros(0xfffb));
    assert.throws(() => encodeModeSense10Data({ pages: [big] }), DwError);
  });
  it('round-trips', () => {
    const page = fc
      .tuple(fc.integer({ min: 0, max: 63 }), fc.boolean(), fc.uint8Array({ maxLength: 60 }))
      .map(([code, ps, body]) => cat([(ps ? 0x80 : 0) | code, body.length], body));
    const short = fc.record({
      densityCode: fc.integer({ min: 0, max: 255 }),
      numberOfBlocks: fc.integer({ min: 0, max: 0xffffff }),
      blockLength: fc.integer({ min: 0, max: 0xffffff }),
    });
    const long = fc.record({
      numberOfBlocks: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      blockLength: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(short, { maxLength: 3 }),
        fc.array(long, { maxLength: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(page, { maxLength: 4 }),
        (longLba, shorts, longs, mediumType, deviceSpecificParameter, pages) => {
          const blockDescriptors = longLba ? longs : shorts;
          const d = decodeModeSense10Data(
            encodeModeSense10Data({
              longLba,
              mediumType,
              deviceSpecificParameter,
              blockDescriptors,
              pages,
            }),
          );
          assert.equal(d.truncated, false);
          assert.deepEqual(
            { ...d.header, modeDataLength: 0 },
            {
              modeDataLength: 0,
              mediumType,
              deviceSpecificParameter,
              longLba,
              blockDescriptorLength: blockDescriptors.length * (longLba ? 16 : 8),
            },
          );
          assert.deepEqual(
            d.blockDescriptors,
            blockDescriptors.map((x) => ({ ...x })),
          );
          assert.deepEqual(
            d.pages.map((p) => p.bytes),
            pages,
          );
        },
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeModeSense10Data, [
      reply(new Uint8Array(0), page01, page05, page2a),
      reply(h('00 000000 00 000800'), page2a),
      cat(h('0016 00 00 01 00 0010'), h('0000000100000000 00000000 00000800')),
    ]);
  });
});
