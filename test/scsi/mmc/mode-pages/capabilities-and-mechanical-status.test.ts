import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LoadingMechanismType,
  RotationControl,
  decodeCapabilitiesAndMechanicalStatusPage as decode,
  encodeCapabilitiesAndMechanicalStatusPage as encode,
  type CapabilitiesAndMechanicalStatusPage,
} from '../../../../src/scsi/mmc/mode-pages/capabilities-and-mechanical-status.js';
import { DwError, MalformedDataError } from '../../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../../../helpers/bytes.js';

// An MMC-3 DVD writer: reads and writes CD-R/RW, DVD-R, DVD-RAM; BUF; tray with eject and lock;
// 40x CD read (7056 kB/s), 2 MB buffer, CAV, three write speed descriptors. 44 bytes.
const mmc3Page = cat(
  h('2A 2A 3F 37 F1 73 29 23'),
  be(7056, 2), // Maximum Read Speed Supported
  be(256, 2), // Number of Volume Levels Supported
  be(2048, 2), // Buffer Size Supported (KB)
  be(7056, 2), // Current Read Speed Selected
  h('00 10'), // reserved, digital output Length = 1
  be(7056, 2), // Maximum Write Speed Supported
  be(5536, 2), // Current Write Speed Selected (MMC-2 place)
  be(1, 2), // Copy Management Revision Supported
  h('00 00 00 01'), // reserved, Rotation Control Selected = CAV
  be(5536, 2), // Current Write Speed Selected
  be(3, 2), // three descriptors
  h('00 01 1B90'),
  h('00 01 15A0'),
  h('00 00 0B08'),
);

// An MMC-2 CD-RW drive: PAGE LENGTH 18h, no rotation control or descriptors.
const mmc2Page = cat(
  h('2A 18 03 07 71 73 29 03'),
  be(5644, 2),
  be(256, 2),
  be(512, 2),
  be(5644, 2),
  h('00 00'),
  be(1411, 2),
  be(706, 2),
  be(0, 2),
  h('00 00'),
);

// An MMC-1 era CD-R drive: PAGE LENGTH 12h, ends after the maximum write speed.
const mmc1Page = cat(
  h('2A 12 01 01 70 00 29 00'),
  be(1412, 2),
  be(256, 2),
  be(1024, 2),
  be(1412, 2),
  zeros(2),
  be(706, 2),
);

const FLAGS: [number, number, keyof CapabilitiesAndMechanicalStatusPage][] = [
  [2, 0, 'cdRRead'],
  [2, 1, 'cdRwRead'],
  [2, 2, 'method2'],
  [2, 3, 'dvdRomRead'],
  [2, 4, 'dvdRRead'],
  [2, 5, 'dvdRamRead'],
  [3, 0, 'cdRWrite'],
  [3, 1, 'cdRwWrite'],
  [3, 2, 'testWrite'],
  [3, 4, 'dvdRWrite'],
  [3, 5, 'dvdRamWrite'],
  [4, 0, 'audioPlay'],
  [4, 1, 'composite'],
  [4, 2, 'digitalPort1'],
  [4, 3, 'digitalPort2'],
  [4, 4, 'mode2Form1'],
  [4, 5, 'mode2Form2'],
  [4, 6, 'multiSession'],
  [4, 7, 'buf'],
  [5, 0, 'cdDaCommandsSupported'],
  [5, 1, 'cdDaStreamIsAccurate'],
  [5, 2, 'rwSupported'],
  [5, 3, 'rwDeinterleavedAndCorrected'],
  [5, 4, 'c2PointersSupported'],
  [5, 5, 'isrc'],
  [5, 6, 'upc'],
  [5, 7, 'readBarCode'],
  [6, 0, 'lock'],
  [6, 1, 'lockState'],
  [6, 2, 'preventJumper'],
  [6, 3, 'eject'],
  [7, 0, 'separateVolumeLevels'],
  [7, 1, 'separateChannelMute'],
  [7, 2, 'changerSupportsDiscPresent'],
  [7, 3, 'swSlotSelection'],
  [7, 4, 'sideChangeCapable'],
  [7, 5, 'rwInLeadIn'],
];

describe('MM Capabilities and Mechanical Status page (2Ah)', () => {
  it('decodes an MMC-3 page with write speed descriptors', () => {
    assert.deepEqual(decode(mmc3Page), {
      ps: false,
      dvdRamRead: true,
      dvdRRead: true,
      dvdRomRead: true,
      method2: true,
      cdRwRead: true,
      cdRRead: true,
      dvdRamWrite: true,
      dvdRWrite: true,
      testWrite: true,
      cdRwWrite: true,
      cdRWrite: true,
      buf: true,
      multiSession: true,
      mode2Form2: true,
      mode2Form1: true,
      digitalPort2: false,
      digitalPort1: false,
      composite: false,
      audioPlay: true,
      readBarCode: false,
      upc: true,
      isrc: true,
      c2PointersSupported: true,
      rwDeinterleavedAndCorrected: false,
      rwSupported: false,
      cdDaStreamIsAccurate: true,
      cdDaCommandsSupported: true,
      loadingMechanismType: 1 /* tray */,
      eject: true,
      preventJumper: false,
      lockState: false,
      lock: true,
      rwInLeadIn: true,
      sideChangeCapable: false,
      swSlotSelection: false,
      changerSupportsDiscPresent: false,
      separateChannelMute: true,
      separateVolumeLevels: true,
      maxReadSpeedKBps: 7056,
      numberOfVolumeLevels: 256,
      bufferSizeKB: 2048,
      currentReadSpeedKBps: 7056,
      digitalOutputLength: 1,
      lsbf: false,
      rck: false,
      bckf: false,
      maxWriteSpeedKBps: 7056,
      currentWriteSpeedKBps: 5536,
      copyManagementRevision: 1,
      rotationControlSelected: RotationControl.CAV,
      currentWriteSpeedSelectedKBps: 5536,
      writeSpeedPerformanceDescriptors: [
        { rotationControl: RotationControl.CAV, writeSpeedSupportedKBps: 7056 },
        { rotationControl: RotationControl.CAV, writeSpeedSupportedKBps: 5536 },
        { rotationControl: RotationControl.CLV, writeSpeedSupportedKBps: 2824 },
      ],
    });
  });
  it('decodes an MMC-2 page: fields through byte 23, nothing after', () => {
    const d = decode(mmc2Page);
    assert.equal(d.cdRWrite, true);
    assert.equal(d.dvdRWrite, false);
    assert.equal(d.bufferSizeKB, 512);
    assert.equal(d.maxWriteSpeedKBps, 1411);
    assert.equal(d.currentWriteSpeedKBps, 706);
    assert.equal(d.copyManagementRevision, 0);
    assert.equal('rotationControlSelected' in d, false);
    assert.equal('currentWriteSpeedSelectedKBps' in d, false);
    assert.equal('writeSpeedPerformanceDescriptors' in d, false);
  });
  it('decodes an MMC-1 page: ends with the maximum write speed', () => {
    const d = decode(mmc1Page);
    assert.equal(d.maxReadSpeedKBps, 1412);
    assert.equal(d.bufferSizeKB, 1024);
    assert.equal(d.maxWriteSpeedKBps, 706);
    assert.equal('currentWriteSpeedKBps' in d, false);
    assert.equal('copyManagementRevision' in d, false);
  });
  it('decodes an 8-byte page: capability bits only', () => {
    const d = decode(h('2A 06 3F 37 F1 73 29 23'));
    assert.equal(d.dvdRamWrite, true);
    assert.equal('maxReadSpeedKBps' in d, false);
    assert.equal('bufferSizeKB' in d, false);
  });
  it('decodes an MMC-3 page with no descriptors as an empty table', () => {
    const bytes = cat(h('2A 1E'), mmc3Page.subarray(2, 30), be(0, 2));
    assert.deepEqual(decode(bytes).writeSpeedPerformanceDescriptors, []);
  });
  it('clamps the descriptor count to the descriptors the page holds', () => {
    const bytes = Uint8Array.from(mmc3Page);
    bytes[31] = 9;
    assert.equal(decode(bytes).writeSpeedPerformanceDescriptors?.length, 3);
  });
  it('parses as much as is present of a reply cut short', () => {
    assert.equal(decode(mmc3Page.subarray(0, 40)).writeSpeedPerformanceDescriptors?.length, 2);
    const d = decode(mmc3Page.subarray(0, 13));
    assert.equal(d.numberOfVolumeLevels, 256);
    assert.equal('bufferSizeKB' in d, false);
  });
  it('stops at the PAGE LENGTH even when more bytes follow', () => {
    const d = decode(cat(mmc1Page, h('FF FF FF FF')));
    assert.equal('currentWriteSpeedKBps' in d, false);
  });
  it('re-exports the Removable Medium feature’s loading mechanism codes', () => {
    assert.equal(LoadingMechanismType.TRAY, 1);
    assert.equal(LoadingMechanismType.POP_UP, 2);
  });
  it('decodes PS, the loading mechanism field and rotation control bits', () => {
    const bytes = Uint8Array.from(mmc3Page);
    bytes[0] = 0xaa;
    bytes[6] = 0xa0; // changer with magazine
    bytes[33] = 0x07;
    const d = decode(bytes);
    assert.equal(d.ps, true);
    assert.equal(d.loadingMechanismType, 5 /* changer, magazine */);
    assert.equal(d.writeSpeedPerformanceDescriptors?.[0]?.rotationControl, 7);
  });
  it('decodes the digital output bits of byte 17', () => {
    const bytes = Uint8Array.from(mmc3Page);
    bytes[17] = 0x3e;
    const d = decode(bytes);
    assert.equal(d.digitalOutputLength, 3);
    assert.equal(d.lsbf, true);
    assert.equal(d.rck, true);
    assert.equal(d.bckf, true);
  });
  it('decodes each capability bit at its place', () => {
    for (const [byte, bit, name] of FLAGS) {
      const bytes = cat(h('2A 06'), zeros(6));
      bytes[byte] = 1 << bit;
      const d = decode(bytes);
      for (const [, , other] of FLAGS) {
        assert.equal(d[other], other === name, `${other} with byte ${byte} bit ${bit}`);
      }
    }
  });
  it('encodes each capability bit at its place', () => {
    for (const [byte, bit, name] of FLAGS) {
      const expected = cat(h('2A 06'), zeros(6));
      expected[byte] = 1 << bit;
      assert.deepEqual(encode({ [name]: true }), expected, name);
    }
  });
  it('rejects another page code, SPF and a page under 8 bytes', () => {
    assert.throws(() => decode(h('05 06 00 00 00 00 00 00')), MalformedDataError);
    assert.throws(() => decode(h('6A 00 0006 00 00 00 00 00 00')), MalformedDataError);
    assert.throws(() => decode(h('2A 04 00 00 00 00')), MalformedDataError);
    assert.throws(() => decode(mmc3Page.subarray(0, 7)), MalformedDataError);
  });
  it('encodes the MMC-3 page from its decoded fields byte for byte', () => {
    assert.deepEqual(encode(decode(mmc3Page)), mmc3Page);
  });
  it('encodes an MMC-3 page from fields written out', () => {
    assert.deepEqual(
      encode({
        dvdRamRead: true,
        dvdRRead: true,
        dvdRomRead: true,
        method2: true,
        cdRwRead: true,
        cdRRead: true,
        dvdRamWrite: true,
        dvdRWrite: true,
        testWrite: true,
        cdRwWrite: true,
        cdRWrite: true,
        buf: true,
        multiSession: true,
        mode2Form2: true,
        mode2Form1: true,
        audioPlay: true,
        upc: true,
        isrc: true,
        c2PointersSupported: true,
        cdDaStreamIsAccurate: true,
        cdDaCommandsSupported: true,
        loadingMechanismType: 1 /* tray */,
        eject: true,
        lock: true,
        rwInLeadIn: true,
        separateChannelMute: true,
        separateVolumeLevels: true,
        maxReadSpeedKBps: 7056,
        numberOfVolumeLevels: 256,
        bufferSizeKB: 2048,
        currentReadSpeedKBps: 7056,
        digitalOutputLength: 1,
        maxWriteSpeedKBps: 7056,
        currentWriteSpeedKBps: 5536,
        copyManagementRevision: 1,
        rotationControlSelected: RotationControl.CAV,
        currentWriteSpeedSelectedKBps: 5536,
        writeSpeedPerformanceDescriptors: [
          { rotationControl: 1, writeSpeedSupportedKBps: 7056 },
          { rotationControl: 1, writeSpeedSupportedKBps: 5536 },
          { rotationControl: 0, writeSpeedSupportedKBps: 2824 },
        ],
      }),
      mmc3Page,
    );
  });
  it('encodes an MMC-1 page, ending with the last field given', () => {
    assert.deepEqual(
      encode({
        cdRRead: true,
        cdRWrite: true,
        multiSession: true,
        mode2Form2: true,
        mode2Form1: true,
        loadingMechanismType: 1 /* tray */,
        eject: true,
        lock: true,
        maxReadSpeedKBps: 1412,
        numberOfVolumeLevels: 256,
        bufferSizeKB: 1024,
        currentReadSpeedKBps: 1412,
        maxWriteSpeedKBps: 706,
      }),
      mmc1Page,
    );
  });
  it('encodes a page with an empty descriptor table as 32 bytes', () => {
    const bytes = encode({ writeSpeedPerformanceDescriptors: [] });
    assert.equal(bytes.length, 32);
    assert.equal(bytes[1], 30);
  });
  it('encoder rejects out-of-range fields', () => {
    assert.throws(() => encode({ loadingMechanismType: 8 }), DwError);
    assert.throws(() => encode({ bufferSizeKB: 65536 }), DwError);
    assert.throws(() => encode({ rotationControlSelected: 4 }), DwError);
    assert.throws(
      () =>
        encode({
          writeSpeedPerformanceDescriptors: [{ rotationControl: 8, writeSpeedSupportedKBps: 1 }],
        }),
      DwError,
    );
  });
  it('encoder rejects more descriptors than a page length can hold', () => {
    const many = Array.from({ length: 57 }, () => ({
      rotationControl: 0,
      writeSpeedSupportedKBps: 1,
    }));
    assert.throws(() => encode({ writeSpeedPerformanceDescriptors: many }), DwError);
    assert.equal(encode({ writeSpeedPerformanceDescriptors: many.slice(1) }).length, 256);
  });
  it('round-trips pages of every length the revisions produced', () => {
    const flags = Object.fromEntries(FLAGS.map(([, , name]) => [name, fc.boolean()]));
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const groups = [
      fc.record({ maxReadSpeedKBps: u16 }),
      fc.record({ numberOfVolumeLevels: u16 }),
      fc.record({ bufferSizeKB: u16 }),
      fc.record({ currentReadSpeedKBps: u16 }),
      fc.record({
        digitalOutputLength: fc.integer({ min: 0, max: 3 }),
        lsbf: fc.boolean(),
        rck: fc.boolean(),
        bckf: fc.boolean(),
      }),
      fc.record({ maxWriteSpeedKBps: u16 }),
      fc.record({ currentWriteSpeedKBps: u16 }),
      fc.record({ copyManagementRevision: u16 }),
      fc.record({ rotationControlSelected: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ currentWriteSpeedSelectedKBps: u16 }),
      fc.record({
        writeSpeedPerformanceDescriptors: fc.array(
          fc.record({
            rotationControl: fc.integer({ min: 0, max: 7 }),
            writeSpeedSupportedKBps: u16,
          }),
          { maxLength: 8 },
        ),
      }),
    ];
    fc.assert(
      fc.property(
        fc.record(flags),
        fc.boolean(),
        fc.integer({ min: 0, max: 7 }),
        fc.tuple(...groups),
        fc.integer({ min: 0, max: groups.length }),
        (bits, ps, loadingMechanismType, values, level) => {
          const x = Object.assign(
            { ...bits, ps, loadingMechanismType },
            ...values.slice(0, level),
          ) as CapabilitiesAndMechanicalStatusPage;
          const d = decode(encode(x));
          assert.deepEqual(
            {
              ...d,
              writeSpeedPerformanceDescriptors: d.writeSpeedPerformanceDescriptors?.map((e) => ({
                ...e,
              })),
            },
            {
              ...x,
              writeSpeedPerformanceDescriptors: x.writeSpeedPerformanceDescriptors?.map((e) => ({
                ...e,
              })),
            },
          );
        },
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decode, [mmc3Page, mmc2Page, mmc1Page]);
  });
});
