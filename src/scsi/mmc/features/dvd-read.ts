// DVD Read feature (001Fh; MMC-6 5.3). Pure.
// The drive reads DVD-specific structures (READ DISC STRUCTURE media type 0) and DVD media;
// version 1 adds the MULTI110 and dual-layer flags.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface DvdReadFeature {
  /** MULTI110: DVD Multi version 1.1 compliant. */
  readonly multi110: boolean;
  /** DVD-RW Dual Layer media can be read. */
  readonly dvdRwDualLayer: boolean;
  /** DUAL-R: DVD-R Dual Layer media can be read. */
  readonly dualR: boolean;
}

/** Version written by dvdReadFeatureDescriptor. */
export const DVD_READ_FEATURE_VERSION = 1;

// byte 4     (data 0)  bit 0 MULTI110
// byte 5     (data 1)  reserved
// byte 6     (data 2)  bit 1 dvdRwDualLayer, bit 0 DUAL-R
// byte 7     (data 3)  reserved
export function encodeDvdReadFeature(v: DvdReadFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 0, v.multi110); // MULTI110
  w.flag(2, 1, v.dvdRwDualLayer); // dvdRwDualLayer
  w.flag(2, 0, v.dualR); // DUAL-R
  return w.bytes;
}

/** Version 0 descriptors carry no data: every flag then decodes as false (not claimed). */
export function decodeDvdReadFeature(data: Uint8Array): DvdReadFeature {
  const r = new ByteReader(data);
  const has = data.length > 2;
  return {
    multi110: has && r.bit(0, 0),
    dvdRwDualLayer: has && r.bit(2, 1),
    dualR: has && r.bit(2, 0),
  };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function dvdReadFeatureDescriptor(
  v: DvdReadFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.DVD_READ, encodeDvdReadFeature(v), {
    version: DVD_READ_FEATURE_VERSION,
    ...header,
  });
}
