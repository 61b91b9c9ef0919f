// The generic MMC feature descriptor (MMC-6 5.2). Pure. Every feature reported by GET CONFIGURATION
// starts with this 4-byte header; the feature-specific bytes that follow are kept raw here and
// decoded by the per-feature modules in this folder.
//
// Conventions shared by the per-feature modules:
// - `decodeXFeature(data)` takes the descriptor's additional bytes (`FeatureDescriptor.data`, the
//   bytes after the 4-byte header) and `encodeXFeature(value)` produces them in the MMC-6 layout.
// - Older feature versions define shorter descriptors (Core version 0 has 4 bytes, Formattable
//   version 0 none). A decoder accepts the shortest layout any version defines and throws
//   MalformedDataError below it. A capability flag in bytes the descriptor does not carry decodes
//   as false (not claimed); a numeric field there as undefined. Bytes past the known layout
//   (added by later versions) are ignored. Encoders always write the full layout shown.
// - `xFeatureDescriptor(value, header?)` builds a whole descriptor for the virtual drive, with the
//   version, Persistent and Current defaults given in each module.

import { ByteReader, ByteWriter } from '../../bytes.js';
import { invalidArgument } from '../../../errors.js';

/** One feature descriptor as reported: header fields plus the raw feature-dependent bytes. */
export interface FeatureDescriptor {
  readonly featureCode: number;
  /** 0..15. */
  readonly version: number;
  /** The feature is always current (never changes with the medium). */
  readonly persistent: boolean;
  /** The feature is active now; its data is valid only when set. */
  readonly current: boolean;
  /** The Additional Length field (= data.length in a well-formed descriptor). */
  readonly additionalLength: number;
  /** The feature-dependent bytes after the 4-byte header. */
  readonly data: Uint8Array;
}

/** Header fields a descriptor builder lets the caller override. */
export interface FeatureHeaderOptions {
  readonly version?: number;
  readonly persistent?: boolean;
  readonly current?: boolean;
}

/** Length of the generic feature descriptor header (code, flags, Additional Length). */
export const FEATURE_DESCRIPTOR_HEADER_LENGTH = 4;

/** Largest Additional Length that is a multiple of four and fits the one-byte field. */
export const MAX_FEATURE_ADDITIONAL_LENGTH = 252;

/**
 * Assembles a descriptor from a feature code, its encoded data and header fields. Defaults:
 * version 0, not persistent, current.
 */
export function featureDescriptor(
  featureCode: number,
  data: Uint8Array,
  header: FeatureHeaderOptions = {},
): FeatureDescriptor {
  return {
    featureCode,
    version: header.version ?? 0,
    persistent: header.persistent ?? false,
    current: header.current ?? true,
    additionalLength: data.length,
    data,
  };
}

// byte 0..1  FEATURE CODE
// byte 2     bits 5..2 Version, bit 1 Persistent, bit 0 Current
// byte 3     ADDITIONAL LENGTH (a multiple of 4)
// byte 4..   feature dependent data
/** The descriptor's bytes: 4-byte header and data. The data length must be a multiple of 4. */
export function encodeFeatureDescriptor(d: FeatureDescriptor): Uint8Array {
  if (d.additionalLength !== d.data.length) {
    throw invalidArgument(
      `feature ${d.featureCode}: additionalLength ${d.additionalLength} differs from the ` +
        `${d.data.length} data bytes`,
    );
  }
  if (d.data.length % 4 !== 0 || d.data.length > MAX_FEATURE_ADDITIONAL_LENGTH) {
    throw invalidArgument(
      `feature ${d.featureCode}: Additional Length must be a multiple of 4 up to ` +
        `${MAX_FEATURE_ADDITIONAL_LENGTH}, got ${d.data.length}`,
    );
  }
  const w = new ByteWriter(FEATURE_DESCRIPTOR_HEADER_LENGTH + d.data.length);
  w.u16(0, d.featureCode, 'FEATURE CODE');
  w.bits(2, 2, 0x0f, d.version, 'Version');
  w.flag(2, 1, d.persistent); // Persistent
  w.flag(2, 0, d.current); // Current
  w.u8(3, d.data.length, 'ADDITIONAL LENGTH');
  w.bytesAt(FEATURE_DESCRIPTOR_HEADER_LENGTH, d.data, 'feature data');
  return w.bytes;
}

/**
 * Decodes one complete descriptor at the start of `bytes` (for example what the recorder's
 * getFeaturePage returns). Bytes after the descriptor are ignored; a descriptor whose data is not
 * all present is malformed.
 */
export function decodeFeatureDescriptor(bytes: Uint8Array): FeatureDescriptor {
  const r = new ByteReader(bytes);
  r.need(0, FEATURE_DESCRIPTOR_HEADER_LENGTH, 'feature descriptor header');
  const additionalLength = r.u8(3);
  r.need(FEATURE_DESCRIPTOR_HEADER_LENGTH, additionalLength, 'feature descriptor data');
  return {
    featureCode: r.u16(0),
    version: r.bits(2, 2, 0x0f),
    persistent: r.bit(2, 1),
    current: r.bit(2, 0),
    additionalLength,
    data: r.slice(FEATURE_DESCRIPTOR_HEADER_LENGTH, additionalLength),
  };
}
