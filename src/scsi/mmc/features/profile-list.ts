// Profile List feature (0000h; MMC-6 5.3.1). Pure. Lists every profile the drive supports, most
// preferred first, with CurrentP marking the profiles the mounted medium is operating in.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { MalformedDataError, invalidArgument } from '../../../errors.js';
import { FeaturePageType } from './feature-codes.js';
import {
  MAX_FEATURE_ADDITIONAL_LENGTH,
  featureDescriptor,
  type FeatureDescriptor,
  type FeatureHeaderOptions,
} from './feature-descriptor.js';

export interface ProfileDescriptor {
  /** See ProfileType; any 16-bit number may occur. */
  readonly profileNumber: number;
  readonly currentP: boolean;
}

export interface ProfileListFeature {
  readonly profiles: readonly ProfileDescriptor[];
}

/** Version written by profileListFeatureDescriptor. The feature is persistent and current. */
export const PROFILE_LIST_FEATURE_VERSION = 0;

const PROFILE_DESCRIPTOR_LENGTH = 4;

// One profile descriptor per 4 bytes, starting at byte 4 of the feature descriptor:
// byte 0..1  PROFILE NUMBER
// byte 2     bit 0 CurrentP
// byte 3     reserved
export function encodeProfileListFeature(v: ProfileListFeature): Uint8Array {
  const n = v.profiles.length * PROFILE_DESCRIPTOR_LENGTH;
  if (n > MAX_FEATURE_ADDITIONAL_LENGTH) {
    throw invalidArgument(`Profile List holds at most 63 profiles, got ${v.profiles.length}`);
  }
  const w = new ByteWriter(n);
  v.profiles.forEach((p, i) => {
    const at = i * PROFILE_DESCRIPTOR_LENGTH;
    w.u16(at, p.profileNumber, 'PROFILE NUMBER');
    w.flag(at + 2, 0, p.currentP); // CurrentP
  });
  return w.bytes;
}

export function decodeProfileListFeature(data: Uint8Array): ProfileListFeature {
  if (data.length % PROFILE_DESCRIPTOR_LENGTH !== 0) {
    throw new MalformedDataError(
      `Profile List data is ${data.length} bytes, not a whole number of 4-byte profiles`,
    );
  }
  const r = new ByteReader(data);
  const profiles: ProfileDescriptor[] = [];
  for (let at = 0; at < data.length; at += PROFILE_DESCRIPTOR_LENGTH) {
    profiles.push({ profileNumber: r.u16(at), currentP: r.bit(at + 2, 0) });
  }
  return { profiles };
}

/** The whole descriptor; defaults: version 0, persistent, current (as MMC-6 requires). */
export function profileListFeatureDescriptor(
  v: ProfileListFeature,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return featureDescriptor(FeaturePageType.PROFILE_LIST, encodeProfileListFeature(v), {
    version: PROFILE_LIST_FEATURE_VERSION,
    persistent: true,
    current: true,
    ...header,
  });
}
