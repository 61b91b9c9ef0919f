// What every iSCSI PDU has in common (RFC 7143 §11.1-§11.2.1): the opcodes, the 48-byte Basic
// Header Segment's shared fields, the 8-byte LUN field (SAM-5 4.7), and the frame the decoders
// read (BHS, AHS and data segment, with padding and digests already taken off by framer.ts).
// The per-direction codecs are pdu-initiator.ts and pdu-target.ts. Pure; no I/O.

import { readU24, type ByteWriter } from '../../scsi/bytes.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';

/**
 * PDU opcodes (RFC 7143 §11.1.1.1): initiator opcodes are 00h-1Fh, target opcodes 20h-3Fh, so
 * bit 5 tells the direction.
 */
export const IscsiOpcode = {
  NOP_OUT: 0x00,
  SCSI_COMMAND: 0x01,
  TASK_MANAGEMENT_REQUEST: 0x02,
  LOGIN_REQUEST: 0x03,
  TEXT_REQUEST: 0x04,
  SCSI_DATA_OUT: 0x05,
  LOGOUT_REQUEST: 0x06,
  SNACK_REQUEST: 0x10,
  NOP_IN: 0x20,
  SCSI_RESPONSE: 0x21,
  TASK_MANAGEMENT_RESPONSE: 0x22,
  LOGIN_RESPONSE: 0x23,
  TEXT_RESPONSE: 0x24,
  SCSI_DATA_IN: 0x25,
  LOGOUT_RESPONSE: 0x26,
  R2T: 0x31,
  ASYNC_MESSAGE: 0x32,
  REJECT: 0x3f,
} as const;

/** Bit 5 of the opcode: set on every PDU a target sends (RFC 7143 §11.1.1.1). */
export const TARGET_OPCODE_BIT = 0x20;

/** The reserved tag value ("no task", "no transfer"). */
export const RESERVED_TAG = 0xffffffff;

/** Length of the Basic Header Segment. */
export const BHS_LENGTH = 48;

/** The bytes of one PDU without digests and padding. */
export interface PduFrame {
  /** The 48-byte Basic Header Segment. */
  readonly bhs: Uint8Array;
  /** Additional Header Segments (TotalAHSLength × 4 bytes), usually empty. */
  readonly ahs: Uint8Array;
  /** The data segment, DataSegmentLength bytes (padding removed). */
  readonly data: Uint8Array;
}

/**
 * 8-byte LUN field (SAM-5 4.7): peripheral device addressing for 0..255, flat space addressing
 * for 256..16383.
 */
export function encodeLun(lun: number): Uint8Array {
  if (!Number.isInteger(lun) || lun < 0 || lun > 0x3fff) {
    throw invalidArgument(`LUN must be an integer in 0..16383, got ${String(lun)}`);
  }
  const out = new Uint8Array(8);
  if (lun < 256) {
    out[1] = lun; // ADDRESS METHOD 00b, BUS IDENTIFIER 0
  } else {
    out[0] = 0x40 | (lun >> 8); // ADDRESS METHOD 01b (flat space)
    out[1] = lun & 0xff;
  }
  return out;
}

/** The LUN of an 8-byte LUN field in peripheral or flat addressing; undefined for others. */
export function decodeLun(field: Uint8Array): number | undefined {
  if (field.length < 2) return undefined;
  const method = field[0]! >> 6;
  if (method === 0) return field[0] === 0 ? field[1] : undefined;
  if (method === 1) return ((field[0]! & 0x3f) << 8) | field[1]!;
  return undefined;
}

// Common layout of every BHS (RFC 7143 §11.2.1):
// byte 0      bit 6 I (immediate delivery), bits 5..0 Opcode
// byte 1      bit 7 F (final) and opcode-specific flags
// bytes 2..3  opcode-specific
// byte 4      TotalAHSLength (4-byte words)
// bytes 5..7  DataSegmentLength
// bytes 8..15 LUN or opcode-specific
// bytes 16..19 Initiator Task Tag
// bytes 20..47 opcode-specific (per PDU type in pdu-initiator.ts and pdu-target.ts)

/** Throws an invalid-argument error unless a whole BHS fits in `out` at byte `at`. */
export function checkBhsPlace(out: Uint8Array, at: number): void {
  if (!Number.isInteger(at) || at < 0 || at + BHS_LENGTH > out.length) {
    throw invalidArgument(`BHS at byte ${at} does not fit in ${out.length} bytes`);
  }
}

/** Bytes 8..15: the LUN field. */
export function writeLunField(w: ByteWriter, lun: Uint8Array): void {
  if (lun.length !== 8) throw invalidArgument('LUN field must be 8 bytes');
  w.bytesAt(8, lun, 'LUN');
}

/** Bytes 5..7: DataSegmentLength, the length of `data`. */
export function writeDataSegmentLength(w: ByteWriter, data: Uint8Array): void {
  w.u24(5, data.length, 'DataSegmentLength');
}

/**
 * The opcode of a frame whose BHS is whole and whose data segment is as long as its
 * DataSegmentLength says; throws MalformedDataError otherwise. Every field a decoder reads lies
 * in the first 48 bytes, so this one check bounds all its reads.
 */
export function frameOpcode(frame: PduFrame): number {
  const b = frame.bhs;
  if (b.length < BHS_LENGTH) {
    throw new MalformedDataError(
      `Basic Header Segment needs bytes 0..47 but only ${b.length} are present`,
    );
  }
  const declared = readU24(b, 5);
  if (declared !== frame.data.length) {
    throw new MalformedDataError(
      `DataSegmentLength ${declared} but ${frame.data.length} data bytes present`,
    );
  }
  return b[0]! & 0x3f;
}

/** The error for an opcode no decoder of the direction asked knows. */
export function unknownOpcode(opcode: number, which = 'iSCSI'): MalformedDataError {
  return new MalformedDataError(
    `unknown ${which} opcode 0x${opcode.toString(16).padStart(2, '0')}`,
  );
}
