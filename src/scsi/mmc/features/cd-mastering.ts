// CD Mastering feature (002Eh; MMC-6 5.3). Pure. Session-at-once and raw recording on CD-R/RW
// (the raw CD format layer of spec §8.2 depends on SAO and Raw), with the largest cue sheet the
// drive accepts.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface CdMasteringFeature {
  /** Buffer underrun free recording is supported. */
  readonly buf: boolean;
  /** Session-at-once write type is supported. */
  readonly sao: boolean;
  /** Raw multi-session recording is supported. */
  readonly rawMs: boolean;
  /** Raw write type is supported. */
  readonly raw: boolean;
  /** Test writes are supported. */
  readonly testWrite: boolean;
  /** CD-RW media can be overwritten. */
  readonly cdRw: boolean;
  /** R-W sub-code channels can be recorded. */
  readonly rw: boolean;
  /** Largest cue sheet for SEND CUE SHEET, in bytes (24-bit). */
  readonly maximumCueSheetLength: number;
}

/** Version written by cdMasteringFeatureDescriptor: the one that carries BUF. */
export const CD_MASTERING_FEATURE_VERSION = 1;

// byte 4     (data 0)     bit 6 BUF, bit 5 SAO, bit 4 Raw MS, bit 3 Raw, bit 2 Test Write,
//                         bit 1 CD-RW, bit 0 R-W
// byte 5..7  (data 1..3)  MAXIMUM CUE SHEET LENGTH
export function encodeCdMasteringFeature(v: CdMasteringFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 6, v.buf); // BUF
  w.flag(0, 5, v.sao); // SAO
  w.flag(0, 4, v.rawMs); // Raw MS
  w.flag(0, 3, v.raw); // Raw
  w.flag(0, 2, v.testWrite); // Test Write
  w.flag(0, 1, v.cdRw); // CD-RW
  w.flag(0, 0, v.rw); // R-W
  w.u24(1, v.maximumCueSheetLength, 'MAXIMUM CUE SHEET LENGTH');
  return w.bytes;
}

export function decodeCdMasteringFeature(data: Uint8Array): CdMasteringFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'CD Mastering feature data');
  return {
    buf: r.bit(0, 6),
    sao: r.bit(0, 5),
    rawMs: r.bit(0, 4),
    raw: r.bit(0, 3),
    testWrite: r.bit(0, 2),
    cdRw: r.bit(0, 1),
    rw: r.bit(0, 0),
    maximumCueSheetLength: r.u24(1),
  };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function cdMasteringFeatureDescriptor(
  v: CdMasteringFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.CD_MASTERING, encodeCdMasteringFeature(v), {
    version: CD_MASTERING_FEATURE_VERSION,
    ...header,
  });
}
