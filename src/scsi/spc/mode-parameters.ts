// The mode parameter list of MODE SENSE(10) and MODE SELECT(10) (SPC-4 7.5): the mode parameter
// header(10), block descriptors and mode pages. Pure. Shared by ./mode-sense-10.ts (device to
// host) and ./mode-select-10.ts (host to device), which differ only in what is reserved.

import { ByteReader, ByteWriter } from '../bytes.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { splitModePages, type RawModePage } from './mode-pages.js';

/** Mode parameter header(10) (SPC-4 7.5.5). */
export interface ModeParameterHeader10 {
  /** MODE DATA LENGTH: bytes after this field (MODE SENSE); reserved, 0, in MODE SELECT. */
  readonly modeDataLength: number;
  /** MEDIUM TYPE; 0 for MMC devices. */
  readonly mediumType: number;
  /** DEVICE-SPECIFIC PARAMETER, device-type dependent (SBC: bit 7 WP, bit 4 DPOFUA). */
  readonly deviceSpecificParameter: number;
  /** LONGLBA: the block descriptors are 16-byte long LBA descriptors. */
  readonly longLba: boolean;
  /** BLOCK DESCRIPTOR LENGTH in bytes. */
  readonly blockDescriptorLength: number;
}

/**
 * A block descriptor: the 8-byte general mode parameter block descriptor (SPC-4, what
 * MMC drives send) or, with LONGLBA, the 16-byte long LBA one (SPC-4), which has no
 * density code.
 */
export interface ModeBlockDescriptor {
  /** DENSITY CODE; absent in long LBA descriptors. */
  readonly densityCode?: number;
  /** NUMBER OF BLOCKS: 24 bits (short) or 64 bits up to 2^53 (long). */
  readonly numberOfBlocks: number;
  /** BLOCK LENGTH in bytes: 24 bits (short) or 32 bits (long). */
  readonly blockLength: number;
}

/** A decoded mode parameter list. */
export interface ModeParameterList10 {
  readonly header: ModeParameterHeader10;
  readonly blockDescriptors: readonly ModeBlockDescriptor[];
  readonly pages: readonly RawModePage[];
  /**
   * The bytes ended before the MODE DATA LENGTH did (a reply cut at the allocation length): only
   * complete descriptors and pages are listed. Re-issue with `2 + modeDataLength` bytes.
   */
  readonly truncated: boolean;
}

/** What a mode parameter list is built from. */
export interface ModeParameterList10Init {
  readonly mediumType?: number;
  readonly deviceSpecificParameter?: number;
  readonly longLba?: boolean;
  readonly blockDescriptors?: readonly ModeBlockDescriptor[];
  /** Whole pages, header included, each exactly as long as its PAGE LENGTH says. */
  readonly pages?: readonly Uint8Array[];
}

export const MODE_PARAMETER_HEADER_10_LENGTH = 8;
const SHORT_DESCRIPTOR = 8;
const LONG_DESCRIPTOR = 16;

/** `2 + MODE DATA LENGTH`: the whole MODE SENSE(10) reply's length, from its first 2 bytes. */
export function modeParameterList10Length(bytes: Uint8Array): number {
  return new ByteReader(bytes).u16(0) + 2;
}

/**
 * Decodes a mode parameter list. For MODE SENSE (`modeSelect` false) the MODE DATA LENGTH bounds
 * the structure and a reply cut shorter is reported as `truncated`; for MODE SELECT the field is
 * reserved and the list is the bytes given.
 */
export function decodeModeParameterList10(
  bytes: Uint8Array,
  { modeSelect = false }: { readonly modeSelect?: boolean } = {},
): ModeParameterList10 {
  const r = new ByteReader(bytes);
  r.need(0, MODE_PARAMETER_HEADER_10_LENGTH, 'mode parameter header(10)');
  const header: ModeParameterHeader10 = {
    modeDataLength: r.u16(0),
    mediumType: r.u8(2),
    deviceSpecificParameter: r.u8(3),
    longLba: r.bit(4, 0),
    blockDescriptorLength: r.u16(6),
  };
  let declaredEnd = bytes.length;
  if (!modeSelect) {
    declaredEnd = header.modeDataLength + 2;
    if (declaredEnd < MODE_PARAMETER_HEADER_10_LENGTH) {
      throw new MalformedDataError(
        `MODE DATA LENGTH ${header.modeDataLength} is shorter than the mode parameter header`,
      );
    }
  }
  const end = Math.min(bytes.length, declaredEnd);
  const truncated = end < declaredEnd;

  const descriptorSize = header.longLba ? LONG_DESCRIPTOR : SHORT_DESCRIPTOR;
  if (header.blockDescriptorLength % descriptorSize !== 0) {
    throw new MalformedDataError(
      `BLOCK DESCRIPTOR LENGTH ${header.blockDescriptorLength} is not a multiple of ${descriptorSize}`,
    );
  }
  const pagesAt = MODE_PARAMETER_HEADER_10_LENGTH + header.blockDescriptorLength;
  if (pagesAt > declaredEnd) {
    throw new MalformedDataError(
      `block descriptors (${header.blockDescriptorLength} bytes) overrun the mode data`,
    );
  }
  const blockDescriptors: ModeBlockDescriptor[] = [];
  for (
    let at = MODE_PARAMETER_HEADER_10_LENGTH;
    at + descriptorSize <= Math.min(pagesAt, end);
    at += descriptorSize
  ) {
    blockDescriptors.push(
      header.longLba
        ? { numberOfBlocks: r.u64(at), blockLength: r.u32(at + 12) }
        : { densityCode: r.u8(at), numberOfBlocks: r.u24(at + 1), blockLength: r.u24(at + 5) },
    );
  }
  if (pagesAt >= end) return { header, blockDescriptors, pages: [], truncated };
  const split = splitModePages(bytes.subarray(pagesAt, end), { allowTruncated: truncated });
  return { header, blockDescriptors, pages: split.pages, truncated };
}

// bytes 0..1   MODE DATA LENGTH (MODE SENSE: n - 1; MODE SELECT: reserved, 0)
// byte 2       MEDIUM TYPE
// byte 3       DEVICE-SPECIFIC PARAMETER
// byte 4       bit 0 LONGLBA
// byte 5       Reserved
// bytes 6..7   BLOCK DESCRIPTOR LENGTH
// then         block descriptors:
//                short (8): byte 0 DENSITY CODE, bytes 1..3 NUMBER OF BLOCKS, byte 4 Reserved,
//                           bytes 5..7 BLOCK LENGTH
//                long (16): bytes 0..7 NUMBER OF LOGICAL BLOCKS, bytes 8..11 Reserved,
//                           bytes 12..15 LOGICAL BLOCK LENGTH
// then         mode pages, each whole
/**
 * Builds a mode parameter list. For MODE SELECT the MODE DATA LENGTH stays 0 and each page's PS
 * bit is cleared, both being reserved there (SPC-4 7.5).
 */
export function encodeModeParameterList10(
  v: ModeParameterList10Init,
  { modeSelect = false }: { readonly modeSelect?: boolean } = {},
): Uint8Array {
  const descriptors = v.blockDescriptors ?? [];
  const pages = v.pages ?? [];
  pages.forEach(checkWholePage);
  const descriptorSize = v.longLba === true ? LONG_DESCRIPTOR : SHORT_DESCRIPTOR;
  const descriptorLength = descriptors.length * descriptorSize;
  const pagesAt = MODE_PARAMETER_HEADER_10_LENGTH + descriptorLength;
  const total = pages.reduce((n, p) => n + p.length, pagesAt);
  if (total - 2 > 0xffff)
    throw invalidArgument(`mode parameter list of ${total} bytes is too long`);

  const w = new ByteWriter(total);
  if (!modeSelect) w.u16(0, total - 2, 'MODE DATA LENGTH');
  w.u8(2, v.mediumType ?? 0, 'MEDIUM TYPE');
  w.u8(3, v.deviceSpecificParameter ?? 0, 'DEVICE-SPECIFIC PARAMETER');
  w.flag(4, 0, v.longLba); // LONGLBA
  w.u16(6, descriptorLength, 'BLOCK DESCRIPTOR LENGTH');
  descriptors.forEach((d, i) => {
    const at = MODE_PARAMETER_HEADER_10_LENGTH + i * descriptorSize;
    if (v.longLba === true) {
      if (d.densityCode !== undefined) {
        throw invalidArgument('long LBA block descriptors have no DENSITY CODE');
      }
      w.u64(at, d.numberOfBlocks, 'NUMBER OF LOGICAL BLOCKS');
      w.u32(at + 12, d.blockLength, 'LOGICAL BLOCK LENGTH');
    } else {
      w.u8(at, d.densityCode ?? 0, 'DENSITY CODE');
      w.u24(at + 1, d.numberOfBlocks, 'NUMBER OF BLOCKS');
      w.u24(at + 5, d.blockLength, 'BLOCK LENGTH');
    }
  });
  let at = pagesAt;
  for (const page of pages) {
    w.bytesAt(at, page, 'mode page');
    if (modeSelect) w.bytes[at] = (w.bytes[at] ?? 0) & 0x7f; // PS is reserved in MODE SELECT
    at += page.length;
  }
  return w.bytes;
}

/** A page must be complete and exactly as long as its own PAGE LENGTH, or the list misparses. */
function checkWholePage(page: Uint8Array, index: number): void {
  const spf = ((page[0] ?? 0) & 0x40) !== 0;
  const header = spf ? 4 : 2;
  if (page.length < header) throw invalidArgument(`mode page #${index} is shorter than its header`);
  const pageLength = spf ? ((page[2] ?? 0) << 8) | (page[3] ?? 0) : (page[1] ?? 0);
  if (page.length !== header + pageLength) {
    throw invalidArgument(
      `mode page #${index} is ${page.length} bytes but its PAGE LENGTH says ${header + pageLength}`,
    );
  }
}
