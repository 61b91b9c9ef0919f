// GET CONFIGURATION (MMC-6 6.6; spec §4.6). Pure codec: the CDB, the response (feature header and
// feature descriptors) and the descriptor selection a drive applies for RT and Starting Feature
// Number. The per-feature data is decoded by the modules in ./features/.
//
// Response length handling. Drives pad the reply to the allocation length (tgt sends exactly the
// allocation length, with zeros or stale memory after the real data) or cut it short at the
// allocation length. The decoder therefore trusts the header's Data Length, never reads past the
// bytes actually present, and:
// - ignores every byte after 4 + Data Length (padding);
// - when fewer than 4 + Data Length bytes are present (a truncated reply), returns the complete
//   descriptors, DROPS a descriptor cut off at the end, and sets `truncated`; re-issue with an
//   allocation length of getConfigurationFullLength(reply) to get everything;
// - throws MalformedDataError when the header is incomplete (< 8 bytes), when Data Length is below
//   4 (it counts the header's own reserved and Current Profile bytes), or when a descriptor runs
//   past a Data Length whose bytes are all present (the reply contradicts itself).
// Data Length is 32-bit but the allocation length only 16-bit: a reply longer than 65,535 bytes
// must be read in parts, restarting at the feature after the last complete descriptor.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';
import {
  FEATURE_DESCRIPTOR_HEADER_LENGTH,
  encodeFeatureDescriptor,
  type FeatureDescriptor,
} from './features/feature-descriptor.js';

/** RT field: which descriptors the drive returns (MMC-6 6.6). 11b is reserved. */
export const GetConfigurationRt = {
  /** Every supported feature with a code at or above Starting Feature Number. */
  ALL: 0b00,
  /** Only those whose Current bit is set. */
  CURRENT: 0b01,
  /** Only the feature whose code equals Starting Feature Number (header only if unsupported). */
  ONE: 0b10,
} as const;

/** Length of the feature header that starts every response. */
export const FEATURE_HEADER_LENGTH = 8;

/** Largest allocation length the 16-bit field can carry. */
export const MAX_GET_CONFIGURATION_ALLOCATION_LENGTH = 0xffff;

export interface GetConfigurationCdb {
  /** 0..3; see GetConfigurationRt (3 is reserved: drives answer 5/24/00). */
  readonly rt: number;
  readonly startingFeatureNumber: number;
  /** 0..65535 bytes; 0 transfers nothing. */
  readonly allocationLength: number;
}

export type GetConfigurationOptions = Pick<GetConfigurationCdb, 'allocationLength'> &
  Partial<Omit<GetConfigurationCdb, 'allocationLength'>>;

// byte 0      OPERATION CODE (46h)
// byte 1      bits 1..0 RT
// byte 2..3   STARTING FEATURE NUMBER
// byte 4..6   reserved
// byte 7..8   ALLOCATION LENGTH
// byte 9      CONTROL
export function encodeGetConfigurationCdb(o: GetConfigurationOptions): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.GET_CONFIGURATION);
  w.bits(1, 0, 0x03, o.rt ?? GetConfigurationRt.ALL, 'RT');
  w.u16(2, o.startingFeatureNumber ?? 0, 'STARTING FEATURE NUMBER');
  w.u16(7, o.allocationLength, 'ALLOCATION LENGTH');
  return w.bytes;
}

export function decodeGetConfigurationCdb(cdb: Uint8Array): GetConfigurationCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'GET CONFIGURATION CDB');
  if (r.u8(0) !== Opcode.GET_CONFIGURATION) {
    throw new MalformedDataError('not a GET CONFIGURATION CDB');
  }
  return {
    rt: r.bits(1, 0, 0x03),
    startingFeatureNumber: r.u16(2),
    allocationLength: r.u16(7),
  };
}

/** GET CONFIGURATION request: data-in of up to `allocationLength` bytes. RT defaults to ALL. */
export function getConfiguration(o: GetConfigurationOptions): ScsiCommand {
  return scsiCommand('GET CONFIGURATION', encodeGetConfigurationCdb(o), 'in', {
    allocationLength: o.allocationLength,
  });
}

/** A decoded GET CONFIGURATION reply. */
export interface GetConfigurationData {
  /** The header's Data Length: bytes that follow the field in the complete reply. */
  readonly dataLength: number;
  /** The profile the medium is operating in (ProfileType); 0 when none. */
  readonly currentProfile: number;
  /** Complete descriptors in reply order. */
  readonly descriptors: readonly FeatureDescriptor[];
  /** Fewer bytes than 4 + dataLength arrived; a cut-off last descriptor was dropped. */
  readonly truncated: boolean;
}

const DH = FEATURE_DESCRIPTOR_HEADER_LENGTH;

/** What the virtual drive needs to build a reply. */
export interface GetConfigurationReply {
  readonly currentProfile: number;
  readonly descriptors: readonly FeatureDescriptor[];
}

/**
 * Total length of the complete reply (4 + Data Length) from its first 4 bytes: the allocation
 * length to re-issue the command with after reading only the header.
 */
export function getConfigurationFullLength(bytes: Uint8Array): number {
  const r = new ByteReader(bytes);
  r.need(0, 4, 'GET CONFIGURATION Data Length');
  return 4 + r.u32(0);
}

export function decodeGetConfigurationData(bytes: Uint8Array): GetConfigurationData {
  const r = new ByteReader(bytes);
  r.need(0, FEATURE_HEADER_LENGTH, 'GET CONFIGURATION feature header');
  const dataLength = r.u32(0);
  if (dataLength < FEATURE_HEADER_LENGTH - 4) {
    throw new MalformedDataError(`GET CONFIGURATION Data Length ${dataLength} is below 4`);
  }
  const declaredEnd = 4 + dataLength;
  const truncated = bytes.length < declaredEnd;
  const end = Math.min(bytes.length, declaredEnd);
  const descriptors: FeatureDescriptor[] = [];
  let at = FEATURE_HEADER_LENGTH;
  while (at < end) {
    const complete = at + DH <= end && at + DH + r.u8(at + 3) <= end;
    if (!complete) {
      if (truncated) break; // cut off by the allocation length: dropped, reported as truncated
      throw new MalformedDataError(
        `feature descriptor at byte ${at} runs past Data Length (${declaredEnd} bytes)`,
      );
    }
    const additionalLength = r.u8(at + 3);
    descriptors.push({
      featureCode: r.u16(at),
      version: r.bits(at + 2, 2, 0x0f),
      persistent: r.bit(at + 2, 1),
      current: r.bit(at + 2, 0),
      additionalLength,
      data: r.slice(at + DH, additionalLength),
    });
    at += DH + additionalLength;
  }
  return { dataLength, currentProfile: r.u16(6), descriptors, truncated };
}

// byte 0..3   DATA LENGTH (bytes after this field: 4 + all descriptors)
// byte 4..5   reserved
// byte 6..7   CURRENT PROFILE
// byte 8..    feature descriptors, each as encodeFeatureDescriptor lays it out
/** The complete reply. Truncating it to the allocation length is the transport's job. */
export function encodeGetConfigurationData(v: GetConfigurationReply): Uint8Array {
  const parts = v.descriptors.map(encodeFeatureDescriptor);
  const total = parts.reduce((n, p) => n + p.length, FEATURE_HEADER_LENGTH);
  const w = new ByteWriter(total);
  w.u32(0, total - 4, 'DATA LENGTH');
  w.u16(6, v.currentProfile, 'CURRENT PROFILE');
  let at = FEATURE_HEADER_LENGTH;
  for (const p of parts) {
    w.bytesAt(at, p);
    at += p.length;
  }
  return w.bytes;
}

/**
 * The descriptors a drive returns for RT and Starting Feature Number, in ascending feature code
 * order as MMC requires: RT 0 all with code >= start, RT 1 those that are also current, RT 2 the
 * one whose code equals start (none if unsupported). RT 3 is reserved: invalid argument.
 */
export function selectFeatures(
  descriptors: readonly FeatureDescriptor[],
  rt: number,
  startingFeature: number,
): FeatureDescriptor[] {
  const sorted = [...descriptors].sort((a, b) => a.featureCode - b.featureCode);
  switch (rt) {
    case GetConfigurationRt.ALL:
      return sorted.filter((d) => d.featureCode >= startingFeature);
    case GetConfigurationRt.CURRENT:
      return sorted.filter((d) => d.featureCode >= startingFeature && d.current);
    case GetConfigurationRt.ONE:
      return sorted.filter((d) => d.featureCode === startingFeature).slice(0, 1);
    default:
      throw invalidArgument(`RT must be 0, 1 or 2, got ${String(rt)}`);
  }
}

/** The first descriptor with this feature code, or undefined. */
export function findFeature(
  response: Pick<GetConfigurationData, 'descriptors'>,
  featureCode: number,
): FeatureDescriptor | undefined {
  return response.descriptors.find((d) => d.featureCode === featureCode);
}

/** True when the feature is reported and its Current bit is set. */
export function hasCurrentFeature(
  response: Pick<GetConfigurationData, 'descriptors'>,
  featureCode: number,
): boolean {
  return findFeature(response, featureCode)?.current === true;
}
