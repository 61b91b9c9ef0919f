import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  INQUIRY_ALLOCATION_LENGTH,
  PeripheralDeviceType,
  PeripheralQualifier,
  decodeInquiryCdb,
  decodeInquiryData,
  encodeInquiryCdb,
  encodeInquiryData,
  inquiry,
  inquiryDataLength,
} from '../../../src/scsi/spc/inquiry.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../../helpers/bytes.js';

/** ASCII bytes of `s`, space-padded to `n` (an independent builder for the identification fields). */
const asc = (s: string, n: number): number[] =>
  Array.from(s.padEnd(n, ' '), (c) => c.charCodeAt(0));

// An LG DVD writer on SATA: MMC device, removable, no SPC version claimed, NORMACA + HISUP,
// response data format 2, 96 bytes (ADDITIONAL LENGTH 5Bh), two version descriptors.
const lgReply = cat(
  h('05 80 00 32 5B 00 00 00'),
  asc('HL-DT-ST', 8),
  asc('DVDRAM GH24NSD1', 16),
  asc('LG00', 4),
  zeros(22), // bytes 36..57
  be(0x02a0, 2), // MMC-3
  be(0x0300, 2), // SPC-3
  zeros(12), // version descriptors 3..8
  zeros(22), // bytes 74..95
);

// tgt's emulated DVD drive: SPC-3, HISUP, CMDQUE, short vendor padded with spaces.
const tgtReply = cat(
  h('05 80 05 12 1F 00 00 02'),
  asc('IET', 8),
  asc('VIRTUAL-CDROM', 16),
  asc('0001', 4),
);

describe('INQUIRY CDB', () => {
  it('defaults to standard data with an allocation length of 36', () => {
    assert.equal(INQUIRY_ALLOCATION_LENGTH, 36);
    assert.deepEqual(encodeInquiryCdb(), h('12 00 00 0024 00'));
  });
  it('puts the 16-bit allocation length in bytes 3..4', () => {
    assert.deepEqual(encodeInquiryCdb({ allocationLength: 0x1234 }), h('12 00 00 1234 00'));
  });
  it('asks for a VPD page with EVPD at byte 1 bit 0 and the page code in byte 2', () => {
    assert.deepEqual(
      encodeInquiryCdb({ evpd: true, pageCode: 0x80, allocationLength: 252 }),
      h('12 01 80 00FC 00'),
    );
  });
  it('rejects a page code without EVPD (the device would refuse it)', () => {
    assert.throws(
      () => encodeInquiryCdb({ pageCode: 0x80 }),
      (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
    );
  });
  it('rejects out-of-range page codes and allocation lengths', () => {
    assert.throws(() => encodeInquiryCdb({ evpd: true, pageCode: 256 }), DwError);
    assert.throws(() => encodeInquiryCdb({ allocationLength: 65536 }), DwError);
  });
  it('request factory reads data-in of the allocation length', () => {
    const c = inquiry({ allocationLength: 96 });
    assert.equal(c.name, 'INQUIRY');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 96);
    assert.deepEqual(c.cdb, h('12 00 00 0060 00'));
    assert.equal(inquiry().allocationLength, 36);
  });
  it('decodes a CDB', () => {
    assert.deepEqual(decodeInquiryCdb(h('12 01 83 0100 00')), {
      evpd: true,
      pageCode: 0x83,
      allocationLength: 256,
    });
  });
  it('decoder rejects another opcode', () => {
    assert.throws(() => decodeInquiryCdb(h('03 00 00 0024 00')), MalformedDataError);
  });
  it('CDB round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          evpd: fc.constant(true),
          pageCode: fc.integer({ min: 0, max: 255 }),
          allocationLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeInquiryCdb(encodeInquiryCdb(x)), { ...x }),
      ),
    );
  });
  it('CDB decoder is robust', () => {
    assertDecoderRobust(decodeInquiryCdb, [h('12 01 80 00FC 00')]);
  });
});

describe('INQUIRY standard data', () => {
  it('decodes a real-drive-like 96-byte reply', () => {
    assert.deepEqual(decodeInquiryData(lgReply), {
      peripheralQualifier: PeripheralQualifier.CONNECTED,
      peripheralDeviceType: PeripheralDeviceType.MMC,
      rmb: true,
      luCong: false,
      version: 0,
      normAca: true,
      hiSup: true,
      responseDataFormat: 2,
      additionalLength: 0x5b,
      sccs: false,
      acc: false,
      tpgs: 0,
      threePc: false,
      protect: false,
      encServ: false,
      multiP: false,
      cmdQue: false,
      vendorIdentification: 'HL-DT-ST',
      productIdentification: 'DVDRAM GH24NSD1',
      productRevisionLevel: 'LG00',
      versionDescriptors: [0x02a0, 0x0300],
    });
  });
  it('decodes the 36-byte reply of tgt and trims trailing spaces', () => {
    const d = decodeInquiryData(tgtReply);
    assert.equal(d.version, 5);
    assert.equal(d.hiSup, true);
    assert.equal(d.normAca, false);
    assert.equal(d.cmdQue, true);
    assert.equal(d.vendorIdentification, 'IET');
    assert.equal(d.productIdentification, 'VIRTUAL-CDROM');
    assert.equal(d.productRevisionLevel, '0001');
    assert.deepEqual(d.versionDescriptors, []);
  });
  it('trims trailing NULs as well as spaces', () => {
    const bytes = Uint8Array.from(tgtReply);
    bytes.set([0x41, 0x42, 0, 0, 0, 0, 0, 0], 8);
    assert.equal(decodeInquiryData(bytes).vendorIdentification, 'AB');
  });
  it('keeps inner spaces of identification fields', () => {
    assert.equal(decodeInquiryData(lgReply).productIdentification, 'DVDRAM GH24NSD1');
  });
  it('decodes the peripheral qualifier of a missing LUN (3, type 1Fh)', () => {
    const bytes = Uint8Array.from(tgtReply);
    bytes[0] = 0x7f;
    const d = decodeInquiryData(bytes);
    assert.equal(d.peripheralQualifier, PeripheralQualifier.NOT_SUPPORTED);
    assert.equal(d.peripheralDeviceType, PeripheralDeviceType.UNKNOWN);
  });
  it('decodes every flag bit of bytes 1, 3, 5, 6 and 7 at its place', () => {
    const bytes = Uint8Array.from(tgtReply);
    bytes.set([0x40, 0x06, 0x20, 0x1f, 0xb9, 0x50, 0x02], 1);
    const d = decodeInquiryData(bytes);
    assert.equal(d.rmb, false);
    assert.equal(d.luCong, true);
    assert.equal(d.version, 6);
    assert.equal(d.normAca, true);
    assert.equal(d.hiSup, false);
    assert.equal(d.responseDataFormat, 0);
    assert.equal(d.sccs, true);
    assert.equal(d.acc, false);
    assert.equal(d.tpgs, 3);
    assert.equal(d.threePc, true);
    assert.equal(d.protect, true);
    assert.equal(d.encServ, true);
    assert.equal(d.multiP, true);
    assert.equal(d.cmdQue, true);
  });
  it('reads no version descriptors from a reply cut at 36 bytes', () => {
    const d = decodeInquiryData(lgReply.subarray(0, 36));
    assert.equal(d.additionalLength, 0x5b);
    assert.deepEqual(d.versionDescriptors, []);
  });
  it('reads only the version descriptors fully present in a cut reply', () => {
    assert.deepEqual(decodeInquiryData(lgReply.subarray(0, 61)).versionDescriptors, [0x02a0]);
  });
  it('ignores version descriptors past the ADDITIONAL LENGTH (padding)', () => {
    const bytes = Uint8Array.from(lgReply);
    bytes[4] = 0x1f; // the device says 36 bytes; the rest is allocation-length padding
    assert.deepEqual(decodeInquiryData(bytes).versionDescriptors, []);
  });
  it('tolerates an under-reported ADDITIONAL LENGTH when 36 bytes are there', () => {
    const bytes = Uint8Array.from(tgtReply);
    bytes[4] = 0;
    const d = decodeInquiryData(bytes);
    assert.equal(d.additionalLength, 0);
    assert.equal(d.productIdentification, 'VIRTUAL-CDROM');
  });
  it('rejects fewer than 36 bytes as malformed', () => {
    assert.throws(() => decodeInquiryData(tgtReply.subarray(0, 35)), MalformedDataError);
    assert.throws(() => decodeInquiryData(new Uint8Array(0)), MalformedDataError);
  });
  it('inquiryDataLength is ADDITIONAL LENGTH + 5', () => {
    assert.equal(inquiryDataLength(lgReply.subarray(0, 5)), 96);
    assert.equal(inquiryDataLength(tgtReply), 36);
    assert.throws(() => inquiryDataLength(lgReply.subarray(0, 4)), MalformedDataError);
  });
  it('encodes the tgt reply byte for byte (36 bytes without version descriptors)', () => {
    assert.deepEqual(
      encodeInquiryData({
        peripheralDeviceType: PeripheralDeviceType.MMC,
        rmb: true,
        version: 5,
        hiSup: true,
        cmdQue: true,
        vendorIdentification: 'IET',
        productIdentification: 'VIRTUAL-CDROM',
        productRevisionLevel: '0001',
      }),
      tgtReply,
    );
  });
  it('encodes 96 bytes with version descriptors', () => {
    assert.deepEqual(
      encodeInquiryData({
        peripheralDeviceType: 5,
        rmb: true,
        normAca: true,
        hiSup: true,
        vendorIdentification: 'HL-DT-ST',
        productIdentification: 'DVDRAM GH24NSD1',
        productRevisionLevel: 'LG00',
        versionDescriptors: [0x02a0, 0x0300],
      }),
      lgReply,
    );
  });
  it('encoder rejects identification strings that do not fit or are not ASCII', () => {
    const base = {
      peripheralDeviceType: 5,
      vendorIdentification: 'V',
      productIdentification: 'P',
      productRevisionLevel: 'R',
    };
    assert.throws(() => encodeInquiryData({ ...base, vendorIdentification: 'NINECHARS' }), DwError);
    assert.throws(() => encodeInquiryData({ ...base, productRevisionLevel: '12345' }), DwError);
    assert.throws(() => encodeInquiryData({ ...base, productIdentification: 'é' }), DwError);
  });
  it('encoder rejects more than 8 or zero-valued version descriptors', () => {
    const base = {
      peripheralDeviceType: 5,
      vendorIdentification: 'V',
      productIdentification: 'P',
      productRevisionLevel: 'R',
    };
    assert.throws(
      () => encodeInquiryData({ ...base, versionDescriptors: [1, 2, 3, 4, 5, 6, 7, 8, 9] }),
      DwError,
    );
    assert.throws(() => encodeInquiryData({ ...base, versionDescriptors: [0x60, 0] }), DwError);
  });
  it('round-trips', () => {
    const text = (n: number) =>
      fc.string({ unit: 'grapheme-ascii', maxLength: n }).map((s) => s.trimEnd());
    fc.assert(
      fc.property(
        fc.record({
          peripheralQualifier: fc.integer({ min: 0, max: 7 }),
          peripheralDeviceType: fc.integer({ min: 0, max: 31 }),
          rmb: fc.boolean(),
          luCong: fc.boolean(),
          version: fc.integer({ min: 0, max: 255 }),
          normAca: fc.boolean(),
          hiSup: fc.boolean(),
          responseDataFormat: fc.integer({ min: 0, max: 15 }),
          sccs: fc.boolean(),
          acc: fc.boolean(),
          tpgs: fc.integer({ min: 0, max: 3 }),
          threePc: fc.boolean(),
          protect: fc.boolean(),
          encServ: fc.boolean(),
          multiP: fc.boolean(),
          cmdQue: fc.boolean(),
          vendorIdentification: text(8),
          productIdentification: text(16),
          productRevisionLevel: text(4),
          versionDescriptors: fc.array(fc.integer({ min: 1, max: 0xffff }), { maxLength: 8 }),
        }),
        (x) => {
          const bytes = encodeInquiryData(x);
          const additionalLength = x.versionDescriptors.length > 0 ? 91 : 31;
          assert.equal(bytes.length, additionalLength + 5);
          assert.deepEqual(decodeInquiryData(bytes), { ...x, additionalLength });
        },
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeInquiryData, [lgReply, tgtReply]);
    assertDecoderRobust(inquiryDataLength, [lgReply]);
  });
});
