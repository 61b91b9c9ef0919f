// Incremental Streaming Writable feature (0021h; MMC-6 5.3). Pure. Sequential (incremental)
// recording on CD-R/RW, DVD-R/RW and BD-R SRM: which data block types are supported, buffer
// underrun protection, and the link sizes the drive can use between recordings.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { MalformedDataError, invalidArgument } from '../../../errors.js';
import { FeaturePageType } from './feature-codes.js';
import {
  MAX_FEATURE_ADDITIONAL_LENGTH,
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface IncrementalStreamingWritableFeature {
  /** Bit n set: Data Block Type n of the Write Parameters mode page is supported. */
  readonly dataBlockTypesSupported: number;
  /** Track Resources Information of READ DISC INFORMATION is supported. */
  readonly trio: boolean;
  /** RESERVE TRACK with ARSV (address reservation) is supported. */
  readonly arsv: boolean;
  /** Buffer underrun free recording is supported. */
  readonly buf: boolean;
  /** Link sizes in blocks, one byte each. */
  readonly linkSizes: readonly number[];
}

/** Version written by incrementalStreamingWritableFeatureDescriptor. */
export const INCREMENTAL_STREAMING_WRITABLE_FEATURE_VERSION = 1;

// byte 4..5   (data 0..1)  DATA BLOCK TYPES SUPPORTED
// byte 6      (data 2)     bit 2 TRIO, bit 1 ARSV, bit 0 BUF
// byte 7      (data 3)     NUMBER OF LINK SIZES (n)
// byte 8..    (data 4..)   LINK SIZE, n bytes, then zero pad bytes to a multiple of 4
export function encodeIncrementalStreamingWritableFeature(
  v: IncrementalStreamingWritableFeature,
): Uint8Array {
  const n = v.linkSizes.length;
  const length = 4 + Math.ceil(n / 4) * 4;
  if (length > MAX_FEATURE_ADDITIONAL_LENGTH) {
    throw invalidArgument(`too many link sizes for one feature descriptor: ${n}`);
  }
  const w = new ByteWriter(length);
  w.u16(0, v.dataBlockTypesSupported, 'DATA BLOCK TYPES SUPPORTED');
  w.flag(2, 2, v.trio); // TRIO
  w.flag(2, 1, v.arsv); // ARSV
  w.flag(2, 0, v.buf); // BUF
  w.u8(3, n, 'NUMBER OF LINK SIZES');
  v.linkSizes.forEach((size, i) => w.u8(4 + i, size, 'LINK SIZE'));
  return w.bytes;
}

export function decodeIncrementalStreamingWritableFeature(
  data: Uint8Array,
): IncrementalStreamingWritableFeature {
  const r = new ByteReader(data);
  r.need(0, 4, 'Incremental Streaming Writable feature data');
  const n = r.u8(3);
  if (4 + n > data.length) {
    throw new MalformedDataError(
      `Incremental Streaming Writable lists ${n} link sizes but carries ${data.length - 4} bytes`,
    );
  }
  return {
    dataBlockTypesSupported: r.u16(0),
    trio: r.bit(2, 2),
    arsv: r.bit(2, 1),
    buf: r.bit(2, 0),
    linkSizes: Array.from(r.sub(4, n)),
  };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function incrementalStreamingWritableFeatureDescriptor(
  v: IncrementalStreamingWritableFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(
    FeaturePageType.INCREMENTAL_STREAMING_WRITABLE,
    encodeIncrementalStreamingWritableFeature(v),
    { version: INCREMENTAL_STREAMING_WRITABLE_FEATURE_VERSION, ...header },
  );
}
