// Morphing feature (0002h; MMC-6 5.3.3). Pure. The drive reports operational changes through GET
// EVENT STATUS NOTIFICATION (OCEvent: operational change events; ASYNC: asynchronous notification).

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface MorphingFeature {
  readonly ocEvent: boolean;
  readonly async: boolean;
}

/** Version written by morphingFeatureDescriptor: the one that carries OCEvent. */
export const MORPHING_FEATURE_VERSION = 1;

// byte 4     (data 0)     bit 1 OCEvent, bit 0 ASYNC
// byte 5..7  (data 1..3)  reserved
export function encodeMorphingFeature(v: MorphingFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 1, v.ocEvent); // OCEvent
  w.flag(0, 0, v.async); // ASYNC
  return w.bytes;
}

export function decodeMorphingFeature(data: Uint8Array): MorphingFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'Morphing feature data');
  return { ocEvent: r.bit(0, 1), async: r.bit(0, 0) };
}

/** The whole descriptor; defaults: version 1, persistent, current (as MMC-6 requires). */
export function morphingFeatureDescriptor(
  v: MorphingFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.MORPHING, encodeMorphingFeature(v), {
    version: MORPHING_FEATURE_VERSION,
    persistent: true,
    current: true,
    ...header,
  });
}
