// The Media Catalog Number and ISRC fields of the Write Parameters page 05h (MMC-6 7.5.4, the
// page's bytes 16..31 and 32..47). Pure codec: a 16-byte field to the code it carries and back.
// The drive writes a valid MCN into Q mode 2 frames of what it records, a valid ISRC into Q mode 3
// frames of the track it records (ECMA-130 22.3.3.3/22.3.3.4). The page codec
// (write-parameters.ts) keeps the fields as raw bytes; these give them meaning.

import { invalidArgument } from '../../../errors.js';
import { isValidIsrc, isValidMcn } from '../../cd/subchannel.js';
import type { WriteParametersPage } from './write-parameters.js';

const FIELD_BYTES = 16;

// byte 0        bit 7 MCVAL (the number is valid), bits 6..0 reserved
// bytes 1..13   N1..N13, the 13 digits as ASCII
// byte 14       zero
// byte 15       AFRAME (the drive's, sent as zero)
/** The 16-byte Media Catalog Number field; undefined = MCVAL clear (all zeros). */
export function encodeMcnField(mcn: string | undefined): Uint8Array {
  const out = new Uint8Array(FIELD_BYTES);
  if (mcn === undefined) return out;
  if (!isValidMcn(mcn)) throw invalidArgument(`MCN "${mcn}" is not 13 digits`);
  out[0] = 0x80; // MCVAL
  for (let i = 0; i < 13; i++) out[1 + i] = mcn.charCodeAt(i);
  return out;
}

// byte 0        bit 7 TCVAL (the code is valid), bits 6..0 reserved
// bytes 1..12   I1..I12: country (2), owner (3) as ASCII letters/digits, year (2) and serial (5)
//               as ASCII digits
// byte 13       zero
// byte 14       AFRAME (the drive's, sent as zero)
// byte 15       reserved
/** The 16-byte ISRC field; undefined = TCVAL clear (all zeros). */
export function encodeIsrcField(isrc: string | undefined): Uint8Array {
  const out = new Uint8Array(FIELD_BYTES);
  if (isrc === undefined) return out;
  if (!isValidIsrc(isrc)) throw invalidArgument(`ISRC "${isrc}" is not CCOOOYYNNNNN`);
  out[0] = 0x80; // TCVAL
  for (let i = 0; i < 12; i++) out[1 + i] = isrc.charCodeAt(i);
  return out;
}

function text(field: Uint8Array, from: number, count: number): string {
  return String.fromCharCode(...field.subarray(from, from + count));
}

/**
 * The MCN a field carries: undefined when MCVAL is clear; with MCVAL set, the 13 digits, or
 * `null` when they are not 13 ASCII digits (a drive refuses the page then).
 */
export function decodeMcnField(field: Uint8Array): string | undefined | null {
  if (field.length !== FIELD_BYTES) {
    throw invalidArgument(`the MCN field is 16 bytes, got ${field.length}`);
  }
  if (((field[0] as number) & 0x80) === 0) return undefined;
  const mcn = text(field, 1, 13);
  return isValidMcn(mcn) ? mcn : null;
}

/** The ISRC a field carries: undefined when TCVAL is clear, `null` when malformed. */
export function decodeIsrcField(field: Uint8Array): string | undefined | null {
  if (field.length !== FIELD_BYTES) {
    throw invalidArgument(`the ISRC field is 16 bytes, got ${field.length}`);
  }
  if (((field[0] as number) & 0x80) === 0) return undefined;
  const isrc = text(field, 1, 12);
  return isValidIsrc(isrc) ? isrc : null;
}

/** The valid codes of a page (malformed ones left out): what the drive writes into Q. */
export function writeParameterCodes(
  page: Pick<WriteParametersPage, 'mediaCatalogNumber' | 'internationalStandardRecordingCode'>,
): { mediaCatalogNumber?: string; isrc?: string } {
  const mcn = decodeMcnField(page.mediaCatalogNumber);
  const isrc = decodeIsrcField(page.internationalStandardRecordingCode);
  return {
    ...(typeof mcn === 'string' ? { mediaCatalogNumber: mcn } : {}),
    ...(typeof isrc === 'string' ? { isrc } : {}),
  };
}
