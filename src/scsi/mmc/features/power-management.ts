// Power Management feature (0100h; MMC-6 5.3). Pure. The drive implements the power conditions
// and power management events. The descriptor has no feature data.

import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export type PowerManagementFeature = Record<string, never>;

/** Version written by powerManagementFeatureDescriptor. */
export const POWER_MANAGEMENT_FEATURE_VERSION = 0;

// No feature-dependent bytes (Additional Length 0).
export function encodePowerManagementFeature(_v: PowerManagementFeature = {}): Uint8Array {
  return new Uint8Array(0);
}

/** Any bytes a later version may add are ignored. */
export function decodePowerManagementFeature(_data: Uint8Array): PowerManagementFeature {
  return {};
}

/** The whole descriptor; defaults: version 0, persistent, current. */
export function powerManagementFeatureDescriptor(
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.POWER_MANAGEMENT, encodePowerManagementFeature(), {
    version: POWER_MANAGEMENT_FEATURE_VERSION,
    persistent: true,
    ...header,
  });
}
