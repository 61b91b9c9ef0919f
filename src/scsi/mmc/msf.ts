// CD addressing in minutes/seconds/frames (MMC-6 4.2.3.4 "MSF addressing"; spec §8.2). Pure.
// A CD has 75 frames a second; MSF 00:02:00 is LBA 0. The lead-in lies before LBA 0 and is written
// as M 90..99, so those minutes map to negative LBAs (97:26:66 = -11634).
//
// Also the 4-byte address fields that READ TOC/PMA/ATIP and READ DISC INFORMATION return either as
// an LBA or as MSF (byte 0 reserved, then M, S, F), and their encoders.

import type { ByteReader, ByteWriter } from '../bytes.js';
import { invalidArgument } from '../../errors.js';

/** A CD time address: minute 0..99, second 0..59, frame 0..74. */
export interface Msf {
  readonly m: number;
  readonly s: number;
  readonly f: number;
}

/** Frames per second and seconds per minute of CD addressing. */
export const FRAMES_PER_SECOND = 75;
export const FRAMES_PER_MINUTE = 60 * FRAMES_PER_SECOND;

/** LBA of MSF 00:00:00: the 2-second pre-gap offset. */
const OFFSET_PROGRAM = 150;
/** Offset for minutes 90..99, which address the lead-in: 90:00:00 = -45150. */
const OFFSET_LEAD_IN = 450_150;

/** The LBAs an MSF address can express: 90:00:00 (-45150) .. 89:59:74 (404849). */
export const MSF_LBA_MIN = -45_150;
export const MSF_LBA_MAX = 404_849;

/**
 * LBA of an MSF address (spec §8.2): for M < 90, (M·60 + S)·75 + F − 150; for M ≥ 90, the same
 * minus 450,150 instead. Plain arithmetic on whatever the components are: drives do report
 * out-of-range MSF values (tgt's DVD lead-out reads 00:FF:3B:4A), and a decoder must not fail on
 * them. Use `isValidMsf` to tell a well-formed address.
 */
export function msfToLba(msf: Msf): number {
  const frames = (msf.m * 60 + msf.s) * FRAMES_PER_SECOND + msf.f;
  return msf.m < 90 ? frames - OFFSET_PROGRAM : frames - OFFSET_LEAD_IN;
}

/** The MSF address of `lba`; throws invalid-argument outside MSF_LBA_MIN..MSF_LBA_MAX. */
export function lbaToMsf(lba: number): Msf {
  if (!Number.isInteger(lba) || lba < MSF_LBA_MIN || lba > MSF_LBA_MAX) {
    throw invalidArgument(
      `LBA ${String(lba)} has no MSF address (range ${MSF_LBA_MIN}..${MSF_LBA_MAX})`,
    );
  }
  const frames = lba < -OFFSET_PROGRAM ? lba + OFFSET_LEAD_IN : lba + OFFSET_PROGRAM;
  return {
    m: Math.floor(frames / FRAMES_PER_MINUTE),
    s: Math.floor(frames / FRAMES_PER_SECOND) % 60,
    f: frames % FRAMES_PER_SECOND,
  };
}

/** True when M is 0..99, S 0..59 and F 0..74 (all integers). */
export function isValidMsf(msf: Msf): boolean {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  return ok(msf.m, 99) && ok(msf.s, 59) && ok(msf.f, FRAMES_PER_SECOND - 1);
}

/** `MM:SS:FF`, e.g. `97:26:66`. */
export function formatMsf(msf: Msf): string {
  const two = (v: number) => String(v).padStart(2, '0');
  return `${two(msf.m)}:${two(msf.s)}:${two(msf.f)}`;
}

/**
 * A 4-byte address field as an LBA: a signed 32-bit LBA, or with `msf` the MSF form (byte 0
 * reserved and ignored, bytes 1..3 M, S, F) converted with `msfToLba`.
 */
export function readAddressField(r: ByteReader, at: number, msf: boolean): number {
  if (!msf) return r.i32(at);
  return msfToLba({ m: r.u8(at + 1), s: r.u8(at + 2), f: r.u8(at + 3) });
}

// bytes 0..3  LBA (signed), or: byte 0 Reserved, byte 1 M, byte 2 S, byte 3 F
export function writeAddressField(
  w: ByteWriter,
  at: number,
  lba: number,
  msf: boolean,
  what: string,
): void {
  if (!msf) {
    w.i32(at, lba, what);
    return;
  }
  const a = lbaToMsf(lba);
  w.u8(at + 1, a.m, what)
    .u8(at + 2, a.s, what)
    .u8(at + 3, a.f, what);
}
