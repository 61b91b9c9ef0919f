// BD Read feature (0040h; MMC-6 5.3). Pure. Which BD-RE, BD-R and BD-ROM format versions the drive
// can read, as one 16-bit version bitmap per disc class 0..3. The bitmaps are kept raw: their bits
// name Blu-ray format versions, which discwright does not interpret.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

/** One 16-bit version bitmap per disc class 0, 1, 2, 3. */
export type BdClassBitmaps = readonly [number, number, number, number];

export interface BdReadFeature {
  readonly bdReReadSupport: BdClassBitmaps;
  readonly bdRReadSupport: BdClassBitmaps;
  readonly bdRomReadSupport: BdClassBitmaps;
}

/** Version written by bdReadFeatureDescriptor. */
export const BD_READ_FEATURE_VERSION = 0;

// byte 4..7    (data 0..3)    reserved
// byte 8..15   (data 4..11)   CLASS 0..3 BD-RE READ SUPPORT, 2 bytes each
// byte 16..23  (data 12..19)  CLASS 0..3 BD-R READ SUPPORT, 2 bytes each
// byte 24..31  (data 20..27)  CLASS 0..3 BD-ROM READ SUPPORT, 2 bytes each
export function encodeBdReadFeature(v: BdReadFeature): Uint8Array {
  const w = new ByteWriter(28);
  writeClasses(w, 4, v.bdReReadSupport, 'BD-RE READ SUPPORT');
  writeClasses(w, 12, v.bdRReadSupport, 'BD-R READ SUPPORT');
  writeClasses(w, 20, v.bdRomReadSupport, 'BD-ROM READ SUPPORT');
  return w.bytes;
}

export function decodeBdReadFeature(data: Uint8Array): BdReadFeature {
  const r = new ByteReader(data);
  r.need(0, 28, 'BD Read feature data');
  return {
    bdReReadSupport: readClasses(r, 4),
    bdRReadSupport: readClasses(r, 12),
    bdRomReadSupport: readClasses(r, 20),
  };
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function bdReadFeatureDescriptor(
  v: BdReadFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.BD_READ, encodeBdReadFeature(v), {
    version: BD_READ_FEATURE_VERSION,
    ...header,
  });
}

/** Four 16-bit class bitmaps at data offset `at` (shared with the BD Write feature). */
export function readClasses(r: ByteReader, at: number): BdClassBitmaps {
  return [r.u16(at), r.u16(at + 2), r.u16(at + 4), r.u16(at + 6)];
}

export function writeClasses(w: ByteWriter, at: number, v: BdClassBitmaps, what: string): void {
  v.forEach((bitmap, i) => w.u16(at + 2 * i, bitmap, `CLASS ${i} ${what}`));
}
