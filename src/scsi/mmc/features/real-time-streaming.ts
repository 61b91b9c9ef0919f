// Real Time Streaming feature (0107h; MMC-6 5.3). Pure. Stream recording and the streaming
// commands: SW lets WRITE(12) carry the Streaming bit (spec §1a: useStreamingWrite12 needs it),
// WSPD means GET PERFORMANCE type 03h (write speed descriptors) works, MP2A that mode page 2Ah
// has speed descriptors, SCS that SET CD SPEED works, RBCB that READ BUFFER CAPACITY accepts
// the Block bit.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface RealTimeStreamingFeature {
  /** READ BUFFER CAPACITY with Block = 1 is supported. */
  readonly rbcb: boolean;
  /** SET CD SPEED is supported. */
  readonly scs: boolean;
  /** Mode page 2Ah carries write speed performance descriptors. */
  readonly mp2a: boolean;
  /** GET PERFORMANCE Type 03h (write speed) is supported. */
  readonly wspd: boolean;
  /** Stream Writing: WRITE(12) with the Streaming bit is supported. */
  readonly sw: boolean;
}

/** Version written by realTimeStreamingFeatureDescriptor: one that carries all five bits. */
export const REAL_TIME_STREAMING_FEATURE_VERSION = 3;

// byte 4     (data 0)     bit 4 RBCB, bit 3 SCS, bit 2 MP2A, bit 1 WSPD, bit 0 SW
// byte 5..7  (data 1..3)  reserved
export function encodeRealTimeStreamingFeature(v: RealTimeStreamingFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 4, v.rbcb); // RBCB
  w.flag(0, 3, v.scs); // SCS
  w.flag(0, 2, v.mp2a); // MP2A
  w.flag(0, 1, v.wspd); // WSPD
  w.flag(0, 0, v.sw); // SW
  return w.bytes;
}

/** A descriptor without data (early versions) claims none of the five capabilities. */
export function decodeRealTimeStreamingFeature(data: Uint8Array): RealTimeStreamingFeature {
  const r = new ByteReader(data);
  const has = data.length > 0;
  return {
    rbcb: has && r.bit(0, 4),
    scs: has && r.bit(0, 3),
    mp2a: has && r.bit(0, 2),
    wspd: has && r.bit(0, 1),
    sw: has && r.bit(0, 0),
  };
}

/** The whole descriptor; defaults: version 3, not persistent, current. */
export function realTimeStreamingFeatureDescriptor(
  v: RealTimeStreamingFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.REAL_TIME_STREAMING, encodeRealTimeStreamingFeature(v), {
    version: REAL_TIME_STREAMING_FEATURE_VERSION,
    ...header,
  });
}
