// Mode pages in general (SPC-4 7.5): the page codes and page-control values IMAPI2 names (spec
// §5), and the generic page format both page layouts share. Pure. The pages' own fields are
// decoded in ../mmc/mode-pages/; the mode parameter list around them in ./mode-parameters.ts.

import { ByteReader, ByteWriter } from '../bytes.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';

/**
 * Mode page codes IMAPI2 names (IMAPI_MODE_PAGE_TYPE, spec §5). An open set: any 6-bit code may
 * occur, so page codes are typed `number`.
 */
export const ModePageType = {
  READ_WRITE_ERROR_RECOVERY: 0x01,
  MRW: 0x03,
  WRITE_PARAMETERS: 0x05,
  CACHING: 0x08,
  POWER_CONDITION: 0x1a,
  INFORMATIONAL_EXCEPTIONS: 0x1c,
  TIMEOUT_AND_PROTECT: 0x1d,
  LEGACY_CAPABILITIES: 0x2a,
} as const;

/** Which values MODE SENSE returns (IMAPI_MODE_PAGE_REQUEST_TYPE = the PC field, spec §5). */
export const ModePageRequestType = {
  CURRENT_VALUES: 0,
  CHANGEABLE_VALUES: 1,
  DEFAULT_VALUES: 2,
  SAVED_VALUES: 3,
} as const;

export type ModePageRequestType = (typeof ModePageRequestType)[keyof typeof ModePageRequestType];

/** PAGE CODE that asks MODE SENSE for every page. */
export const ALL_MODE_PAGES = 0x3f;
/** SUBPAGE CODE that asks MODE SENSE for every subpage of the page code. */
export const ALL_MODE_SUBPAGES = 0xff;

/** One mode page as found in a mode parameter list, its bytes kept whole. */
export interface RawModePage {
  /** PAGE CODE, 6 bits. */
  readonly pageCode: number;
  /** SPF: the page uses the sub_page format (4-byte header, 16-bit length). */
  readonly spf: boolean;
  /** SUBPAGE CODE; 0 for a page_0 format page, which is subpage 0 by definition. */
  readonly subpageCode: number;
  /** PS: the device can save the page (MODE SENSE only; reserved in MODE SELECT). */
  readonly ps: boolean;
  /** PAGE LENGTH: bytes after the page header. */
  readonly pageLength: number;
  /** The whole page, header included: `2 + pageLength` or `4 + pageLength` bytes (a copy). */
  readonly bytes: Uint8Array;
}

// page_0 format:   byte 0 bit 7 PS, bit 6 SPF (0), bits 5..0 PAGE CODE; byte 1 PAGE LENGTH
// sub_page format: byte 0 bit 7 PS, bit 6 SPF (1), bits 5..0 PAGE CODE; byte 1 SUBPAGE CODE;
//                  bytes 2..3 PAGE LENGTH
/**
 * Decodes the page that starts at byte 0 of `bytes` (later bytes are ignored). Throws
 * MalformedDataError when the page is not complete.
 */
export function decodeModePage(bytes: Uint8Array): RawModePage {
  const r = new ByteReader(bytes);
  const spf = r.bit(0, 6);
  const header = spf ? 4 : 2;
  const pageLength = spf ? r.u16(2) : r.u8(1);
  r.need(0, header + pageLength, `mode page ${hexCode(r.bits(0, 0, 0x3f))}`);
  return {
    pageCode: r.bits(0, 0, 0x3f),
    spf,
    subpageCode: spf ? r.u8(1) : 0,
    ps: r.bit(0, 7),
    pageLength,
    bytes: r.slice(0, header + pageLength),
  };
}

/** The pages found in a run of mode pages, and whether the run was cut inside a page. */
export interface ModePageList {
  readonly pages: readonly RawModePage[];
  /** The bytes ended inside a page, which was dropped. */
  readonly truncated: boolean;
}

/**
 * Splits the page area of a mode parameter list into pages. With `allowTruncated` (a reply cut at
 * the allocation length), a page cut short ends the walk and is reported, not decoded; without
 * it, a page that overruns the bytes is malformed.
 */
export function splitModePages(
  bytes: Uint8Array,
  { allowTruncated = false }: { readonly allowTruncated?: boolean } = {},
): ModePageList {
  const r = new ByteReader(bytes);
  const pages: RawModePage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = r.bit(at, 6) ? 4 : 2; // SPF
    const size =
      at + header > bytes.length
        ? undefined
        : header + (header === 4 ? r.u16(at + 2) : r.u8(at + 1));
    if (size === undefined || at + size > bytes.length) {
      if (allowTruncated) return { pages, truncated: true };
      throw new MalformedDataError(`mode page at offset ${at} overruns the mode parameter list`);
    }
    pages.push(decodeModePage(bytes.subarray(at, at + size)));
    at += size;
  }
  return { pages, truncated: false };
}

/** The first page with this page code and subpage code, if any. */
export function findModePage(
  pages: readonly RawModePage[],
  pageCode: number,
  subpageCode = 0,
): RawModePage | undefined {
  return pages.find((p) => p.pageCode === pageCode && p.subpageCode === subpageCode);
}

/**
 * Checks that `bytes` start with a page_0 format page `pageCode` (for the page decoders) and
 * returns a reader, PS and the end of the page: `2 + PAGE LENGTH`, clamped to the bytes present.
 */
export function openModePage(
  bytes: Uint8Array,
  pageCode: number,
  name: string,
): { readonly r: ByteReader; readonly ps: boolean; readonly end: number } {
  const r = new ByteReader(bytes);
  r.need(0, 2, `${name} page header`);
  if (r.bits(0, 0, 0x3f) !== pageCode) {
    throw new MalformedDataError(
      `not a ${name} page: page code ${hexCode(r.bits(0, 0, 0x3f))}, expected ${hexCode(pageCode)}`,
    );
  }
  if (r.bit(0, 6)) throw new MalformedDataError(`${name} page has SPF set`);
  return { r, ps: r.bit(0, 7), end: Math.min(bytes.length, 2 + r.u8(1)) };
}

/** A zeroed page_0 format page with its header written: PS, PAGE CODE and PAGE LENGTH. */
export function newModePage(pageCode: number, pageLength: number, ps?: boolean): ByteWriter {
  if (!Number.isInteger(pageLength) || pageLength < 0 || pageLength > 0xff) {
    throw invalidArgument(`PAGE LENGTH must be 0..255, got ${String(pageLength)}`);
  }
  const w = new ByteWriter(2 + pageLength);
  w.flag(0, 7, ps); // PS
  w.bits(0, 0, 0x3f, pageCode, 'PAGE CODE');
  w.u8(1, pageLength, 'PAGE LENGTH');
  return w;
}

function hexCode(code: number): string {
  return `${code.toString(16).toUpperCase().padStart(2, '0')}h`;
}
