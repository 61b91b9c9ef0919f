import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeProfileListFeature,
  encodeProfileListFeature,
  profileListFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/profile-list.js';
import {
  PhysicalInterfaceStandard,
  coreFeatureDescriptor,
  decodeCoreFeature,
  encodeCoreFeature,
} from '../../../../src/scsi/mmc/features/core.js';
import {
  decodeMorphingFeature,
  encodeMorphingFeature,
  morphingFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/morphing.js';
import {
  LoadingMechanismType,
  decodeRemovableMediumFeature,
  encodeRemovableMediumFeature,
  removableMediumFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/removable-medium.js';
import { encodeFeatureDescriptor } from '../../../../src/scsi/mmc/features/feature-descriptor.js';
import { ProfileType } from '../../../../src/scsi/mmc/profiles.js';
import { DwError, MalformedDataError } from '../../../../src/errors.js';
import { assertDecoderRobust, h } from '../../../helpers/bytes.js';
import { itMapsEachFlag } from './flag-table.js';

describe('Profile List feature (0000h)', () => {
  it('decodes profile descriptors in order with CurrentP at byte 2 bit 0', () => {
    // DVD+R (current), DVD+RW, DVD-ROM, CD-R
    assert.deepEqual(decodeProfileListFeature(h('001B0100 001A0000 00100000 00090000')), {
      profiles: [
        { profileNumber: ProfileType.DVD_PLUS_R, currentP: true },
        { profileNumber: ProfileType.DVD_PLUS_RW, currentP: false },
        { profileNumber: ProfileType.DVDROM, currentP: false },
        { profileNumber: ProfileType.CD_RECORDABLE, currentP: false },
      ],
    });
  });
  it('ignores the reserved bits of byte 2 and byte 3', () => {
    assert.deepEqual(decodeProfileListFeature(h('0043FEFF')), {
      profiles: [{ profileNumber: 0x43, currentP: false }],
    });
  });
  it('encodes two profiles, the second current', () => {
    assert.deepEqual(
      encodeProfileListFeature({
        profiles: [
          { profileNumber: 0x0010, currentP: false },
          { profileNumber: 0x001b, currentP: true },
        ],
      }),
      h('00100000 001B0100'),
    );
  });
  it('an empty list is zero bytes', () => {
    assert.deepEqual(decodeProfileListFeature(new Uint8Array(0)), { profiles: [] });
    assert.deepEqual(encodeProfileListFeature({ profiles: [] }), new Uint8Array(0));
  });
  it('data that is not a whole number of profiles is malformed', () => {
    assert.throws(() => decodeProfileListFeature(h('001B01')), MalformedDataError);
  });
  it('rejects more than 63 profiles and a profile number above FFFFh', () => {
    const many = Array.from({ length: 64 }, (_, i) => ({ profileNumber: i, currentP: false }));
    assert.throws(() => encodeProfileListFeature({ profiles: many }), DwError);
    assert.throws(
      () => encodeProfileListFeature({ profiles: [{ profileNumber: 0x10000, currentP: false }] }),
      DwError,
    );
  });
  it('descriptor builder: version 0, persistent, current', () => {
    const d = profileListFeatureDescriptor({
      profiles: [{ profileNumber: 0x001b, currentP: true }],
    });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0000 03 04 001B0100'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ profileNumber: fc.integer({ min: 0, max: 0xffff }), currentP: fc.boolean() }),
          { maxLength: 63 },
        ),
        (profiles) => {
          const v = { profiles: profiles.map((p) => ({ ...p })) };
          assert.deepEqual(decodeProfileListFeature(encodeProfileListFeature(v)), v);
        },
      ),
    );
    assertDecoderRobust(decodeProfileListFeature, [h('001B0100 001A0000 00100000')]);
  });
});

describe('Core feature (0001h)', () => {
  it('decodes the version 2 layout: interface standard, INQ2 bit 1, DBE bit 0', () => {
    assert.deepEqual(decodeCoreFeature(h('00000007 03 000000')), {
      physicalInterfaceStandard: PhysicalInterfaceStandard.SERIAL_ATAPI,
      inq2: true,
      dbe: true,
    });
  });
  it('decodes the 4-byte version 0 layout with INQ2 and DBE not claimed', () => {
    assert.deepEqual(decodeCoreFeature(h('00000002')), {
      physicalInterfaceStandard: PhysicalInterfaceStandard.ATAPI,
      inq2: false,
      dbe: false,
    });
  });
  it('encodes the 8-byte layout', () => {
    assert.deepEqual(
      encodeCoreFeature({ physicalInterfaceStandard: 0x0008, inq2: false, dbe: true }),
      h('00000008 01 000000'),
    );
    assert.deepEqual(
      encodeCoreFeature({ physicalInterfaceStandard: 0x0000ffff, inq2: true, dbe: false }),
      h('0000FFFF 02 000000'),
    );
  });
  it('interface standard values follow the standard', () => {
    assert.deepEqual(
      [
        PhysicalInterfaceStandard.UNSPECIFIED,
        PhysicalInterfaceStandard.SCSI_FAMILY,
        PhysicalInterfaceStandard.ATAPI,
        PhysicalInterfaceStandard.IEEE_1394_1995,
        PhysicalInterfaceStandard.IEEE_1394A,
        PhysicalInterfaceStandard.FIBRE_CHANNEL,
        PhysicalInterfaceStandard.IEEE_1394B,
        PhysicalInterfaceStandard.SERIAL_ATAPI,
        PhysicalInterfaceStandard.USB,
        PhysicalInterfaceStandard.VENDOR_UNIQUE,
      ],
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 0xffff],
    );
  });
  it('fewer than 4 bytes are malformed', () => {
    assert.throws(() => decodeCoreFeature(h('000000')), MalformedDataError);
  });
  it('descriptor builder: version 2, persistent, current (0Bh)', () => {
    const d = coreFeatureDescriptor({ physicalInterfaceStandard: 1, inq2: false, dbe: true });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0001 0B 08 00000001 01000000'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          physicalInterfaceStandard: fc.integer({ min: 0, max: 0xffffffff }),
          inq2: fc.boolean(),
          dbe: fc.boolean(),
        }),
        (x) => assert.deepEqual(decodeCoreFeature(encodeCoreFeature(x)), { ...x }),
      ),
    );
    assertDecoderRobust(decodeCoreFeature, [h('00000007 03 000000')]);
  });
});

describe('Morphing feature (0002h)', () => {
  itMapsEachFlag(
    { ocEvent: false, async: false },
    4,
    [
      ['ocEvent', 4, 0x02],
      ['async', 4, 0x01],
    ],
    encodeMorphingFeature,
    decodeMorphingFeature,
  );
  it('ignores reserved bits', () => {
    assert.deepEqual(decodeMorphingFeature(h('FC FFFFFF')), { ocEvent: false, async: false });
  });
  it('descriptor builder: version 1, persistent, current (07h)', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(morphingFeatureDescriptor({ ocEvent: true, async: false })),
      h('0002 07 04 02000000'),
    );
  });
  it('is robust and rejects short data', () => {
    assert.throws(() => decodeMorphingFeature(h('02')), MalformedDataError);
    assertDecoderRobust(decodeMorphingFeature, [h('03000000')]);
  });
});

describe('Removable Medium feature (0003h)', () => {
  const none = {
    loadingMechanismType: 0,
    load: false,
    eject: false,
    pvntJmpr: false,
    dbml: false,
    lock: false,
  };
  itMapsEachFlag(
    none,
    4,
    [
      ['load', 4, 0x10],
      ['eject', 4, 0x08],
      ['pvntJmpr', 4, 0x04],
      ['dbml', 4, 0x02],
      ['lock', 4, 0x01],
    ],
    encodeRemovableMediumFeature,
    decodeRemovableMediumFeature,
  );
  it('loading mechanism type is byte 4 bits 7..5', () => {
    assert.deepEqual(
      encodeRemovableMediumFeature({ ...none, loadingMechanismType: LoadingMechanismType.TRAY }),
      h('20000000'),
    );
    assert.equal(decodeRemovableMediumFeature(h('A0000000')).loadingMechanismType, 0b101);
    assert.equal(
      decodeRemovableMediumFeature(h('40000000')).loadingMechanismType,
      LoadingMechanismType.POP_UP,
    );
  });
  it('decodes tgt’s 29h: tray, Eject, Lock', () => {
    assert.deepEqual(decodeRemovableMediumFeature(h('29000000')), {
      ...none,
      loadingMechanismType: LoadingMechanismType.TRAY,
      eject: true,
      lock: true,
    });
  });
  it('loading mechanism type values', () => {
    assert.deepEqual(Object.values(LoadingMechanismType), [0, 1, 2, 4, 5]);
  });
  it('rejects a loading mechanism type above 7', () => {
    assert.throws(
      () => encodeRemovableMediumFeature({ ...none, loadingMechanismType: 8 }),
      DwError,
    );
  });
  it('descriptor builder: version 2, persistent, current (0Bh)', () => {
    const d = removableMediumFeatureDescriptor({
      ...none,
      loadingMechanismType: 1,
      load: true,
      eject: true,
      lock: true,
    });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0003 0B 04 39000000'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          loadingMechanismType: fc.integer({ min: 0, max: 7 }),
          load: fc.boolean(),
          eject: fc.boolean(),
          pvntJmpr: fc.boolean(),
          dbml: fc.boolean(),
          lock: fc.boolean(),
        }),
        (x) =>
          assert.deepEqual(decodeRemovableMediumFeature(encodeRemovableMediumFeature(x)), { ...x }),
      ),
    );
    assert.throws(() => decodeRemovableMediumFeature(h('290000')), MalformedDataError);
    assertDecoderRobust(decodeRemovableMediumFeature, [h('29000000')]);
  });
});
