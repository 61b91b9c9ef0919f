// Hardware Defect Management feature (0024h; MMC-6 5.3). Pure.
// The drive manages defects itself (DVD-RAM, BD-RE, formatted BD-R): the host sees a defect-free
// logical space; SSA says READ DISC STRUCTURE can report the spare area.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface HardwareDefectManagementFeature {
  /** SSA: Spare Area Information is reported (READ DISC STRUCTURE 0Ah). */
  readonly ssa: boolean;
}

/** Version written by hardwareDefectManagementFeatureDescriptor. */
export const HARDWARE_DEFECT_MANAGEMENT_FEATURE_VERSION = 1;

// byte 4     (data 0)  bit 7 SSA
// byte 5     (data 1)  reserved
// byte 6     (data 2)  reserved
// byte 7     (data 3)  reserved
export function encodeHardwareDefectManagementFeature(
  v: HardwareDefectManagementFeature,
): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 7, v.ssa); // SSA
  return w.bytes;
}

/** Version 0 descriptors carry no data: every flag then decodes as false (not claimed). */
export function decodeHardwareDefectManagementFeature(
  data: Uint8Array,
): HardwareDefectManagementFeature {
  const r = new ByteReader(data);
  const has = data.length > 0;
  return {
    ssa: has && r.bit(0, 7),
  };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function hardwareDefectManagementFeatureDescriptor(
  v: HardwareDefectManagementFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(
    FeaturePageType.HARDWARE_DEFECT_MANAGEMENT,
    encodeHardwareDefectManagementFeature(v),
    {
      version: HARDWARE_DEFECT_MANAGEMENT_FEATURE_VERSION,
      ...header,
    },
  );
}
