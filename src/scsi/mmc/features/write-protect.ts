// Write Protect feature (0004h; MMC-6 5.3). Pure.
// The drive can set and report write protection of the medium: persistent write protection
// (SPWP, SSWPP), write-inhibit disc control blocks (WDCB) and the disc write-protect PAC (DWP).

import { ByteReader, ByteWriter } from '../../bytes.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface WriteProtectFeature {
  /** DWP: the Disc Write Protect PAC of BD media is read and honoured. */
  readonly dwp: boolean;
  /** WDCB: Write-Inhibit DCBs of DVD+RW are read and honoured. */
  readonly wdcb: boolean;
  /** SPWP: SET/READ the persistent write protection (MMC-6 6.28 WP). */
  readonly spwp: boolean;
  /** SSWPP: the Persistent Write Protection bit of the caddy/cartridge is honoured. */
  readonly sswpp: boolean;
}

/** Version written by writeProtectFeatureDescriptor. */
export const WRITE_PROTECT_FEATURE_VERSION = 2;

// byte 4     (data 0)  bit 3 DWP, bit 2 WDCB, bit 1 SPWP, bit 0 SSWPP
// byte 5     (data 1)  reserved
// byte 6     (data 2)  reserved
// byte 7     (data 3)  reserved
export function encodeWriteProtectFeature(v: WriteProtectFeature): Uint8Array {
  const w = new ByteWriter(4);
  w.flag(0, 3, v.dwp); // DWP
  w.flag(0, 2, v.wdcb); // WDCB
  w.flag(0, 1, v.spwp); // SPWP
  w.flag(0, 0, v.sswpp); // SSWPP
  return w.bytes;
}

/** Version 0 descriptors carry no data: every flag then decodes as false (not claimed). */
export function decodeWriteProtectFeature(data: Uint8Array): WriteProtectFeature {
  const r = new ByteReader(data);
  const has = data.length > 0;
  return {
    dwp: has && r.bit(0, 3),
    wdcb: has && r.bit(0, 2),
    spwp: has && r.bit(0, 1),
    sswpp: has && r.bit(0, 0),
  };
}

/** The whole descriptor; defaults: version 2, not persistent, current. */
export function writeProtectFeatureDescriptor(
  v: WriteProtectFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.WRITE_PROTECT, encodeWriteProtectFeature(v), {
    version: WRITE_PROTECT_FEATURE_VERSION,
    ...header,
  });
}
