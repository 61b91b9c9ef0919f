// CD Read feature (001Eh; MMC-6 5.3). Pure.
// The drive reads CD-specific structures: READ CD, READ CD MSF, READ TOC/PMA/ATIP formats,
// with C2 error pointers and CD-Text when the flags say so.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface CdReadFeature {
  /** DAP: the DAP bit of READ CD (digital audio play) is supported. */
  readonly dap: boolean;
  /** C2 Flags: C2 error pointers can be returned by READ CD. */
  readonly c2Flags: boolean;
  /** CD-Text: READ TOC/PMA/ATIP format 0101b returns CD-Text. */
  readonly cdText: boolean;
}

/** Version written by cdReadFeatureDescriptor. */
export const CD_READ_FEATURE_VERSION = 2;

// byte 4     (data 0)  bit 7 DAP, bit 1 C2 Flags, bit 0 CD-Text
// byte 5     (data 1)  reserved
// byte 6     (data 2)  reserved
// byte 7     (data 3)  reserved
export function encodeCdReadFeature(v: CdReadFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 7, v.dap); // DAP
  w.flag(0, 1, v.c2Flags); // C2 Flags
  w.flag(0, 0, v.cdText); // CD-Text
  return w.bytes;
}

/** Version 0 descriptors carry no data: every flag then decodes as false (not claimed). */
export function decodeCdReadFeature(data: Uint8Array): CdReadFeature {
  const r = new ByteReader(data);
  const has = data.length > 0;
  return {
    dap: has && r.bit(0, 7),
    c2Flags: has && r.bit(0, 1),
    cdText: has && r.bit(0, 0),
  };
}

/** The whole descriptor; defaults: version 2, not persistent, current. */
export function cdReadFeatureDescriptor(
  v: CdReadFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.CD_READ, encodeCdReadFeature(v), {
    version: CD_READ_FEATURE_VERSION,
    ...header,
  });
}
