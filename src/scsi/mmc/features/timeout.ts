// Timeout feature (0105h; MMC-6 5.3). Pure. The drive honours the timeouts of the Timeout and
// Protect mode page (1Dh); with Group 3 set it also supports the Group 3 timeout, which grows by
// one time unit per Unit Length blocks. Version 0 descriptors carry no data.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface TimeoutFeature {
  /** The Group 3 timeout of mode page 1Dh is supported. */
  readonly group3: boolean;
  /** Blocks per Group 3 time unit; undefined when the descriptor does not carry the field. */
  readonly unitLength?: number;
}

/** Version written by timeoutFeatureDescriptor: the one that carries Group 3 and Unit Length. */
export const TIMEOUT_FEATURE_VERSION = 1;

// byte 4     (data 0)     bit 0 Group 3
// byte 5     (data 1)     reserved
// byte 6..7  (data 2..3)  UNIT LENGTH
export function encodeTimeoutFeature(v: Required<TimeoutFeature>): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 0, v.group3); // Group 3
  w.u16(2, v.unitLength, 'UNIT LENGTH');
  return w.bytes;
}

export function decodeTimeoutFeature(data: Uint8Array): TimeoutFeature {
  const r = new ByteReader(data);
  const group3 = data.length > 0 && r.bit(0, 0);
  return data.length >= 4 ? { group3, unitLength: r.u16(2) } : { group3 };
}

/** The whole descriptor; defaults: version 1, persistent, current. */
export function timeoutFeatureDescriptor(
  v: Required<TimeoutFeature>,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.TIMEOUT, encodeTimeoutFeature(v), {
    version: TIMEOUT_FEATURE_VERSION,
    persistent: true,
    ...header,
  });
}
