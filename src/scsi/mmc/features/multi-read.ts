// Multi-Read feature (001Dh; MMC-6 5.3). Pure.
// The drive follows the OSTA Multi-Read specification (reads CD-ROM, CD-R and CD-RW discs);
// the descriptor has no feature data.

import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export type MultiReadFeature = Record<string, never>;

/** Version written by multiReadFeatureDescriptor. */
export const MULTI_READ_FEATURE_VERSION = 0;

// No feature-dependent bytes (Additional Length 0).
export function encodeMultiReadFeature(_v: MultiReadFeature = {}): Uint8Array {
  return new Uint8Array(0);
}

/** Any bytes a later version may add are ignored. */
export function decodeMultiReadFeature(_data: Uint8Array): MultiReadFeature {
  return {};
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function multiReadFeatureDescriptor(header: FeatureHeaderOptions = {}): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.CD_MULTIREAD, encodeMultiReadFeature(), {
    version: MULTI_READ_FEATURE_VERSION,
    ...header,
  });
}
