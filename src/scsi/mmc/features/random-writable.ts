// Random Writable feature (0020h; MMC-6 5.3). Pure. Logical blocks can be written in any order
// (DVD-RAM, DVD+RW, BD-RE, formatted DVD-RW); carries the last LBA, block size and blocking.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface RandomWritableFeature {
  /** Last logical block address of the medium (unsigned 32-bit). */
  readonly lastLba: number;
  readonly logicalBlockSize: number;
  readonly blocking: number;
  /** Page Present: the Read/Write Error Recovery mode page is present. */
  readonly pp: boolean;
}

/** Version written by randomWritableFeatureDescriptor. */
export const RANDOM_WRITABLE_FEATURE_VERSION = 1;

// byte 4..7    (data 0..3)    LAST LOGICAL BLOCK ADDRESS
// byte 8..11   (data 4..7)    LOGICAL BLOCK SIZE
// byte 12..13  (data 8..9)    BLOCKING
// byte 14      (data 10)      bit 0 PP
// byte 15      (data 11)      reserved
export function encodeRandomWritableFeature(v: RandomWritableFeature): Uint8Array {
  const w = new ByteWriter(12);
  w.u32(0, v.lastLba, 'LAST LOGICAL BLOCK ADDRESS');
  w.u32(4, v.logicalBlockSize, 'LOGICAL BLOCK SIZE');
  w.u16(8, v.blocking, 'BLOCKING');
  w.flag(10, 0, v.pp); // PP
  return w.bytes;
}

export function decodeRandomWritableFeature(data: Uint8Array): RandomWritableFeature {
  const r = new ByteReader(data);
  r.need(0, 12, 'Random Writable feature data');
  return {
    lastLba: r.u32(0),
    logicalBlockSize: r.u32(4),
    blocking: r.u16(8),
    pp: r.bit(10, 0),
  };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function randomWritableFeatureDescriptor(
  v: RandomWritableFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.RANDOMLY_WRITABLE, encodeRandomWritableFeature(v), {
    version: RANDOM_WRITABLE_FEATURE_VERSION,
    ...header,
  });
}
