// Random Readable feature (0010h; MMC-6 5.3.6). Pure. Logical blocks can be read in any order;
// carries the logical block size and the blocking (blocks per device readable unit).

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface RandomReadableFeature {
  /** Bytes per logical block (2048 on DVD and BD). */
  readonly logicalBlockSize: number;
  /** Logical blocks per readable unit (16 on DVD, 32 on BD); 0 when it varies. */
  readonly blocking: number;
  /** Page Present: the Read/Write Error Recovery mode page is present. */
  readonly pp: boolean;
}

/** Version written by randomReadableFeatureDescriptor. */
export const RANDOM_READABLE_FEATURE_VERSION = 0;

// byte 4..7   (data 0..3)  LOGICAL BLOCK SIZE
// byte 8..9   (data 4..5)  BLOCKING
// byte 10     (data 6)     bit 0 PP
// byte 11     (data 7)     reserved
export function encodeRandomReadableFeature(v: RandomReadableFeature): Uint8Array {
  const w = new ByteWriter(8);
  w.u32(0, v.logicalBlockSize, 'LOGICAL BLOCK SIZE');
  w.u16(4, v.blocking, 'BLOCKING');
  w.flag(6, 0, v.pp); // PP
  return w.bytes;
}

export function decodeRandomReadableFeature(data: Uint8Array): RandomReadableFeature {
  const r = new ByteReader(data);
  r.need(0, 8, 'Random Readable feature data');
  return { logicalBlockSize: r.u32(0), blocking: r.u16(4), pp: r.bit(6, 0) };
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function randomReadableFeatureDescriptor(
  v: RandomReadableFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.RANDOMLY_READABLE, encodeRandomReadableFeature(v), {
    version: RANDOM_READABLE_FEATURE_VERSION,
    ...header,
  });
}
