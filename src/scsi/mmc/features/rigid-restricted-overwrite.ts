// Rigid Restricted Overwrite feature (002Ch; MMC-6 5.3). Pure.
// DVD-RW in restricted overwrite mode written in whole ECC blocks; the flags say which
// FORMAT UNIT and defect operations the drive supports on it.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface RigidRestrictedOverwriteFeature {
  /** DSDG: Defect Status Data can be generated (READ DISC STRUCTURE). */
  readonly dsdg: boolean;
  /** DSDR: Defect Status Data can be read. */
  readonly dsdr: boolean;
  /** Intermediate: quick format (15h) leaves an intermediate state the drive supports. */
  readonly intermediate: boolean;
  /** Blank: BLANK with blanking type 000b (full) is supported. */
  readonly blank: boolean;
}

/** Version written by rigidRestrictedOverwriteFeatureDescriptor. */
export const RIGID_RESTRICTED_OVERWRITE_FEATURE_VERSION = 1;

// byte 4     (data 0)  bit 3 DSDG, bit 2 DSDR, bit 1 Intermediate, bit 0 Blank
// byte 5     (data 1)  reserved
// byte 6     (data 2)  reserved
// byte 7     (data 3)  reserved
export function encodeRigidRestrictedOverwriteFeature(
  v: RigidRestrictedOverwriteFeature,
): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 3, v.dsdg); // DSDG
  w.flag(0, 2, v.dsdr); // DSDR
  w.flag(0, 1, v.intermediate); // Intermediate
  w.flag(0, 0, v.blank); // Blank
  return w.bytes;
}

/** Version 0 descriptors carry no data: every flag then decodes as false (not claimed). */
export function decodeRigidRestrictedOverwriteFeature(
  data: Uint8Array,
): RigidRestrictedOverwriteFeature {
  const r = new ByteReader(data);
  const has = data.length > 0;
  return {
    dsdg: has && r.bit(0, 3),
    dsdr: has && r.bit(0, 2),
    intermediate: has && r.bit(0, 1),
    blank: has && r.bit(0, 0),
  };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function rigidRestrictedOverwriteFeatureDescriptor(
  v: RigidRestrictedOverwriteFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(
    FeaturePageType.RIGID_RESTRICTED_OVERWRITE,
    encodeRigidRestrictedOverwriteFeature(v),
    {
      version: RIGID_RESTRICTED_OVERWRITE_FEATURE_VERSION,
      ...header,
    },
  );
}
