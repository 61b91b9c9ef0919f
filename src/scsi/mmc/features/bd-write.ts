// BD Write feature (0041h; MMC-6 5.3). Pure. Which BD-RE and BD-R format versions the drive can
// write (one raw 16-bit version bitmap per disc class 0..3), and SVNR (Supports Verify Not
// Required).

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import { readClasses, writeClasses, type BdClassBitmaps } from './bd-read.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface BdWriteFeature {
  /** Supports Verify Not Required. */
  readonly svnr: boolean;
  readonly bdReWriteSupport: BdClassBitmaps;
  readonly bdRWriteSupport: BdClassBitmaps;
}

/** Version written by bdWriteFeatureDescriptor. */
export const BD_WRITE_FEATURE_VERSION = 0;

// byte 4       (data 0)       bit 0 SVNR
// byte 5..7    (data 1..3)    reserved
// byte 8..15   (data 4..11)   CLASS 0..3 BD-RE WRITE SUPPORT, 2 bytes each
// byte 16..23  (data 12..19)  CLASS 0..3 BD-R WRITE SUPPORT, 2 bytes each
export function encodeBdWriteFeature(v: BdWriteFeature): Uint8Array {
  const w = new ByteWriter(20);
  w.flag(0, 0, v.svnr); // SVNR
  writeClasses(w, 4, v.bdReWriteSupport, 'BD-RE WRITE SUPPORT');
  writeClasses(w, 12, v.bdRWriteSupport, 'BD-R WRITE SUPPORT');
  return w.bytes;
}

export function decodeBdWriteFeature(data: Uint8Array): BdWriteFeature {
  const r = new ByteReader(data);
  r.need(0, 20, 'BD Write feature data');
  return {
    svnr: r.bit(0, 0),
    bdReWriteSupport: readClasses(r, 4),
    bdRWriteSupport: readClasses(r, 12),
  };
}

/** The whole descriptor; defaults: version 0, not persistent, current. */
export function bdWriteFeatureDescriptor(
  v: BdWriteFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.BD_WRITE, encodeBdWriteFeature(v), {
    version: BD_WRITE_FEATURE_VERSION,
    ...header,
  });
}
