// BD-R Pseudo-Overwrite feature (0038h; MMC-6 5.3). Pure. The drive overwrites logical blocks of
// a BD-R formatted SRM+POW (FORMAT UNIT 32h, sub-type 00b) by recording the new data elsewhere
// and remapping the address. Current while such a disc is loaded. Four reserved data bytes.

import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export type BdRPseudoOverwriteFeature = Record<string, never>;

/** Version written by bdRPseudoOverwriteFeatureDescriptor. */
export const BD_R_PSEUDO_OVERWRITE_FEATURE_VERSION = 0;

// byte 4     (data 0)  reserved
// byte 5     (data 1)  reserved
// byte 6     (data 2)  reserved
// byte 7     (data 3)  reserved
// Additional Length is 04h: hosts (growisofs) take a data length below 12 in the GET CONFIGURATION
// answer for "feature not there", so the reserved bytes must be sent.
export function encodeBdRPseudoOverwriteFeature(_v: BdRPseudoOverwriteFeature = {}): Uint8Array {
  return new Uint8Array(4);
}

/** The reserved bytes (and any a later version may add) are ignored; none are required. */
export function decodeBdRPseudoOverwriteFeature(_data: Uint8Array): BdRPseudoOverwriteFeature {
  return {};
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function bdRPseudoOverwriteFeatureDescriptor(
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.BD_PSEUDO_OVERWRITE, encodeBdRPseudoOverwriteFeature(), {
    version: BD_R_PSEUDO_OVERWRITE_FEATURE_VERSION,
    ...header,
  });
}
