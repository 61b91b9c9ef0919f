// DVD+R feature (002Bh; MMC-6 5.3). Pure. Reading and, with Write set, recording DVD+R media. With
// profile 001Bh current, the Write bit is the writability test the engine relies on (tgt reports
// no Incremental Streaming Writable feature for its DVD+R).

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface DvdPlusRFeature {
  /** DVD+R media can be written (otherwise read only). */
  readonly write: boolean;
}

/** Version written by dvdPlusRFeatureDescriptor. */
export const DVD_PLUS_R_FEATURE_VERSION = 0;

// byte 4     (data 0)     bit 0 Write
// byte 5..7  (data 1..3)  reserved
export function encodeDvdPlusRFeature(v: DvdPlusRFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 0, v.write); // Write
  return w.bytes;
}

export function decodeDvdPlusRFeature(data: Uint8Array): DvdPlusRFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'DVD+R feature data');
  return { write: r.bit(0, 0) };
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function dvdPlusRFeatureDescriptor(
  v: DvdPlusRFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.DVD_PLUS_R, encodeDvdPlusRFeature(v), {
    version: DVD_PLUS_R_FEATURE_VERSION,
    ...header,
  });
}
