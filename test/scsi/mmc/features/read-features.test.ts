// The features every DVD/BD drive lists beside the recording ones (MMC-6 5.3): Write Protect,
// Multi-Read, CD Read, DVD Read, Hardware Defect Management, Rigid Restricted Overwrite, DVD CSS,
// Drive Serial Number. Expected bytes from the MMC-6 descriptor tables.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeWriteProtectFeature,
  encodeWriteProtectFeature,
  type WriteProtectFeature,
} from '../../../../src/scsi/mmc/features/write-protect.js';
import {
  decodeCdReadFeature,
  encodeCdReadFeature,
  type CdReadFeature,
} from '../../../../src/scsi/mmc/features/cd-read.js';
import {
  decodeDvdReadFeature,
  encodeDvdReadFeature,
  type DvdReadFeature,
} from '../../../../src/scsi/mmc/features/dvd-read.js';
import {
  decodeHardwareDefectManagementFeature,
  encodeHardwareDefectManagementFeature,
  type HardwareDefectManagementFeature,
} from '../../../../src/scsi/mmc/features/hardware-defect-management.js';
import {
  decodeRigidRestrictedOverwriteFeature,
  encodeRigidRestrictedOverwriteFeature,
  type RigidRestrictedOverwriteFeature,
} from '../../../../src/scsi/mmc/features/rigid-restricted-overwrite.js';
import {
  decodeMultiReadFeature,
  multiReadFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/multi-read.js';
import {
  decodeDvdCssFeature,
  dvdCssFeatureDescriptor,
} from '../../../../src/scsi/mmc/features/dvd-css.js';
import {
  decodeDriveSerialNumberFeature,
  driveSerialNumberFeatureDescriptor,
  encodeDriveSerialNumberFeature,
} from '../../../../src/scsi/mmc/features/drive-serial-number.js';
import { encodeFeatureDescriptor } from '../../../../src/scsi/mmc/features/feature-descriptor.js';
import { assertDecoderRobust, h } from '../../../helpers/bytes.js';
import { itMapsEachFlag } from './flag-table.js';

describe('Write Protect feature (0004h)', () => {
  const base: WriteProtectFeature = { dwp: false, wdcb: false, spwp: false, sswpp: false };
  itMapsEachFlag(
    base,
    4,
    [
      ['dwp', 4, 0x08],
      ['wdcb', 4, 0x04],
      ['spwp', 4, 0x02],
      ['sswpp', 4, 0x01],
    ],
    encodeWriteProtectFeature,
    decodeWriteProtectFeature,
  );
  it('a version 0 descriptor (no data) claims nothing', () => {
    assert.deepEqual(decodeWriteProtectFeature(new Uint8Array(0)), base);
  });
});

describe('CD Read feature (001Eh)', () => {
  const base: CdReadFeature = { dap: false, c2Flags: false, cdText: false };
  itMapsEachFlag(
    base,
    4,
    [
      ['dap', 4, 0x80],
      ['c2Flags', 4, 0x02],
      ['cdText', 4, 0x01],
    ],
    encodeCdReadFeature,
    decodeCdReadFeature,
  );
});

describe('DVD Read feature (001Fh)', () => {
  const base: DvdReadFeature = { multi110: false, dvdRwDualLayer: false, dualR: false };
  itMapsEachFlag(
    base,
    4,
    [
      ['multi110', 4, 0x01],
      ['dvdRwDualLayer', 6, 0x02],
      ['dualR', 6, 0x01],
    ],
    encodeDvdReadFeature,
    decodeDvdReadFeature,
  );
});

describe('Hardware Defect Management feature (0024h)', () => {
  const base: HardwareDefectManagementFeature = { ssa: false };
  itMapsEachFlag(
    base,
    4,
    [['ssa', 4, 0x80]],
    encodeHardwareDefectManagementFeature,
    decodeHardwareDefectManagementFeature,
  );
});

describe('Rigid Restricted Overwrite feature (002Ch)', () => {
  const base: RigidRestrictedOverwriteFeature = {
    dsdg: false,
    dsdr: false,
    intermediate: false,
    blank: false,
  };
  itMapsEachFlag(
    base,
    4,
    [
      ['dsdg', 4, 0x08],
      ['dsdr', 4, 0x04],
      ['intermediate', 4, 0x02],
      ['blank', 4, 0x01],
    ],
    encodeRigidRestrictedOverwriteFeature,
    decodeRigidRestrictedOverwriteFeature,
  );
});

describe('Multi-Read, DVD CSS and Drive Serial Number features', () => {
  it('Multi-Read (001Dh) is a bare header, version 0', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(multiReadFeatureDescriptor({ current: false })),
      h('001D 00 00'),
    );
    assert.deepEqual(decodeMultiReadFeature(new Uint8Array(0)), {});
  });
  it('DVD CSS (0106h) carries the CSS version in its fourth byte', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(dvdCssFeatureDescriptor({ cssVersion: 1 }, { current: false })),
      h('0106 00 04 000000 01'),
    );
    assert.deepEqual(decodeDvdCssFeature(h('000000 01')), { cssVersion: 1 });
    assert.throws(() => decodeDvdCssFeature(h('0000')));
  });
  it('Drive Serial Number (0108h) is ASCII padded with spaces to four bytes', () => {
    assert.deepEqual(
      encodeFeatureDescriptor(driveSerialNumberFeatureDescriptor({ serialNumber: 'AB12345' })),
      h('0108 03 08 41423132 33343520'),
    );
    assert.deepEqual(decodeDriveSerialNumberFeature(h('41423132 33343520')), {
      serialNumber: 'AB12345',
    });
    assert.throws(() => encodeDriveSerialNumberFeature({ serialNumber: 'x'.repeat(253) }));
  });
  it('the decoders take any bytes or throw the malformed-data error', () => {
    for (const decode of [
      decodeWriteProtectFeature,
      decodeCdReadFeature,
      decodeDvdReadFeature,
      decodeHardwareDefectManagementFeature,
      decodeRigidRestrictedOverwriteFeature,
      decodeDvdCssFeature,
      decodeDriveSerialNumberFeature,
    ]) {
      assertDecoderRobust(decode, [h('01020304')], 300);
    }
  });
});
