// The formats the virtual drive offers per media: the formattable capacity descriptors READ
// FORMAT CAPACITIES lists (MMC-6 6.24) and FORMAT UNIT accepts (6.5). Pure data. The values are
// what real drives report for a standard disc (docs/virtual-drive.md, "Checked against real
// drives", and test/fixtures/drives/); a disc with another `capacity=` gets them scaled.

import type { MediaSpec } from './media.js';

/** One formattable capacity descriptor. */
export interface FormatOffer {
  /** Format Type (FormatType of src/scsi/mmc/format-unit.ts). */
  readonly formatType: number;
  /** User blocks once formatted this way. */
  readonly blocks: number;
  /** Type Dependent Parameter as real drives report it (BD: spare clusters; DVD: block or ECC size). */
  readonly typeDependentParameter: number;
}

/** [format type, blocks of a standard disc, type dependent parameter] per media, in list order. */
const OFFERS: Readonly<Record<string, readonly (readonly [number, number, number])[]>> = {
  // DVD+RW: the basic format; TDP 0 (bit 0 would be Restart).
  'dvd+rw': [[0x26, 2295104, 0]],
  // DVD-RW: full format (TDP = block length), full and quick format to restricted overwrite
  // (TDP = ECC block of 16). libburn prefers 00h.
  'dvd-rw': [
    [0x00, 2297888, 0x800],
    [0x10, 2297888, 0x10],
    [0x15, 2297888, 0x10],
  ],
  // DVD-RAM: default format (with spares), format without supplementary spare, two spare area
  // expansions (TSST SH-S182M).
  'dvd-ram': [
    [0x00, 2236704, 0x800],
    [0x00, 2295072, 0x800],
    [0x01, 2226976, 0x800],
    [0x01, 2217248, 0x800],
  ],
  // BD-RE: default format, three spare sizes (TDP = spare clusters), without spares (libburn mmc.c).
  'bd-re': [
    [0x00, 11826176, 0x3000],
    [0x30, 11826176, 0x3000],
    [0x30, 11564032, 0x5000],
    [0x30, 12088320, 0x1000],
    [0x31, 12219392, 0x800],
  ],
  // BD-R: default format with spares, and three SRM formats with spares (LG WH16NS40).
  'bd-r': [
    [0x00, 11826176, 0x3000],
    [0x32, 11826176, 0],
    [0x32, 5796864, 0],
    [0x32, 12088320, 0],
  ],
};

/** The descriptors for a disc of `rawCapacity` blocks (scaled from the standard disc's values). */
export function formatOffers(spec: MediaSpec, rawCapacity: number): FormatOffer[] {
  const offers = OFFERS[spec.id] ?? [];
  const unit = spec.allocationUnit;
  const scale = (n: number): number => {
    if (rawCapacity === spec.capacity) return n;
    // Keep the same share of spare area, in whole allocation units, never below one unit.
    return Math.max(unit, Math.floor((n * rawCapacity) / spec.capacity / unit) * unit);
  };
  return offers.map(([formatType, blocks, typeDependentParameter]) => ({
    formatType,
    blocks: scale(blocks),
    typeDependentParameter,
  }));
}

/**
 * The offer a FORMAT UNIT descriptor selects: the one of its type whose size it names; with a
 * Number of Blocks of 0 or FFFFFFFFh (or one the list lacks, on DVD), the first of its type.
 * Undefined when the type is not offered. BD (30h, 32h) takes other sizes too: the caller checks.
 */
export function selectOffer(
  offers: readonly FormatOffer[],
  formatType: number,
  numberOfBlocks: number,
): FormatOffer | undefined {
  const ofType = offers.filter((o) => o.formatType === formatType);
  return ofType.find((o) => o.blocks === numberOfBlocks) ?? ofType[0];
}
