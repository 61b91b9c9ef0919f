// DVD-R/-RW Write feature (002Fh; MMC-6 5.3). Pure. Recording on DVD-R, DVD-RW and DVD-R DL:
// buffer underrun protection, dual layer, test writes, and DVD-RW single layer recording.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface DvdRRwWriteFeature {
  /** Buffer underrun free recording is supported. */
  readonly buf: boolean;
  /** DVD-R DL recording is supported. */
  readonly rdl: boolean;
  /** Test writes are supported. */
  readonly testWrite: boolean;
  /** DVD-RW single layer media can be written. */
  readonly dvdRwSl: boolean;
}

/** Version written by dvdRRwWriteFeatureDescriptor: the one that carries RDL. */
export const DVD_R_RW_WRITE_FEATURE_VERSION = 2;

// byte 4     (data 0)     bit 6 BUF, bit 3 RDL, bit 2 Test Write, bit 1 DVD-RW SL
// byte 5..7  (data 1..3)  reserved
export function encodeDvdRRwWriteFeature(v: DvdRRwWriteFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 6, v.buf); // BUF
  w.flag(0, 3, v.rdl); // RDL
  w.flag(0, 2, v.testWrite); // Test Write
  w.flag(0, 1, v.dvdRwSl); // DVD-RW SL
  return w.bytes;
}

export function decodeDvdRRwWriteFeature(data: Uint8Array): DvdRRwWriteFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'DVD-R/-RW Write feature data');
  return {
    buf: r.bit(0, 6),
    rdl: r.bit(0, 3),
    testWrite: r.bit(0, 2),
    dvdRwSl: r.bit(0, 1),
  };
}

/** The whole descriptor; defaults: version 2, not persistent, current. */
export function dvdRRwWriteFeatureDescriptor(
  v: DvdRRwWriteFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.DVD_DASH_WRITE, encodeDvdRRwWriteFeature(v), {
    version: DVD_R_RW_WRITE_FEATURE_VERSION,
    ...header,
  });
}
