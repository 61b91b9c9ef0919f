// Vital product data pages the recorder reads for its transfer limits (SPC-4 7.8.14, SBC-3
// 6.5.3): Supported VPD Pages (00h) and Block Limits (B0h). Pure codec: the pages' data, decoded
// for the recorder and encoded for the virtual drive. The CDB is INQUIRY's (inquiry.ts, EVPD = 1).
//
// Block Limits is an SBC page; MMC does not define it and most optical drives do not list it
// (docs/decisions.md, "Transfer size from the path"). Its length fields count logical blocks.

import { ByteReader, ByteWriter } from '../bytes.js';
import { MalformedDataError } from '../../errors.js';

/** VPD page codes used here. */
export const VpdPage = {
  SUPPORTED_VPD_PAGES: 0x00,
  BLOCK_LIMITS: 0xb0,
} as const;

/** Header of every VPD page: peripheral byte, PAGE CODE, PAGE LENGTH (u16). */
const VPD_HEADER = 4;

/** Bytes of Block Limits up to and including OPTIMAL TRANSFER LENGTH (SBC-2's whole page). */
const BLOCK_LIMITS_MIN = 16;

/** Block Limits as SBC-4 encodes it (page length 3Ch). */
const BLOCK_LIMITS_LENGTH = 64;

/** Total bytes of a VPD page from its 4-byte header, to re-issue with enough room. */
export function vpdPageLength(bytes: Uint8Array): number {
  return new ByteReader(bytes).u16(2) + VPD_HEADER;
}

/**
 * The pages a Supported VPD Pages reply lists (codes the reply's PAGE LENGTH covers and the bytes
 * present hold). Throws MalformedDataError for a short header or another page's data.
 */
export function decodeSupportedVpdPages(bytes: Uint8Array): number[] {
  const r = new ByteReader(bytes);
  r.need(0, VPD_HEADER, 'Supported VPD Pages header');
  if (r.u8(1) !== VpdPage.SUPPORTED_VPD_PAGES) {
    throw new MalformedDataError(`expected VPD page 00h, got ${r.u8(1).toString(16)}h`);
  }
  const end = Math.min(bytes.length, VPD_HEADER + r.u16(2));
  return Array.from(bytes.subarray(VPD_HEADER, end));
}

// byte 0      PERIPHERAL QUALIFIER | PERIPHERAL DEVICE TYPE
// byte 1      PAGE CODE (00h)
// bytes 2..3  PAGE LENGTH (n)
// bytes 4..   the supported page codes, ascending
export function encodeSupportedVpdPages(peripheral: number, pages: readonly number[]): Uint8Array {
  const w = new ByteWriter(VPD_HEADER + pages.length);
  w.u8(0, peripheral, 'PERIPHERAL');
  w.u8(1, VpdPage.SUPPORTED_VPD_PAGES, 'PAGE CODE');
  w.u16(2, pages.length, 'PAGE LENGTH');
  pages.forEach((p, i) => w.u8(VPD_HEADER + i, p, 'VPD PAGE CODE'));
  return w.bytes;
}

/** The Block Limits fields a writer needs; 0 means "not reported" (SBC-3). */
export interface BlockLimits {
  /** OPTIMAL TRANSFER LENGTH GRANULARITY, logical blocks. */
  readonly optimalTransferLengthGranularity: number;
  /** MAXIMUM TRANSFER LENGTH, logical blocks (0: no limit reported). */
  readonly maximumTransferLength: number;
  /** OPTIMAL TRANSFER LENGTH, logical blocks (0: none reported). */
  readonly optimalTransferLength: number;
}

/**
 * Decodes Block Limits. Needs the 16 bytes through OPTIMAL TRANSFER LENGTH, both present and
 * covered by the PAGE LENGTH; the rest of the page is not read.
 */
export function decodeBlockLimits(bytes: Uint8Array): BlockLimits {
  const r = new ByteReader(bytes);
  r.need(0, BLOCK_LIMITS_MIN, 'Block Limits VPD page');
  if (r.u8(1) !== VpdPage.BLOCK_LIMITS) {
    throw new MalformedDataError(`expected VPD page B0h, got ${r.u8(1).toString(16)}h`);
  }
  if (r.u16(2) + VPD_HEADER < BLOCK_LIMITS_MIN) {
    throw new MalformedDataError(`Block Limits PAGE LENGTH ${r.u16(2)} is below 12`);
  }
  return {
    optimalTransferLengthGranularity: r.u16(6),
    maximumTransferLength: r.u32(8),
    optimalTransferLength: r.u32(12),
  };
}

// byte 0       PERIPHERAL QUALIFIER | PERIPHERAL DEVICE TYPE
// byte 1       PAGE CODE (B0h)
// bytes 2..3   PAGE LENGTH (3Ch)
// byte 4       bit 0 WSNZ (0)
// byte 5       MAXIMUM COMPARE AND WRITE LENGTH (0)
// bytes 6..7   OPTIMAL TRANSFER LENGTH GRANULARITY
// bytes 8..11  MAXIMUM TRANSFER LENGTH
// bytes 12..15 OPTIMAL TRANSFER LENGTH
// bytes 16..63 prefetch, unmap and atomic-write limits: 0 (not reported)
export function encodeBlockLimits(peripheral: number, v: BlockLimits): Uint8Array {
  const w = new ByteWriter(BLOCK_LIMITS_LENGTH);
  w.u8(0, peripheral, 'PERIPHERAL');
  w.u8(1, VpdPage.BLOCK_LIMITS, 'PAGE CODE');
  w.u16(2, BLOCK_LIMITS_LENGTH - VPD_HEADER, 'PAGE LENGTH');
  w.u16(6, v.optimalTransferLengthGranularity, 'OPTIMAL TRANSFER LENGTH GRANULARITY');
  w.u32(8, v.maximumTransferLength, 'MAXIMUM TRANSFER LENGTH');
  w.u32(12, v.optimalTransferLength, 'OPTIMAL TRANSFER LENGTH');
  return w.bytes;
}
