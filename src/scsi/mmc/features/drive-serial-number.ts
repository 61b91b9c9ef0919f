// Drive Serial Number feature (0108h; MMC-6 5.3, "Logical Unit Serial Number"). Pure.
// The drive's serial number in ASCII, padded with spaces to a multiple of four bytes.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { invalidArgument } from '../../../errors.js';
import { FeaturePageType } from './feature-codes.js';
import {
  featureDescriptor,
  MAX_FEATURE_ADDITIONAL_LENGTH,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface DriveSerialNumberFeature {
  /** The serial number, trailing padding removed. */
  readonly serialNumber: string;
}

/** Version written by driveSerialNumberFeatureDescriptor. */
export const DRIVE_SERIAL_NUMBER_FEATURE_VERSION = 0;

// byte 4..n  (data 0..)  SERIAL NUMBER (ASCII, space padded to a multiple of 4)
export function encodeDriveSerialNumberFeature(v: DriveSerialNumberFeature): Uint8Array {
  const n = Math.ceil(v.serialNumber.length / 4) * 4;
  if (n > MAX_FEATURE_ADDITIONAL_LENGTH) {
    throw invalidArgument(`serial number of ${v.serialNumber.length} characters is too long`);
  }
  const w = new ByteWriter(n);
  w.ascii(0, n, v.serialNumber, 'SERIAL NUMBER');
  return w.bytes;
}

/** Any length is taken (an empty serial number too); trailing spaces and NULs are removed. */
export function decodeDriveSerialNumberFeature(data: Uint8Array): DriveSerialNumberFeature {
  const r = new ByteReader(data);
  return { serialNumber: r.ascii(0, data.length) };
}

/** The whole descriptor; defaults: version 0, persistent, current. */
export function driveSerialNumberFeatureDescriptor(
  v: DriveSerialNumberFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(
    FeaturePageType.LOGICAL_UNIT_SERIAL_NUMBER,
    encodeDriveSerialNumberFeature(v),
    { version: DRIVE_SERIAL_NUMBER_FEATURE_VERSION, persistent: true, ...header },
  );
}
