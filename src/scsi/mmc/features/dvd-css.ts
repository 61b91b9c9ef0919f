// DVD CSS feature (0106h; MMC-6 5.3). Pure.
// The drive performs CSS authentication (REPORT KEY / SEND KEY, READ DISC STRUCTURE copyright
// formats) for CSS-protected DVD-Video; the descriptor carries the CSS version.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface DvdCssFeature {
  /** CSS version (01h in every drive on record). */
  readonly cssVersion: number;
}

/** Version written by dvdCssFeatureDescriptor. */
export const DVD_CSS_FEATURE_VERSION = 0;

// byte 4..6  (data 0..2)  reserved
// byte 7     (data 3)     CSS VERSION
export function encodeDvdCssFeature(v: DvdCssFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.u8(3, v.cssVersion, 'CSS VERSION');
  return w.bytes;
}

export function decodeDvdCssFeature(data: Uint8Array): DvdCssFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'DVD CSS feature data');
  return { cssVersion: r.u8(3) };
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function dvdCssFeatureDescriptor(
  v: DvdCssFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.DVD_CSS, encodeDvdCssFeature(v), {
    version: DVD_CSS_FEATURE_VERSION,
    ...header,
  });
}
