// Restricted Overwrite feature (0026h; MMC-6 5.3). Pure. The medium can be overwritten only in
// blocking-sized units (DVD-RW restricted overwrite). The descriptor has no feature data.

import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export type RestrictedOverwriteFeature = Record<string, never>;

/** Version written by restrictedOverwriteFeatureDescriptor. */
export const RESTRICTED_OVERWRITE_FEATURE_VERSION = 0;

// No feature-dependent bytes (Additional Length 0).
export function encodeRestrictedOverwriteFeature(_v: RestrictedOverwriteFeature = {}): Uint8Array {
  return new Uint8Array(0);
}

/** Any bytes a later version may add are ignored. */
export function decodeRestrictedOverwriteFeature(_data: Uint8Array): RestrictedOverwriteFeature {
  return {};
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function restrictedOverwriteFeatureDescriptor(
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(
    FeaturePageType.RESTRICTED_OVERWRITE,
    encodeRestrictedOverwriteFeature(),
    { version: RESTRICTED_OVERWRITE_FEATURE_VERSION, ...header },
  );
}
