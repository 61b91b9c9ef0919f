// Data sector construction for CD (ECMA-130 2nd edition §14 "Sector structure"; Mode 2 forms from
// the CD-ROM XA layout that ECMA-130 reserves Mode 2 for). Pure: no Node APIs. Builds the
// 2,352-byte main-channel sector a raw (disc-at-once, raw write type) recorder is sent. Audio
// sectors are the PCM itself and need nothing from here.

import { invalidArgument } from '../../errors.js';
import { lbaToMsf, type Msf } from '../mmc/msf.js';
import { computeEccP, computeEccQ, computeEdc, writeEdc } from './edc-ecc.js';

/** Bytes of a raw CD sector's main channel. */
export const RAW_SECTOR_BYTES = 2352;
/** User data bytes of a Mode 1 and a Mode 2 form 1 sector. */
export const MODE1_USER_BYTES = 2048;
/** User data bytes of a Mode 2 form 2 sector. */
export const MODE2_FORM2_USER_BYTES = 2324;
/** User data bytes of a Mode 2 formless ("Mode 2", ECMA-130 §14.4) sector. */
export const MODE2_USER_BYTES = 2336;

/** The 12-byte sync pattern: 00, ten FF, 00. */
export const SYNC_PATTERN: Uint8Array = Uint8Array.of(0, ...new Array<number>(10).fill(0xff), 0);

/** Two BCD digits of 0..99. */
export function toBcd(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 99) {
    throw invalidArgument(`${String(value)} has no two-digit BCD form`);
  }
  return ((value / 10) | 0) * 16 + (value % 10);
}

/** 0..99 from two BCD digits; undefined when a nibble is above 9. */
export function fromBcd(byte: number): number | undefined {
  const hi = byte >> 4;
  const lo = byte & 0x0f;
  return hi > 9 || lo > 9 ? undefined : hi * 10 + lo;
}

/** The physical MSF of an LBA as three BCD bytes (M, S, F). */
export function bcdMsf(msf: Msf): [number, number, number] {
  return [toBcd(msf.m), toBcd(msf.s), toBcd(msf.f)];
}

// bytes 0..11  Sync
// bytes 12..14 Header: Minute, Second, Frame (BCD, the sector's physical address)
// byte  15     Header: Mode
function writeSyncAndHeader(sector: Uint8Array, lba: number, mode: number): void {
  sector.set(SYNC_PATTERN, 0);
  const [m, s, f] = bcdMsf(lbaToMsf(lba));
  sector[12] = m;
  sector[13] = s;
  sector[14] = f;
  sector[15] = mode;
}

function checkUserData(data: Uint8Array, size: number, what: string): void {
  if (data.length !== size) {
    throw invalidArgument(`${what} takes exactly ${size} bytes of user data, got ${data.length}`);
  }
}

/**
 * A Mode 1 sector (ECMA-130 §14.3): sync, header, 2,048 bytes of user data, EDC over bytes
 * 0..2063, eight zero bytes, P and Q parity. `out` (2,352 bytes) is filled and returned.
 */
export function buildMode1Sector(
  lba: number,
  userData: Uint8Array,
  out: Uint8Array = new Uint8Array(RAW_SECTOR_BYTES),
): Uint8Array {
  checkUserData(userData, MODE1_USER_BYTES, 'a Mode 1 sector');
  writeSyncAndHeader(out, lba, 1);
  out.set(userData, 16);
  writeEdc(out, 2064, computeEdc(out, 0, 2064));
  out.fill(0, 2068, 2076); // Intermediate
  computeEccP(out);
  computeEccQ(out);
  return out;
}

/** A Mode 0 sector (ECMA-130 §14.2): sync, header, 2,336 zero bytes. Used for empty areas. */
export function buildMode0Sector(
  lba: number,
  out: Uint8Array = new Uint8Array(RAW_SECTOR_BYTES),
): Uint8Array {
  writeSyncAndHeader(out, lba, 0);
  out.fill(0, 16);
  return out;
}

/** The 4-byte Mode 2 subheader, sent twice (bytes 16..19 and 20..23). */
export interface Mode2Subheader {
  readonly fileNumber: number;
  readonly channelNumber: number;
  /** Submode flags; bit 5 (Form) is set or cleared by the builder to match the form. */
  readonly submode: number;
  readonly codingInformation: number;
}

const DATA_SUBHEADER: Mode2Subheader = {
  fileNumber: 0,
  channelNumber: 0,
  submode: 0x08, // Data
  codingInformation: 0,
};

const SUBMODE_FORM2 = 0x20; // Submode bit 5: Form 2

function writeSubheader(out: Uint8Array, sub: Mode2Subheader, form2: boolean): void {
  const submode = form2 ? sub.submode | SUBMODE_FORM2 : sub.submode & ~SUBMODE_FORM2 & 0xff;
  const four = [sub.fileNumber, sub.channelNumber, submode, sub.codingInformation];
  for (const [i, v] of four.entries()) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) {
      throw invalidArgument(`Mode 2 subheader byte ${i} is ${String(v)}: not a byte`);
    }
    out[16 + i] = v;
    out[20 + i] = v;
  }
}

/**
 * A Mode 2 form 1 sector: sync, header, subheader ×2, 2,048 bytes of user data, EDC over bytes
 * 16..2071, P and Q parity computed with the header taken as zero (so a sector keeps its ECC when
 * it is relocated), then the header restored.
 */
export function buildMode2Form1Sector(
  lba: number,
  userData: Uint8Array,
  subheader: Mode2Subheader = DATA_SUBHEADER,
  out: Uint8Array = new Uint8Array(RAW_SECTOR_BYTES),
): Uint8Array {
  checkUserData(userData, MODE1_USER_BYTES, 'a Mode 2 form 1 sector');
  writeSyncAndHeader(out, lba, 2);
  writeSubheader(out, subheader, false);
  out.set(userData, 24);
  writeEdc(out, 2072, computeEdc(out, 16, 2072));
  // The header does not take part in the form 1 ECC: zero it for the parity, then put it back.
  const header = out.slice(12, 16);
  out.fill(0, 12, 16);
  computeEccP(out);
  computeEccQ(out);
  out.set(header, 12);
  return out;
}

/**
 * A Mode 2 form 2 sector: sync, header, subheader ×2, 2,324 bytes of user data and an EDC over
 * bytes 16..2347 (form 2 has no parity; the EDC is optional on the disc, written here).
 */
export function buildMode2Form2Sector(
  lba: number,
  userData: Uint8Array,
  subheader: Mode2Subheader = DATA_SUBHEADER,
  out: Uint8Array = new Uint8Array(RAW_SECTOR_BYTES),
): Uint8Array {
  checkUserData(userData, MODE2_FORM2_USER_BYTES, 'a Mode 2 form 2 sector');
  writeSyncAndHeader(out, lba, 2);
  writeSubheader(out, subheader, true);
  out.set(userData, 24);
  writeEdc(out, 2348, computeEdc(out, 16, 2348));
  return out;
}
