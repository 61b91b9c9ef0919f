// DVD+R Dual Layer feature (003Bh; MMC-6 5.3). Pure. Reading and, with Write set, recording
// DVD+R DL media.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface DvdPlusRDualLayerFeature {
  /** DVD+R DL media can be written (otherwise read only). */
  readonly write: boolean;
}

/** Version written by dvdPlusRDualLayerFeatureDescriptor. */
export const DVD_PLUS_R_DUAL_LAYER_FEATURE_VERSION = 0;

// byte 4     (data 0)     bit 0 Write
// byte 5..7  (data 1..3)  reserved
export function encodeDvdPlusRDualLayerFeature(v: DvdPlusRDualLayerFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 0, v.write); // Write
  return w.bytes;
}

export function decodeDvdPlusRDualLayerFeature(data: Uint8Array): DvdPlusRDualLayerFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'DVD+R Dual Layer feature data');
  return { write: r.bit(0, 0) };
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function dvdPlusRDualLayerFeatureDescriptor(
  v: DvdPlusRDualLayerFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(
    FeaturePageType.DVD_PLUS_R_DUAL_LAYER,
    encodeDvdPlusRDualLayerFeature(v),
    { version: DVD_PLUS_R_DUAL_LAYER_FEATURE_VERSION, ...header },
  );
}
