// CD Track at Once feature (002Dh; MMC-6 5.3). Pure. Track-at-once recording on CD-R/RW: buffer
// underrun protection, raw/packed R-W sub-code, test writes, and the supported data block types.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface CdTrackAtOnceFeature {
  /** Buffer underrun free recording is supported. */
  readonly buf: boolean;
  /** Raw R-W sub-code can be written. */
  readonly rwRaw: boolean;
  /** Packed R-W sub-code can be written. */
  readonly rwPack: boolean;
  /** The Test Write bit of the Write Parameters mode page is supported. */
  readonly testWrite: boolean;
  /** CD-RW media can be overwritten. */
  readonly cdRw: boolean;
  /** R-W sub-code channels can be recorded. */
  readonly rwSubcode: boolean;
  /** Bit n set: Data Block Type n of the Write Parameters mode page is supported. */
  readonly dataTypeSupported: number;
}

/** Version written by cdTrackAtOnceFeatureDescriptor: the one that carries BUF and R-W Raw/Pack. */
export const CD_TRACK_AT_ONCE_FEATURE_VERSION = 2;

// byte 4     (data 0)     bit 6 BUF, bit 4 R-W Raw, bit 3 R-W Pack, bit 2 Test Write,
//                         bit 1 CD-RW, bit 0 R-W Sub-code
// byte 5     (data 1)     reserved
// byte 6..7  (data 2..3)  DATA TYPE SUPPORTED
export function encodeCdTrackAtOnceFeature(v: CdTrackAtOnceFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 6, v.buf); // BUF
  w.flag(0, 4, v.rwRaw); // R-W Raw
  w.flag(0, 3, v.rwPack); // R-W Pack
  w.flag(0, 2, v.testWrite); // Test Write
  w.flag(0, 1, v.cdRw); // CD-RW
  w.flag(0, 0, v.rwSubcode); // R-W Sub-code
  w.u16(2, v.dataTypeSupported, 'DATA TYPE SUPPORTED');
  return w.bytes;
}

export function decodeCdTrackAtOnceFeature(data: Uint8Array): CdTrackAtOnceFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'CD Track at Once feature data');
  return {
    buf: r.bit(0, 6),
    rwRaw: r.bit(0, 4),
    rwPack: r.bit(0, 3),
    testWrite: r.bit(0, 2),
    cdRw: r.bit(0, 1),
    rwSubcode: r.bit(0, 0),
    dataTypeSupported: r.u16(2),
  };
}

/** The whole descriptor; defaults: version 2, not persistent, current. */
export function cdTrackAtOnceFeatureDescriptor(
  v: CdTrackAtOnceFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.CD_TRACK_AT_ONCE, encodeCdTrackAtOnceFeature(v), {
    version: CD_TRACK_AT_ONCE_FEATURE_VERSION,
    ...header,
  });
}
