import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bdReadFeatureDescriptor,
  decodeBdReadFeature,
  encodeBdReadFeature,
  type BdClassBitmaps,
} from '../../../../src/scsi/mmc/features/bd-read.js';
import {
  bdWriteFeatureDescriptor,
  decodeBdWriteFeature,
  encodeBdWriteFeature,
} from '../../../../src/scsi/mmc/features/bd-write.js';
import {
  decodePowerManagementFeature,
  encodePowerManagementFeature,
  powerManagementFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/power-management.js';
import {
  decodeTimeoutFeature,
  encodeTimeoutFeature,
  timeoutFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/timeout.js';
import {
  decodeRealTimeStreamingFeature,
  encodeRealTimeStreamingFeature,
  realTimeStreamingFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/real-time-streaming.js';
import { encodeFeatureDescriptor } from '../../../../src/scsi/mmc/features/feature-descriptor.js';
import { DwError, MalformedDataError } from '../../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../../../helpers/bytes.js';
import { itMapsEachFlag } from './flag-table.js';

const u16 = fc.integer({ min: 0, max: 0xffff });
const classes = (): fc.Arbitrary<BdClassBitmaps> => fc.tuple(u16, u16, u16, u16);

describe('BD Read feature (0040h)', () => {
  // bytes 4..7 reserved, then BD-RE, BD-R, BD-ROM class 0..3 bitmaps
  const bytes = cat(
    zeros(4),
    be(0x0004, 2), // BD-RE class 0: version 2
    be(0x0000, 2),
    be(0x0000, 2),
    be(0x0000, 2),
    be(0x0002, 2), // BD-R class 0: version 1
    be(0x0001, 2),
    be(0x0000, 2),
    be(0x8000, 2),
    be(0x0002, 2), // BD-ROM class 0
    be(0x0000, 2),
    be(0x1234, 2),
    be(0xffff, 2),
  );
  it('decodes the three class-bitmap groups raw', () => {
    assert.deepEqual(decodeBdReadFeature(bytes), {
      bdReReadSupport: [0x0004, 0, 0, 0],
      bdRReadSupport: [0x0002, 0x0001, 0, 0x8000],
      bdRomReadSupport: [0x0002, 0, 0x1234, 0xffff],
    });
  });
  it('encodes the 28-byte layout with bytes 4..7 reserved', () => {
    assert.deepEqual(
      encodeBdReadFeature({
        bdReReadSupport: [0x0004, 0, 0, 0],
        bdRReadSupport: [0x0002, 0x0001, 0, 0x8000],
        bdRomReadSupport: [0x0002, 0, 0x1234, 0xffff],
      }),
      bytes,
    );
  });
  it('ignores the reserved bytes', () => {
    const v = decodeBdReadFeature(cat(h('FFFFFFFF'), bytes.subarray(4)));
    assert.deepEqual(v.bdReReadSupport, [4, 0, 0, 0]);
  });
  it('needs 28 bytes', () => {
    assert.throws(() => decodeBdReadFeature(bytes.subarray(0, 27)), MalformedDataError);
  });
  it('rejects a bitmap above 16 bits', () => {
    assert.throws(
      () =>
        encodeBdReadFeature({
          bdReReadSupport: [0x10000, 0, 0, 0],
          bdRReadSupport: [0, 0, 0, 0],
          bdRomReadSupport: [0, 0, 0, 0],
        }),
      DwError,
    );
  });
  it('descriptor builder: version 0, additional length 1Ch', () => {
    const d = bdReadFeatureDescriptor(
      {
        bdReReadSupport: [0, 0, 0, 0],
        bdRReadSupport: [0, 0, 0, 0],
        bdRomReadSupport: [0, 0, 0, 0],
      },
      { current: false },
    );
    assert.deepEqual(encodeFeatureDescriptor(d), cat(h('0040 00 1C'), zeros(28)));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          bdReReadSupport: classes(),
          bdRReadSupport: classes(),
          bdRomReadSupport: classes(),
        }),
        (x) => assert.deepEqual(decodeBdReadFeature(encodeBdReadFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeBdReadFeature, [bytes]);
  });
});

describe('BD Write feature (0041h)', () => {
  const bytes = cat(
    h('01 000000'), // SVNR
    be(0x0004, 2), // BD-RE class 0
    be(0x0002, 2),
    be(0, 2),
    be(0, 2),
    be(0x0006, 2), // BD-R class 0
    be(0, 2),
    be(0, 2),
    be(0x0101, 2),
  );
  it('decodes SVNR (byte 4 bit 0) and the BD-RE and BD-R class bitmaps', () => {
    assert.deepEqual(decodeBdWriteFeature(bytes), {
      svnr: true,
      bdReWriteSupport: [0x0004, 0x0002, 0, 0],
      bdRWriteSupport: [0x0006, 0, 0, 0x0101],
    });
  });
  it('encodes the 20-byte layout', () => {
    assert.deepEqual(
      encodeBdWriteFeature({
        svnr: true,
        bdReWriteSupport: [0x0004, 0x0002, 0, 0],
        bdRWriteSupport: [0x0006, 0, 0, 0x0101],
      }),
      bytes,
    );
  });
  it('only bit 0 of byte 4 is SVNR', () => {
    assert.equal(decodeBdWriteFeature(cat(h('FE'), bytes.subarray(1))).svnr, false);
  });
  it('needs 20 bytes', () => {
    assert.throws(() => decodeBdWriteFeature(bytes.subarray(0, 19)), MalformedDataError);
  });
  it('descriptor builder: version 0, additional length 14h', () => {
    const d = bdWriteFeatureDescriptor({
      svnr: false,
      bdReWriteSupport: [0, 0, 0, 0],
      bdRWriteSupport: [0, 0, 0, 0],
    });
    assert.deepEqual(encodeFeatureDescriptor(d), cat(h('0041 01 14'), zeros(20)));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({ svnr: fc.boolean(), bdReWriteSupport: classes(), bdRWriteSupport: classes() }),
        (x) => assert.deepEqual(decodeBdWriteFeature(encodeBdWriteFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeBdWriteFeature, [bytes]);
  });
});

describe('Power Management feature (0100h)', () => {
  it('has no data', () => {
    assert.deepEqual(encodePowerManagementFeature(), new Uint8Array(0));
    assert.deepEqual(decodePowerManagementFeature(new Uint8Array(0)), {});
    assert.deepEqual(decodePowerManagementFeature(h('00000000')), {});
  });
  it('descriptor builder: version 0, persistent, current', () => {
    assert.deepEqual(encodeFeatureDescriptor(powerManagementFeatureDescriptor()), h('0100 03 00'));
  });
});

describe('Timeout feature (0105h)', () => {
  it('decodes Group 3 (byte 4 bit 0) and Unit Length (bytes 6..7)', () => {
    assert.deepEqual(decodeTimeoutFeature(h('01 00 0200')), { group3: true, unitLength: 512 });
    assert.deepEqual(decodeTimeoutFeature(h('FE FF 0001')), { group3: false, unitLength: 1 });
  });
  it('version 0 carries no data: Group 3 not claimed, no unit length', () => {
    assert.deepEqual(decodeTimeoutFeature(new Uint8Array(0)), { group3: false });
  });
  it('encodes the version 1 layout', () => {
    assert.deepEqual(encodeTimeoutFeature({ group3: true, unitLength: 0x1234 }), h('01001234'));
    assert.deepEqual(encodeTimeoutFeature({ group3: false, unitLength: 0 }), h('00000000'));
  });
  it('descriptor builder: version 1, persistent, current (07h)', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(timeoutFeatureDescriptor({ group3: true, unitLength: 16 })),
      h('0105 07 04 01000010'),
    );
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(fc.record({ group3: fc.boolean(), unitLength: u16 }), (x) =>
        assert.deepEqual(decodeTimeoutFeature(encodeTimeoutFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeTimeoutFeature, [h('01000200')]);
  });
});

describe('Real Time Streaming feature (0107h)', () => {
  const none = { rbcb: false, scs: false, mp2a: false, wspd: false, sw: false };
  itMapsEachFlag(
    none,
    4,
    [
      ['rbcb', 4, 0x10],
      ['scs', 4, 0x08],
      ['mp2a', 4, 0x04],
      ['wspd', 4, 0x02],
      ['sw', 4, 0x01], // spec §1a: SW at descriptor byte 4, bit 0
    ],
    encodeRealTimeStreamingFeature,
    decodeRealTimeStreamingFeature,
  );
  it('decodes tgt’s flags 1Fh as all five capabilities', () => {
    assert.deepEqual(decodeRealTimeStreamingFeature(h('1F000000')), {
      rbcb: true,
      scs: true,
      mp2a: true,
      wspd: true,
      sw: true,
    });
  });
  it('ignores bits 7..5 of byte 4', () => {
    assert.deepEqual(decodeRealTimeStreamingFeature(h('E0000000')), none);
  });
  it('a descriptor without data claims nothing (no stream writing)', () => {
    assert.deepEqual(decodeRealTimeStreamingFeature(new Uint8Array(0)), none);
  });
  it('descriptor builder: version 3, not persistent, current (0Dh)', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(
        realTimeStreamingFeatureDescriptor({ ...none, sw: true, wspd: true }),
      ),
      h('0107 0D 04 03000000'),
    );
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          rbcb: fc.boolean(),
          scs: fc.boolean(),
          mp2a: fc.boolean(),
          wspd: fc.boolean(),
          sw: fc.boolean(),
        }),
        (x) =>
          assert.deepEqual(decodeRealTimeStreamingFeature(encodeRealTimeStreamingFeature(x)), {
            ...x,
          }),
      ),
    );
    assertDecoderRobust(decodeRealTimeStreamingFeature, [h('1F000000')]);
  });
});
