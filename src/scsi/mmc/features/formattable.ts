// Formattable feature (0023h; MMC-6 5.3). Pure. The drive can format media with FORMAT UNIT. From
// version 1 on it also tells which BD formats are available: RENoSA, Expand, QCert and Cert for
// BD-RE, RRM for BD-R. Version 0 descriptors carry no data; every flag then reads as false.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface FormattableFeature {
  /** BD-RE: format type 31h (no spare areas) is supported. */
  readonly reNoSa: boolean;
  /** BD-RE: format type 01h (expand the spare area) is supported. */
  readonly expand: boolean;
  /** BD-RE: quick certification is supported. */
  readonly qCert: boolean;
  /** BD-RE: full certification is supported. */
  readonly cert: boolean;
  /** BD-R: format type 32h (Random Recording Mode) is supported. */
  readonly rrm: boolean;
}

/** Version written by formattableFeatureDescriptor. */
export const FORMATTABLE_FEATURE_VERSION = 1;

// byte 4     (data 0)     bit 3 RENoSA, bit 2 Expand, bit 1 QCert, bit 0 Cert
// byte 5..7  (data 1..3)  reserved
// byte 8     (data 4)     bit 0 RRM
// byte 9..11 (data 5..7)  reserved
export function encodeFormattableFeature(v: FormattableFeature): Uint8Array {
  const w = new ByteWriter(8);
  w.flag(0, 3, v.reNoSa); // RENoSA
  w.flag(0, 2, v.expand); // Expand
  w.flag(0, 1, v.qCert); // QCert
  w.flag(0, 0, v.cert); // Cert
  w.flag(4, 0, v.rrm); // RRM
  return w.bytes;
}

export function decodeFormattableFeature(data: Uint8Array): FormattableFeature {
  const r = new ByteReader(data);
  const has = (at: number) => at < data.length;
  return {
    reNoSa: has(0) && r.bit(0, 3),
    expand: has(0) && r.bit(0, 2),
    qCert: has(0) && r.bit(0, 1),
    cert: has(0) && r.bit(0, 0),
    rrm: has(4) && r.bit(4, 0),
  };
}

/** The whole descriptor; defaults: version 1, not persistent, current. */
export function formattableFeatureDescriptor(
  v: FormattableFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.FORMATTABLE, encodeFormattableFeature(v), {
    version: FORMATTABLE_FEATURE_VERSION,
    ...header,
  });
}
