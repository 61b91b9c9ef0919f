import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GetConfigurationRt,
  decodeGetConfigurationCdb,
  decodeGetConfigurationData,
  encodeGetConfigurationCdb,
  encodeGetConfigurationData,
  findFeature,
  getConfiguration,
  getConfigurationFullLength,
  hasCurrentFeature,
  selectFeatures,
} from '../../../src/scsi/mmc/get-configuration.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
} from '../../../src/scsi/mmc/features/feature-descriptor.js';
import { FeaturePageType } from '../../../src/scsi/mmc/features/feature-codes.js';
import { decodeProfileListFeature } from '../../../src/scsi/mmc/features/profile-list.js';
import { decodeCoreFeature } from '../../../src/scsi/mmc/features/core.js';
import { decodeRemovableMediumFeature } from '../../../src/scsi/mmc/features/removable-medium.js';
import { decodeDvdPlusRFeature } from '../../../src/scsi/mmc/features/dvd-plus-r.js';
import { decodeRealTimeStreamingFeature } from '../../../src/scsi/mmc/features/real-time-streaming.js';
import { decodeIncrementalStreamingWritableFeature } from '../../../src/scsi/mmc/features/incremental-streaming-writable.js';
import { decodeTimeoutFeature } from '../../../src/scsi/mmc/features/timeout.js';
import { ProfileType } from '../../../src/scsi/mmc/profiles.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h } from '../../helpers/bytes.js';

// A DVD writer with a blank DVD+R loaded, written by hand from the MMC-6 tables.
// Offsets: header 0..7, Profile List 8..39, Core 40..51, Morphing 52..59, Removable 60..67,
// Random Readable 68..79, Incremental Streaming Writable 80..91, DVD+RW 92..99, DVD+R 100..107,
// DVD-R/-RW Write 108..115, DVD+R DL 116..123, Power Management 124..127, Timeout 128..135,
// Real Time Streaming 136..143, vendor feature FF00h 144..151: 152 bytes, Data Length 148 (94h).
const DVD_WRITER_BLANK_DVD_PLUS_R = cat(
  h('00000094 0000 001B'), // Data Length, reserved, Current Profile DVD+R
  h('0000 03 1C'), // Profile List: version 0, persistent, current, 7 profiles
  h('001B 01 00'), // DVD+R, CurrentP
  h('001A 00 00'), // DVD+RW
  h('002B 00 00'), // DVD+R DL
  h('0011 00 00'), // DVD-R sequential
  h('0014 00 00'), // DVD-RW sequential
  h('0010 00 00'), // DVD-ROM
  h('0009 00 00'), // CD-R
  h('0001 0B 08 00000007 03 000000'), // Core v2: Serial ATAPI, INQ2, DBE
  h('0002 07 04 02 000000'), // Morphing v1: OCEvent
  h('0003 0B 04 39 000000'), // Removable Medium v2: tray, Load, Eject, Lock
  h('0010 00 08 00000800 0010 01 00'), // Random Readable v0, not current (blank disc)
  h('0021 04 08 2501 07 02 07 10 0000'), // Incremental Streaming Writable v1, not current
  h('002A 04 04 01 00 0000'), // DVD+RW v1, not current, Write
  h('002B 01 04 01 000000'), // DVD+R v0, current, Write
  h('002F 08 04 4E 000000'), // DVD-R/-RW Write v2, not current
  h('003B 00 04 01 000000'), // DVD+R DL, not current, Write
  h('0100 03 00'), // Power Management, persistent, current
  h('0105 07 04 01 00 0010'), // Timeout v1: Group 3, unit length 16
  h('0107 0D 04 1F 000000'), // Real Time Streaming v3, current: RBCB SCS MP2A WSPD SW
  h('FF00 01 04 DEADBEEF'), // vendor-specific feature, kept raw
);

describe('GET CONFIGURATION CDB', () => {
  it('encodes RT, Starting Feature Number and Allocation Length', () => {
    assert.deepEqual(
      encodeGetConfigurationCdb({
        rt: GetConfigurationRt.ONE,
        startingFeatureNumber: 0x0107,
        allocationLength: 8,
      }),
      h('46 02 0107 000000 0008 00'),
    );
  });
  it('defaults to RT 0 from feature 0', () => {
    assert.deepEqual(
      encodeGetConfigurationCdb({ allocationLength: 0xfff8 }),
      h('46 00 0000 000000 FFF8 00'),
    );
  });
  it('RT table', () => {
    assert.deepEqual({ ...GetConfigurationRt }, { ALL: 0, CURRENT: 1, ONE: 2 });
  });
  it('rejects RT above 3 and lengths above 16 bits', () => {
    assert.throws(() => encodeGetConfigurationCdb({ rt: 4, allocationLength: 8 }), DwError);
    assert.throws(() => encodeGetConfigurationCdb({ allocationLength: 0x10000 }), DwError);
    assert.throws(
      () => encodeGetConfigurationCdb({ startingFeatureNumber: 0x10000, allocationLength: 8 }),
      DwError,
    );
  });
  it('decodes, ignoring the reserved bits of byte 1', () => {
    assert.deepEqual(decodeGetConfigurationCdb(h('46 FD 0001 000000 0100 00')), {
      rt: 1,
      startingFeatureNumber: 1,
      allocationLength: 256,
    });
  });
  it('decoder rejects another opcode and a short CDB', () => {
    assert.throws(
      () => decodeGetConfigurationCdb(h('4A 01 0000 000000 0008 00')),
      MalformedDataError,
    );
    assert.throws(() => decodeGetConfigurationCdb(h('46 00 0000 000000 00')), MalformedDataError);
  });
  it('request factory: data-in with the allocation length', () => {
    const c = getConfiguration({ rt: 1, allocationLength: 1024 });
    assert.equal(c.name, 'GET CONFIGURATION');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 1024);
    assert.deepEqual(c.cdb, h('46 01 0000 000000 0400 00'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          rt: fc.integer({ min: 0, max: 3 }),
          startingFeatureNumber: fc.integer({ min: 0, max: 0xffff }),
          allocationLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeGetConfigurationCdb(encodeGetConfigurationCdb(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeGetConfigurationCdb, [h('46 02 0107 000000 0008 00')]);
  });
});

describe('GET CONFIGURATION response: a DVD writer with a blank DVD+R', () => {
  const reply = decodeGetConfigurationData(DVD_WRITER_BLANK_DVD_PLUS_R);

  it('the fixture is 152 bytes', () => {
    assert.equal(DVD_WRITER_BLANK_DVD_PLUS_R.length, 152);
  });
  it('header: data length and current profile', () => {
    assert.equal(reply.dataLength, 148);
    assert.equal(reply.currentProfile, ProfileType.DVD_PLUS_R);
    assert.equal(reply.truncated, false);
  });
  it('lists every descriptor in reply order', () => {
    assert.deepEqual(
      reply.descriptors.map((d) => d.featureCode),
      [
        0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x0021, 0x002a, 0x002b, 0x002f, 0x003b, 0x0100,
        0x0105, 0x0107, 0xff00,
      ],
    );
  });
  it('decodes each descriptor header', () => {
    assert.deepEqual(findFeature(reply, FeaturePageType.CORE), {
      featureCode: 1,
      version: 2,
      persistent: true,
      current: true,
      additionalLength: 8,
      data: h('00000007 03000000'),
    });
    const rr = findFeature(reply, FeaturePageType.RANDOMLY_READABLE);
    assert.equal(rr?.current, false);
    assert.equal(rr?.persistent, false);
    assert.equal(findFeature(reply, FeaturePageType.POWER_MANAGEMENT)?.additionalLength, 0);
  });
  it('the profile list has DVD+R first and current', () => {
    const pl = decodeProfileListFeature(findFeature(reply, FeaturePageType.PROFILE_LIST)!.data);
    assert.equal(pl.profiles.length, 7);
    assert.deepEqual(pl.profiles[0], { profileNumber: ProfileType.DVD_PLUS_R, currentP: true });
    assert.deepEqual(
      pl.profiles.filter((p) => p.currentP).map((p) => p.profileNumber),
      [ProfileType.DVD_PLUS_R],
    );
  });
  it('typed parsers read the feature data', () => {
    assert.deepEqual(decodeCoreFeature(findFeature(reply, FeaturePageType.CORE)!.data), {
      physicalInterfaceStandard: 7,
      inq2: true,
      dbe: true,
    });
    const rm = decodeRemovableMediumFeature(
      findFeature(reply, FeaturePageType.REMOVABLE_MEDIUM)!.data,
    );
    assert.equal(rm.loadingMechanismType, 1);
    assert.equal(rm.load && rm.eject && rm.lock, true);
    assert.equal(
      decodeDvdPlusRFeature(findFeature(reply, FeaturePageType.DVD_PLUS_R)!.data).write,
      true,
    );
    assert.deepEqual(
      decodeIncrementalStreamingWritableFeature(
        findFeature(reply, FeaturePageType.INCREMENTAL_STREAMING_WRITABLE)!.data,
      ).linkSizes,
      [7, 16],
    );
    assert.deepEqual(decodeTimeoutFeature(findFeature(reply, FeaturePageType.TIMEOUT)!.data), {
      group3: true,
      unitLength: 16,
    });
  });
  it('Real Time Streaming is current with SW set (spec §1a streaming writes allowed)', () => {
    assert.equal(hasCurrentFeature(reply, FeaturePageType.REAL_TIME_STREAMING), true);
    const rts = findFeature(reply, FeaturePageType.REAL_TIME_STREAMING)!;
    assert.equal(rts.data[0]! & 0x01, 1);
    assert.equal(decodeRealTimeStreamingFeature(rts.data).sw, true);
  });
  it('keeps an unknown feature as raw bytes', () => {
    const v = findFeature(reply, 0xff00);
    assert.deepEqual(v?.data, h('DEADBEEF'));
    assert.equal(v?.current, true);
  });
  it('hasCurrentFeature: current, not current, absent', () => {
    assert.equal(hasCurrentFeature(reply, FeaturePageType.DVD_PLUS_R), true);
    assert.equal(hasCurrentFeature(reply, FeaturePageType.DVD_PLUS_RW), false);
    assert.equal(hasCurrentFeature(reply, FeaturePageType.BD_WRITE), false);
    assert.equal(findFeature(reply, FeaturePageType.BD_WRITE), undefined);
  });
  it('re-encoding the decoded reply gives the same bytes', () => {
    assert.deepEqual(encodeGetConfigurationData(reply), DVD_WRITER_BLANK_DVD_PLUS_R);
  });
  it('descriptor data are copies, not views of the reply buffer', () => {
    const bytes = Uint8Array.from(DVD_WRITER_BLANK_DVD_PLUS_R);
    const d = decodeGetConfigurationData(bytes);
    bytes.fill(0);
    assert.deepEqual(findFeature(d, 0xff00)?.data, h('DEADBEEF'));
  });
});

describe('GET CONFIGURATION response length handling', () => {
  const full = DVD_WRITER_BLANK_DVD_PLUS_R;

  it('ignores padding after Data Length (tgt sends the whole allocation length)', () => {
    const padded = cat(full, new Uint8Array(1024 - full.length).fill(0xcc));
    const v = decodeGetConfigurationData(padded);
    assert.equal(v.descriptors.length, 14);
    assert.equal(v.truncated, false);
    assert.deepEqual(v, decodeGetConfigurationData(full));
  });
  it('zero padding is not read as Profile List descriptors', () => {
    const v = decodeGetConfigurationData(cat(full, new Uint8Array(64)));
    assert.equal(v.descriptors.filter((d) => d.featureCode === 0).length, 1);
  });
  it('a header-only read reports truncation and the full length to re-issue with', () => {
    const head = full.subarray(0, 8);
    const v = decodeGetConfigurationData(head);
    assert.deepEqual(v, {
      dataLength: 148,
      currentProfile: 0x1b,
      descriptors: [],
      truncated: true,
    });
    assert.equal(getConfigurationFullLength(head), 152);
    assert.equal(getConfigurationFullLength(full.subarray(0, 4)), 152);
  });
  it('a reply cut at a descriptor boundary keeps the complete descriptors', () => {
    const v = decodeGetConfigurationData(full.subarray(0, 100));
    assert.equal(v.truncated, true);
    assert.deepEqual(
      v.descriptors.map((d) => d.featureCode),
      [0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x0021, 0x002a],
    );
  });
  it('drops a descriptor cut off in its data', () => {
    const v = decodeGetConfigurationData(full.subarray(0, 96));
    assert.equal(v.truncated, true);
    assert.equal(v.descriptors.length, 6);
    assert.equal(v.descriptors.at(-1)?.featureCode, 0x0021);
  });
  it('drops a descriptor cut off in its header', () => {
    assert.equal(decodeGetConfigurationData(full.subarray(0, 94)).descriptors.length, 6);
    assert.equal(decodeGetConfigurationData(full.subarray(0, 20)).descriptors.length, 0);
  });
  it('every truncation either decodes complete descriptors or is a short header', () => {
    for (let n = 0; n < full.length; n++) {
      const cut = full.subarray(0, n);
      if (n < 8) {
        assert.throws(() => decodeGetConfigurationData(cut), MalformedDataError);
        continue;
      }
      const v = decodeGetConfigurationData(cut);
      assert.equal(v.truncated, true);
      const used = v.descriptors.reduce((s, d) => s + 4 + d.additionalLength, 8);
      assert.ok(used <= n && n - used < 40, `cut at ${n}: used ${used}`);
    }
  });
  it('a header shorter than 8 bytes is malformed', () => {
    assert.throws(() => decodeGetConfigurationData(h('00000004 0000 00')), MalformedDataError);
    assert.throws(() => getConfigurationFullLength(h('000000')), MalformedDataError);
  });
  it('Data Length below 4 is malformed', () => {
    assert.throws(() => decodeGetConfigurationData(h('00000003 0000 0000')), MalformedDataError);
  });
  it('Data Length 4: no descriptors, no profile', () => {
    assert.deepEqual(decodeGetConfigurationData(h('00000004 0000 0000')), {
      dataLength: 4,
      currentProfile: 0,
      descriptors: [],
      truncated: false,
    });
  });
  it('a descriptor running past a Data Length whose bytes are all present is malformed', () => {
    // Data Length 12 ends the reply at byte 16, but the descriptor at 8 claims 8 data bytes.
    const bad = cat(h('0000000C 0000 001B'), h('0107 0D 08 1F000000 00000000'));
    assert.throws(() => decodeGetConfigurationData(bad), MalformedDataError);
  });
  it('stray bytes after the last descriptor within Data Length are malformed', () => {
    // Data Length 10 ends the reply at byte 14: one 4-byte descriptor, then 2 stray bytes.
    const bad = cat(h('0000000A 0000 001B'), h('0100 03 00'), h('FFFF'));
    assert.throws(() => decodeGetConfigurationData(bad), MalformedDataError);
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeGetConfigurationData, [full]);
    assertDecoderRobust(getConfigurationFullLength, [full.subarray(0, 8)]);
  });
});

describe('GET CONFIGURATION response encoder', () => {
  it('writes Data Length, Current Profile and the descriptors', () => {
    const bytes = encodeGetConfigurationData({
      currentProfile: 0x0010,
      descriptors: [
        featureDescriptor(0x0000, h('00100100'), { persistent: true }),
        featureDescriptor(0x0100, new Uint8Array(0), { persistent: true }),
      ],
    });
    assert.deepEqual(
      bytes,
      cat(be(16, 4), h('0000 0010'), h('0000 03 04 00100100'), h('0100 03 00')),
    );
  });
  it('an empty reply is the 8-byte header with Data Length 4', () => {
    assert.deepEqual(
      encodeGetConfigurationData({ currentProfile: 0, descriptors: [] }),
      h('00000004 0000 0000'),
    );
  });
  it('rejects a profile above FFFFh and malformed descriptors', () => {
    assert.throws(
      () => encodeGetConfigurationData({ currentProfile: 0x10000, descriptors: [] }),
      DwError,
    );
    assert.throws(
      () =>
        encodeGetConfigurationData({
          currentProfile: 0,
          descriptors: [featureDescriptor(1, h('0102'))],
        }),
      DwError,
    );
  });
  it('round-trips any reply', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(descriptorArb(), { maxLength: 12 }),
        (currentProfile, descriptors) => {
          const bytes = encodeGetConfigurationData({ currentProfile, descriptors });
          assert.deepEqual(decodeGetConfigurationData(bytes), {
            dataLength: bytes.length - 4,
            currentProfile,
            descriptors,
            truncated: false,
          });
        },
      ),
    );
  });
});

describe('selectFeatures (RT and Starting Feature Number)', () => {
  const d = (code: number, current: boolean): FeatureDescriptor =>
    featureDescriptor(code, new Uint8Array(0), { current });
  // Deliberately out of order: the selection must come back in ascending feature code order.
  const all = [
    d(0x0107, true),
    d(0x0000, true),
    d(0x002b, true),
    d(0x0010, false),
    d(0x0001, true),
  ];
  const codes = (x: FeatureDescriptor[]) => x.map((f) => f.featureCode);

  it('RT 0 from 0: every feature, ascending', () => {
    assert.deepEqual(
      codes(selectFeatures(all, GetConfigurationRt.ALL, 0)),
      [0x0000, 0x0001, 0x0010, 0x002b, 0x0107],
    );
  });
  it('RT 0 from 0010h: features at or above the starting number, current or not', () => {
    assert.deepEqual(codes(selectFeatures(all, 0, 0x0010)), [0x0010, 0x002b, 0x0107]);
  });
  it('RT 1: only current features at or above the starting number', () => {
    assert.deepEqual(
      codes(selectFeatures(all, GetConfigurationRt.CURRENT, 0)),
      [0x0000, 0x0001, 0x002b, 0x0107],
    );
    assert.deepEqual(codes(selectFeatures(all, 1, 0x0002)), [0x002b, 0x0107]);
  });
  it('RT 2: exactly the starting feature, current or not', () => {
    assert.deepEqual(codes(selectFeatures(all, GetConfigurationRt.ONE, 0x0010)), [0x0010]);
    assert.deepEqual(codes(selectFeatures(all, 2, 0x0107)), [0x0107]);
  });
  it('RT 2 for an unsupported feature: nothing (header-only reply)', () => {
    assert.deepEqual(selectFeatures(all, 2, 0x0041), []);
    assert.deepEqual(
      encodeGetConfigurationData({
        currentProfile: 0x1b,
        descriptors: selectFeatures(all, 2, 0x41),
      }),
      h('00000004 0000 001B'),
    );
  });
  it('a starting number above every feature selects nothing', () => {
    assert.deepEqual(selectFeatures(all, 0, 0xffff), []);
  });
  it('RT 3 is reserved: invalid argument', () => {
    assert.throws(
      () => selectFeatures(all, 3, 0),
      (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
    );
  });
  it('does not reorder or change the caller’s array', () => {
    const copy = [...all];
    selectFeatures(all, 0, 0);
    assert.deepEqual(all, copy);
  });
  it('property: RT 0/1/2 selections agree with their definitions', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 0x200 }), { maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        fc.integer({ min: 0, max: 0x200 }),
        (featureCodes, currents, start) => {
          const ds = featureCodes.map((c, i) => d(c, currents[i]!));
          const sorted = [...featureCodes].sort((a, b) => a - b);
          assert.deepEqual(
            codes(selectFeatures(ds, 0, start)),
            sorted.filter((c) => c >= start),
          );
          assert.deepEqual(
            codes(selectFeatures(ds, 1, start)),
            sorted.filter((c) => c >= start && ds.find((x) => x.featureCode === c)!.current),
          );
          assert.deepEqual(
            codes(selectFeatures(ds, 2, start)),
            featureCodes.includes(start) ? [start] : [],
          );
        },
      ),
    );
  });
});

function descriptorArb(): fc.Arbitrary<FeatureDescriptor> {
  return fc
    .record({
      featureCode: fc.integer({ min: 0, max: 0xffff }),
      version: fc.integer({ min: 0, max: 15 }),
      persistent: fc.boolean(),
      current: fc.boolean(),
      words: fc.integer({ min: 0, max: 8 }),
    })
    .chain((r) =>
      fc
        .uint8Array({ minLength: 4 * r.words, maxLength: 4 * r.words })
        .map((data) => featureDescriptor(r.featureCode, data, r)),
    );
}
