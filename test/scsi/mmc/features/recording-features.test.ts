import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeRandomReadableFeature,
  encodeRandomReadableFeature,
  randomReadableFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/random-readable.js';
import {
  decodeRandomWritableFeature,
  encodeRandomWritableFeature,
  randomWritableFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/random-writable.js';
import {
  decodeIncrementalStreamingWritableFeature,
  encodeIncrementalStreamingWritableFeature,
  incrementalStreamingWritableFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/incremental-streaming-writable.js';
import {
  decodeFormattableFeature,
  encodeFormattableFeature,
  formattableFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/formattable.js';
import {
  decodeRestrictedOverwriteFeature,
  encodeRestrictedOverwriteFeature,
  restrictedOverwriteFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/restricted-overwrite.js';
import {
  cdTrackAtOnceFeatureDescriptor,
  decodeCdTrackAtOnceFeature,
  encodeCdTrackAtOnceFeature,
} from '../../../../src/scsi/mmc/features/cd-track-at-once.js';
import {
  cdMasteringFeatureDescriptor,
  decodeCdMasteringFeature,
  encodeCdMasteringFeature,
} from '../../../../src/scsi/mmc/features/cd-mastering.js';
import {
  decodeDvdRRwWriteFeature,
  dvdRRwWriteFeatureDescriptor,
  encodeDvdRRwWriteFeature,
} from '../../../../src/scsi/mmc/features/dvd-r-rw-write.js';
import {
  decodeDvdPlusRwFeature,
  dvdPlusRwFeatureDescriptor,
  encodeDvdPlusRwFeature,
} from '../../../../src/scsi/mmc/features/dvd-plus-rw.js';
import {
  decodeDvdPlusRFeature,
  dvdPlusRFeatureDescriptor,
  encodeDvdPlusRFeature,
} from '../../../../src/scsi/mmc/features/dvd-plus-r.js';
import {
  decodeDvdPlusRDualLayerFeature,
  dvdPlusRDualLayerFeatureDescriptor,
  encodeDvdPlusRDualLayerFeature,
} from '../../../../src/scsi/mmc/features/dvd-plus-r-dual-layer.js';
import {
  bdRPseudoOverwriteFeatureDescriptor,
  decodeBdRPseudoOverwriteFeature,
  encodeBdRPseudoOverwriteFeature,
} from '../../../../src/scsi/mmc/features/bd-r-pseudo-overwrite.js';
import {
  decodeFeatureDescriptor,
  encodeFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/feature-descriptor.js';
import { DwError, MalformedDataError } from '../../../../src/errors.js';
import { assertDecoderRobust, be, cat, h } from '../../../helpers/bytes.js';
import { itMapsEachFlag } from './flag-table.js';

describe('Random Readable feature (0010h)', () => {
  it('decodes block size 2048, blocking 16, PP (DVD)', () => {
    assert.deepEqual(decodeRandomReadableFeature(h('00000800 0010 01 00')), {
      logicalBlockSize: 2048,
      blocking: 16,
      pp: true,
    });
  });
  it('encodes block size 2048, blocking 32, no PP (BD)', () => {
    assert.deepEqual(
      encodeRandomReadableFeature({ logicalBlockSize: 2048, blocking: 32, pp: false }),
      h('00000800 0020 00 00'),
    );
  });
  it('PP is byte 10 bit 0 only', () => {
    assert.equal(decodeRandomReadableFeature(h('00000800 0010 FE 00')).pp, false);
  });
  it('needs 8 bytes', () => {
    assert.throws(() => decodeRandomReadableFeature(h('00000800 0010 01')), MalformedDataError);
  });
  it('descriptor builder: version 0, not persistent, current (01h)', () => {
    const d = randomReadableFeatureDescriptor({ logicalBlockSize: 2048, blocking: 16, pp: true });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0010 01 08 00000800 0010 0100'));
    const off = randomReadableFeatureDescriptor(
      { logicalBlockSize: 2048, blocking: 16, pp: true },
      { current: false },
    );
    assert.equal(encodeFeatureDescriptor(off)[2], 0x00);
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          logicalBlockSize: fc.integer({ min: 0, max: 0xffffffff }),
          blocking: fc.integer({ min: 0, max: 0xffff }),
          pp: fc.boolean(),
        }),
        (x) =>
          assert.deepEqual(decodeRandomReadableFeature(encodeRandomReadableFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeRandomReadableFeature, [h('00000800 0010 01 00')]);
  });
});

describe('Random Writable feature (0020h)', () => {
  it('decodes a DVD+RW: last LBA 2295103, 2048-byte blocks, blocking 16, PP', () => {
    assert.deepEqual(decodeRandomWritableFeature(h('0023053F 00000800 0010 01 00')), {
      lastLba: 2295103,
      logicalBlockSize: 2048,
      blocking: 16,
      pp: true,
    });
  });
  it('encodes the 12-byte layout', () => {
    assert.deepEqual(
      encodeRandomWritableFeature({
        lastLba: 0xfffffffe,
        logicalBlockSize: 2048,
        blocking: 32,
        pp: false,
      }),
      cat(be(0xfffffffe, 4), be(2048, 4), be(32, 2), [0, 0]),
    );
  });
  it('needs 12 bytes', () => {
    assert.throws(
      () => decodeRandomWritableFeature(h('0023053F 00000800 0010 01')),
      MalformedDataError,
    );
  });
  it('descriptor builder: version 1, not persistent (05h when current)', () => {
    const d = randomWritableFeatureDescriptor({
      lastLba: 1,
      logicalBlockSize: 2048,
      blocking: 16,
      pp: true,
    });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0020 05 0C 00000001 00000800 0010 0100'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          lastLba: fc.integer({ min: 0, max: 0xffffffff }),
          logicalBlockSize: fc.integer({ min: 0, max: 0xffffffff }),
          blocking: fc.integer({ min: 0, max: 0xffff }),
          pp: fc.boolean(),
        }),
        (x) =>
          assert.deepEqual(decodeRandomWritableFeature(encodeRandomWritableFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeRandomWritableFeature, [h('0023053F 00000800 0010 01 00')]);
  });
});

describe('Incremental Streaming Writable feature (0021h)', () => {
  const none = {
    dataBlockTypesSupported: 0,
    trio: false,
    arsv: false,
    buf: false,
    linkSizes: [] as number[],
  };
  itMapsEachFlag(
    none,
    4,
    [
      ['trio', 6, 0x04],
      ['arsv', 6, 0x02],
      ['buf', 6, 0x01],
    ],
    encodeIncrementalStreamingWritableFeature,
    decodeIncrementalStreamingWritableFeature,
  );
  it('decodes data block types, flags and two link sizes followed by pad bytes', () => {
    assert.deepEqual(decodeIncrementalStreamingWritableFeature(h('2501 07 02 07 10 0000')), {
      dataBlockTypesSupported: 0x2501,
      trio: true,
      arsv: true,
      buf: true,
      linkSizes: [7, 16],
    });
  });
  it('pads the link sizes to a multiple of 4', () => {
    assert.deepEqual(
      encodeIncrementalStreamingWritableFeature({ ...none, buf: true, linkSizes: [16] }),
      h('0000 01 01 10 000000'),
    );
    assert.deepEqual(
      encodeIncrementalStreamingWritableFeature({ ...none, linkSizes: [1, 2, 3, 4] }),
      h('0000 00 04 01020304'),
    );
    assert.deepEqual(
      encodeIncrementalStreamingWritableFeature({ ...none, linkSizes: [1, 2, 3, 4, 5] }),
      h('0000 00 05 01020304 05000000'),
    );
  });
  it('a link size count beyond the bytes present is malformed', () => {
    assert.throws(
      () => decodeIncrementalStreamingWritableFeature(h('0000 01 05 07 10 0000')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeIncrementalStreamingWritableFeature(h('0000 01')),
      MalformedDataError,
    );
  });
  it('rejects link sizes above 255 and lists too long for one descriptor', () => {
    assert.throws(
      () => encodeIncrementalStreamingWritableFeature({ ...none, linkSizes: [256] }),
      DwError,
    );
    assert.throws(
      () =>
        encodeIncrementalStreamingWritableFeature({
          ...none,
          linkSizes: new Array<number>(249).fill(1),
        }),
      DwError,
    );
    assert.equal(
      encodeIncrementalStreamingWritableFeature({
        ...none,
        linkSizes: new Array<number>(248).fill(1),
      }).length,
      252,
    );
  });
  it('descriptor builder: version 1, not persistent', () => {
    const d = incrementalStreamingWritableFeatureDescriptor(
      { ...none, dataBlockTypesSupported: 0x0100, buf: true, linkSizes: [16] },
      { current: false },
    );
    assert.deepEqual(encodeFeatureDescriptor(d), h('0021 04 08 0100 01 01 10000000'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          dataBlockTypesSupported: fc.integer({ min: 0, max: 0xffff }),
          trio: fc.boolean(),
          arsv: fc.boolean(),
          buf: fc.boolean(),
          linkSizes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 248 }),
        }),
        (x) =>
          assert.deepEqual(
            decodeIncrementalStreamingWritableFeature(encodeIncrementalStreamingWritableFeature(x)),
            { ...x },
          ),
      ),
    );
    assertDecoderRobust(decodeIncrementalStreamingWritableFeature, [h('2501 07 02 07 10 0000')]);
  });
});

describe('Formattable feature (0023h)', () => {
  const none = { reNoSa: false, expand: false, qCert: false, cert: false, rrm: false };
  itMapsEachFlag(
    none,
    8,
    [
      ['reNoSa', 4, 0x08],
      ['expand', 4, 0x04],
      ['qCert', 4, 0x02],
      ['cert', 4, 0x01],
      ['rrm', 8, 0x01],
    ],
    encodeFormattableFeature,
    decodeFormattableFeature,
  );
  it('version 0 has no data: nothing claimed', () => {
    assert.deepEqual(decodeFormattableFeature(new Uint8Array(0)), none);
  });
  it('a 4-byte descriptor carries the BD-RE flags but not RRM', () => {
    assert.deepEqual(decodeFormattableFeature(h('0F000000')), {
      reNoSa: true,
      expand: true,
      qCert: true,
      cert: true,
      rrm: false,
    });
  });
  it('descriptor builder: version 1', () => {
    const d = formattableFeatureDescriptor({ ...none, cert: true, rrm: true });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0023 05 08 01000000 01000000'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          reNoSa: fc.boolean(),
          expand: fc.boolean(),
          qCert: fc.boolean(),
          cert: fc.boolean(),
          rrm: fc.boolean(),
        }),
        (x) => assert.deepEqual(decodeFormattableFeature(encodeFormattableFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeFormattableFeature, [h('0F000000 01000000')]);
  });
});

describe('Restricted Overwrite feature (0026h)', () => {
  it('has no data, and extra bytes are ignored', () => {
    assert.deepEqual(encodeRestrictedOverwriteFeature(), new Uint8Array(0));
    assert.deepEqual(decodeRestrictedOverwriteFeature(new Uint8Array(0)), {});
    assert.deepEqual(decodeRestrictedOverwriteFeature(h('FFFFFFFF')), {});
  });
  it('descriptor builder: version 0, not persistent', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(restrictedOverwriteFeatureDescriptor({ current: false })),
      h('0026 00 00'),
    );
  });
});

describe('BD-R Pseudo-Overwrite feature (0038h)', () => {
  // MMC-6: Feature Code 0038h, Version 0000b, Additional Length 04h, bytes 4..7 reserved.
  it('carries four reserved bytes, and ignores whatever they hold', () => {
    assert.deepEqual(encodeBdRPseudoOverwriteFeature(), h('00000000'));
    assert.deepEqual(decodeBdRPseudoOverwriteFeature(h('00000000')), {});
    assert.deepEqual(decodeBdRPseudoOverwriteFeature(h('FFFFFFFF')), {});
    assert.deepEqual(decodeBdRPseudoOverwriteFeature(new Uint8Array(0)), {});
  });
  it('descriptor builder: version 0, not persistent, Additional Length 4', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(bdRPseudoOverwriteFeatureDescriptor()),
      h('0038 01 04 00000000'),
    );
    assert.deepEqual(
      encodeFeatureDescriptor(bdRPseudoOverwriteFeatureDescriptor({ current: false })),
      h('0038 00 04 00000000'),
    );
  });
  it('a descriptor as a drive sends it decodes with its current bit', () => {
    const d = decodeFeatureDescriptor(h('0038 01 04 00000000'));
    assert.equal(d.featureCode, 0x0038);
    assert.equal(d.current, true);
    assert.equal(d.persistent, false);
    assert.equal(d.version, 0);
    assert.deepEqual(decodeBdRPseudoOverwriteFeature(d.data), {});
  });
});

describe('CD Track at Once feature (002Dh)', () => {
  const none = {
    buf: false,
    rwRaw: false,
    rwPack: false,
    testWrite: false,
    cdRw: false,
    rwSubcode: false,
    dataTypeSupported: 0,
  };
  itMapsEachFlag(
    none,
    4,
    [
      ['buf', 4, 0x40],
      ['rwRaw', 4, 0x10],
      ['rwPack', 4, 0x08],
      ['testWrite', 4, 0x04],
      ['cdRw', 4, 0x02],
      ['rwSubcode', 4, 0x01],
    ],
    encodeCdTrackAtOnceFeature,
    decodeCdTrackAtOnceFeature,
  );
  it('Data Type Supported is bytes 6..7', () => {
    assert.deepEqual(
      encodeCdTrackAtOnceFeature({ ...none, dataTypeSupported: 0x2501 }),
      h('00002501'),
    );
    assert.equal(decodeCdTrackAtOnceFeature(h('5F00FFFF')).dataTypeSupported, 0xffff);
  });
  it('reserved bits 7 and 5 of byte 4 are ignored', () => {
    assert.deepEqual(decodeCdTrackAtOnceFeature(h('A0000000')), none);
  });
  it('descriptor builder: version 2', () => {
    const d = cdTrackAtOnceFeatureDescriptor({ ...none, buf: true, testWrite: true });
    assert.deepEqual(encodeFeatureDescriptor(d), h('002D 09 04 44000000'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          buf: fc.boolean(),
          rwRaw: fc.boolean(),
          rwPack: fc.boolean(),
          testWrite: fc.boolean(),
          cdRw: fc.boolean(),
          rwSubcode: fc.boolean(),
          dataTypeSupported: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) =>
          assert.deepEqual(decodeCdTrackAtOnceFeature(encodeCdTrackAtOnceFeature(x)), { ...x }),
      ),
    );
    assert.throws(() => decodeCdTrackAtOnceFeature(h('5F00')), MalformedDataError);
    assertDecoderRobust(decodeCdTrackAtOnceFeature, [h('5F002501')]);
  });
});

describe('CD Mastering feature (002Eh)', () => {
  const none = {
    buf: false,
    sao: false,
    rawMs: false,
    raw: false,
    testWrite: false,
    cdRw: false,
    rw: false,
    maximumCueSheetLength: 0,
  };
  itMapsEachFlag(
    none,
    4,
    [
      ['buf', 4, 0x40],
      ['sao', 4, 0x20],
      ['rawMs', 4, 0x10],
      ['raw', 4, 0x08],
      ['testWrite', 4, 0x04],
      ['cdRw', 4, 0x02],
      ['rw', 4, 0x01],
    ],
    encodeCdMasteringFeature,
    decodeCdMasteringFeature,
  );
  it('Maximum Cue Sheet Length is bytes 5..7', () => {
    assert.deepEqual(
      encodeCdMasteringFeature({ ...none, maximumCueSheetLength: 0x010203 }),
      h('00 010203'),
    );
    assert.deepEqual(decodeCdMasteringFeature(h('7F 000F00')), {
      buf: true,
      sao: true,
      rawMs: true,
      raw: true,
      testWrite: true,
      cdRw: true,
      rw: true,
      maximumCueSheetLength: 3840,
    });
  });
  it('rejects a cue sheet length above 24 bits', () => {
    assert.throws(
      () => encodeCdMasteringFeature({ ...none, maximumCueSheetLength: 0x1000000 }),
      DwError,
    );
  });
  it('descriptor builder: version 1', () => {
    const d = cdMasteringFeatureDescriptor({ ...none, sao: true, maximumCueSheetLength: 0xf00 });
    assert.deepEqual(encodeFeatureDescriptor(d), h('002E 05 04 20000F00'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          buf: fc.boolean(),
          sao: fc.boolean(),
          rawMs: fc.boolean(),
          raw: fc.boolean(),
          testWrite: fc.boolean(),
          cdRw: fc.boolean(),
          rw: fc.boolean(),
          maximumCueSheetLength: fc.integer({ min: 0, max: 0xffffff }),
        }),
        (x) => assert.deepEqual(decodeCdMasteringFeature(encodeCdMasteringFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeCdMasteringFeature, [h('7F000F00')]);
  });
});

describe('DVD-R/-RW Write feature (002Fh)', () => {
  const none = { buf: false, rdl: false, testWrite: false, dvdRwSl: false };
  itMapsEachFlag(
    none,
    4,
    [
      ['buf', 4, 0x40],
      ['rdl', 4, 0x08],
      ['testWrite', 4, 0x04],
      ['dvdRwSl', 4, 0x02],
    ],
    encodeDvdRRwWriteFeature,
    decodeDvdRRwWriteFeature,
  );
  it('reserved bits are ignored', () => {
    assert.deepEqual(decodeDvdRRwWriteFeature(h('B1FFFFFF')), none);
  });
  it('descriptor builder: version 2', () => {
    const d = dvdRRwWriteFeatureDescriptor(
      { buf: true, rdl: true, testWrite: true, dvdRwSl: true },
      { current: false },
    );
    assert.deepEqual(encodeFeatureDescriptor(d), h('002F 08 04 4E000000'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          buf: fc.boolean(),
          rdl: fc.boolean(),
          testWrite: fc.boolean(),
          dvdRwSl: fc.boolean(),
        }),
        (x) => assert.deepEqual(decodeDvdRRwWriteFeature(encodeDvdRRwWriteFeature(x)), { ...x }),
      ),
    );
    assert.throws(() => decodeDvdRRwWriteFeature(h('4E')), MalformedDataError);
    assertDecoderRobust(decodeDvdRRwWriteFeature, [h('4E000000')]);
  });
});

describe('DVD+RW feature (002Ah)', () => {
  itMapsEachFlag(
    { write: false, quickStart: false, closeOnly: false },
    4,
    [
      ['write', 4, 0x01],
      ['quickStart', 5, 0x02],
      ['closeOnly', 5, 0x01],
    ],
    encodeDvdPlusRwFeature,
    decodeDvdPlusRwFeature,
  );
  it('descriptor builder: version 1', () => {
    const d = dvdPlusRwFeatureDescriptor({ write: true, quickStart: true, closeOnly: false });
    assert.deepEqual(encodeFeatureDescriptor(d), h('002A 05 04 01020000'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({ write: fc.boolean(), quickStart: fc.boolean(), closeOnly: fc.boolean() }),
        (x) => assert.deepEqual(decodeDvdPlusRwFeature(encodeDvdPlusRwFeature(x)), { ...x }),
      ),
    );
    assert.throws(() => decodeDvdPlusRwFeature(h('0102')), MalformedDataError);
    assertDecoderRobust(decodeDvdPlusRwFeature, [h('01030000')]);
  });
});

describe('DVD+R feature (002Bh)', () => {
  itMapsEachFlag(
    { write: false },
    4,
    [['write', 4, 0x01]],
    encodeDvdPlusRFeature,
    decodeDvdPlusRFeature,
  );
  it('only bit 0 of byte 4 is Write', () => {
    assert.deepEqual(decodeDvdPlusRFeature(h('FEFFFFFF')), { write: false });
  });
  it('descriptor builder: version 0, current (tgt’s blank DVD+R)', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(dvdPlusRFeatureDescriptor({ write: true })),
      h('002B 01 04 01000000'),
    );
  });
  it('is robust', () => {
    assert.throws(() => decodeDvdPlusRFeature(h('010000')), MalformedDataError);
    assertDecoderRobust(decodeDvdPlusRFeature, [h('01000000')]);
  });
});

describe('DVD+R Dual Layer feature (003Bh)', () => {
  itMapsEachFlag(
    { write: false },
    4,
    [['write', 4, 0x01]],
    encodeDvdPlusRDualLayerFeature,
    decodeDvdPlusRDualLayerFeature,
  );
  it('descriptor builder: version 0', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(
        dvdPlusRDualLayerFeatureDescriptor({ write: false }, { current: false }),
      ),
      h('003B 00 04 00000000'),
    );
  });
  it('is robust', () => {
    assert.throws(() => decodeDvdPlusRDualLayerFeature(h('')), MalformedDataError);
    assertDecoderRobust(decodeDvdPlusRDualLayerFeature, [h('01000000')]);
  });
});
