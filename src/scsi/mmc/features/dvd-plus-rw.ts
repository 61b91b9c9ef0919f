// DVD+RW feature (002Ah; MMC-6 5.3). Pure. Reading and, with Write set, recording DVD+RW media;
// Quick Start (background format start) and Close Only (closing without a full format).

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface DvdPlusRwFeature {
  /** DVD+RW media can be written (otherwise read only). */
  readonly write: boolean;
  /** FORMAT UNIT can start a background format quickly. */
  readonly quickStart: boolean;
  /** Only the compatible close of a background format is supported. */
  readonly closeOnly: boolean;
}

/** Version written by dvdPlusRwFeatureDescriptor: the one that carries Quick Start. */
export const DVD_PLUS_RW_FEATURE_VERSION = 1;

// byte 4     (data 0)     bit 0 Write
// byte 5     (data 1)     bit 1 Quick Start, bit 0 Close Only
// byte 6..7  (data 2..3)  reserved
export function encodeDvdPlusRwFeature(v: DvdPlusRwFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 0, v.write); // Write
  w.flag(1, 1, v.quickStart); // Quick Start
  w.flag(1, 0, v.closeOnly); // Close Only
  return w.bytes;
}

export function decodeDvdPlusRwFeature(data: Uint8Array): DvdPlusRwFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'DVD+RW feature data');
  return { write: r.bit(0, 0), quickStart: r.bit(1, 1), closeOnly: r.bit(1, 0) };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function dvdPlusRwFeatureDescriptor(
  v: DvdPlusRwFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.DVD_PLUS_RW, encodeDvdPlusRwFeature(v), {
    version: DVD_PLUS_RW_FEATURE_VERSION,
    ...header,
  });
}
