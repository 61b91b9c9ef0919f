// The result image of RawCDImageCreator: raw sectors from LBA −150 (the first track's pregap) or
// the lead-in through the end of the lead-out, produced chunk by chunk as an async iterable (an
// engine source: the write engine reads it like any stream). Each sector is the 2,352-byte main
// channel and its sub-channel in the result type's form (docs/raw-cd.md, "Result sector types"):
// IS_RAW and IS_COOKED 96 bytes (P and Q in bits 7 and 6, R-W in bits 5..0), PQ_ONLY the 16-byte
// P-Q block (src/scsi/cd/pq16.ts).

import { DwError, HR } from '../../errors.js';
import {
  bcdMsf,
  buildMode1Sector,
  buildMode2Form1Sector,
  buildMode2Form2Sector,
  RAW_SECTOR_BYTES,
  SYNC_PATTERN,
} from '../../scsi/cd/sector.js';
import { encodeQ, encodePq16 } from '../../scsi/cd/index.js';
import { lbaToMsf } from '../../scsi/mmc/msf.js';
import {
  CdSectorType,
  Format2RawCdDataSectorType,
  RAW_CD_SECTOR_BYTES,
  pFlagAt,
  qFrameAt,
  rawSubcodeAt,
  trackAt,
  type DiscLayout,
  type LaidOutTrack,
} from './layout.js';
import { TrackReader, type TrackData } from './track-source.js';
import { RW_BLOCK_BYTES, SubcodeRWReader, type SubcodeRWSource } from './subcode-rw.js';

/** Sectors per yielded chunk: as many as fit 64 KiB (26 of 2,448 bytes, 27 of 2,368). */
export function imageChunkSectors(bytesPerSector: number): number {
  return Math.floor(65536 / bytesPerSector);
}
/** LBA of the image's first sector. */
export const IMAGE_START_LBA = -150;

// A Mode 2 (formless) sector, ECMA-130 §14.5:
// bytes 0..11 sync, 12..14 BCD MSF address, 15 mode (2), 16..2351 user data (2,336 bytes).
function buildMode2FormlessSector(lba: number, user: Uint8Array, out: Uint8Array): void {
  out.set(SYNC_PATTERN, 0);
  out.set(bcdMsf(lbaToMsf(lba)), 12);
  out[15] = 2;
  out.set(user.subarray(0, 2336), 16);
}

/**
 * Builds the main channel of a sector of `track`'s type from its user data into `out`: audio is
 * the PCM itself, data sectors get sync, header, EDC and ECC; the *RAW types are the source's
 * 2,352 bytes as they are.
 */
function mainChannel(type: CdSectorType, lba: number, user: Uint8Array, out: Uint8Array): void {
  switch (type) {
    case CdSectorType.AUDIO:
    case CdSectorType.MODE1RAW:
    case CdSectorType.MODE2FORM0RAW:
    case CdSectorType.MODE2FORM1RAW:
    case CdSectorType.MODE2FORM2RAW:
      out.set(user.subarray(0, RAW_SECTOR_BYTES));
      return;
    case CdSectorType.MODE2FORM0:
      buildMode2FormlessSector(lba, user, out);
      return;
    case CdSectorType.MODE1:
      buildMode1Sector(lba, user.subarray(0, 2048), out);
      return;
    case CdSectorType.MODE2FORM1:
      buildMode2Form1Sector(lba, user.subarray(0, 2048), undefined, out);
      return;
    case CdSectorType.MODE2FORM2:
      buildMode2Form2Sector(lba, user.subarray(0, 2324), undefined, out);
      return;
    case CdSectorType.MODE_ZERO:
      // addTrack refuses every other type (E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED).
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, {
        message: `sector type ${type} cannot be built`,
      });
  }
}

/**
 * The main channel of a sector no source covers (a generated pregap or postgap, the lead-in and
 * the lead-out): zero user data in the track's mode; for the raw types Mode 1 (MODE1RAW) or
 * Mode 2 formless (the MODE2*RAW types) sectors, since their mode bytes come from the source.
 */
function generatedSector(
  type: CdSectorType,
  lba: number,
  zeros: Uint8Array,
  out: Uint8Array,
): void {
  if (type === CdSectorType.MODE1RAW) {
    buildMode1Sector(lba, zeros.subarray(0, 2048), out);
  } else if (
    type === CdSectorType.MODE2FORM0RAW ||
    type === CdSectorType.MODE2FORM1RAW ||
    type === CdSectorType.MODE2FORM2RAW
  ) {
    buildMode2FormlessSector(lba, zeros, out);
  } else {
    mainChannel(type, lba, zeros, out);
  }
}

/** How the image is made beside its tracks: the result type, the caller's R-W, a special pregap. */
export interface ImageOptions {
  readonly sectorType: Format2RawCdDataSectorType;
  readonly rw?: SubcodeRWSource | undefined;
  /** Audio for track 1's whole pregap from LBA −150 (addSpecialPregap). */
  readonly pregap?: TrackData | undefined;
}

/**
 * The sub-channel of `lba` into `out` in the result type's form. `rw` (the caller's 96 bytes)
 * fills R-W; in the lead-in of an image with CD-TEXT those bytes must be zero, the CD-TEXT
 * taking the R-W there.
 */
function subcodeAt(
  layout: DiscLayout,
  lba: number,
  type: Format2RawCdDataSectorType,
  rw: Uint8Array | undefined,
  out: Uint8Array,
): void {
  if (type === Format2RawCdDataSectorType.SUBCODE_PQ_ONLY) {
    encodePq16(pFlagAt(layout, lba), encodeQ(qFrameAt(layout, lba)), out);
    return;
  }
  rawSubcodeAt(layout, lba, out);
  if (rw === undefined) return;
  const text = layout.cdTextSymbols !== undefined && lba < -150;
  for (let i = 0; i < RW_BLOCK_BYTES; i++) {
    const v = rw[i] as number;
    if (text && v !== 0) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `R-W sub-code byte ${i} of lead-in LBA ${lba} is not zero; the lead-in's R-W carry the CD-TEXT`,
      });
    }
    out[i] = (out[i] as number) | v;
  }
}

/**
 * Yields the image's sectors from the lead-in (layout.leadInStartLba, IMAGE_START_LBA without
 * one) through the lead-out, `imageChunkSectors` at a time (the last chunk shorter). Pregaps
 * and the lead-out carry zero user data in the mode of the track they belong to (the last
 * track's for the lead-out). Sources are opened when reached and closed when their track ends or
 * the iteration stops.
 */
export async function* rawImageSectors(
  layout: DiscLayout,
  data: readonly TrackData[],
  subcode: ImageOptions = { sectorType: Format2RawCdDataSectorType.SUBCODE_IS_RAW },
): AsyncGenerator<Uint8Array, void, undefined> {
  const end = layout.startOfLeadout + layout.leadOutSectors;
  const first = layout.tracks[0] as LaidOutTrack;
  const bytes = RAW_CD_SECTOR_BYTES[subcode.sectorType];
  const perChunk = imageChunkSectors(bytes);
  const zeros = new Uint8Array(RAW_SECTOR_BYTES);
  const user = new Uint8Array(RAW_SECTOR_BYTES);
  const rwBlock = new Uint8Array(RW_BLOCK_BYTES);
  const rw = subcode.rw === undefined ? undefined : new SubcodeRWReader(subcode.rw);
  let reader: TrackReader | undefined;
  let readerTrack: LaidOutTrack | undefined;
  let pregap: TrackReader | undefined;
  let done = false;
  try {
    for (let at = layout.leadInStartLba; at < end; at += perChunk) {
      const count = Math.min(perChunk, end - at);
      const chunk = new Uint8Array(count * bytes);
      const subcodeOf = async (lba: number) => {
        if (rw !== undefined) await rw.next(lba, rwBlock);
        const sub = chunk.subarray((lba - at) * bytes + RAW_SECTOR_BYTES, (lba - at + 1) * bytes);
        subcodeAt(layout, lba, subcode.sectorType, rw === undefined ? undefined : rwBlock, sub);
      };
      for (let i = 0; i < count; i++) {
        const lba = at + i;
        const sector = chunk.subarray(i * bytes, i * bytes + RAW_SECTOR_BYTES);
        const leadOut = lba >= layout.startOfLeadout;
        // The lead-in's main channel is in the first track's mode, the lead-out's in the last's.
        const track = leadOut
          ? (layout.tracks[layout.tracks.length - 1] as LaidOutTrack)
          : (trackAt(layout, lba) ?? first);
        const special = subcode.pregap;
        if (special !== undefined && lba >= IMAGE_START_LBA && lba < first.startingLba) {
          // Track 1's pregap from the special pregap's audio (addSpecialPregap).
          const n = lba - IMAGE_START_LBA;
          pregap ??= await TrackReader.open(special);
          await pregap.readSector(n, user);
          if (n === special.sectorCount - 1) {
            await pregap.close();
            pregap = undefined;
          }
          mainChannel(CdSectorType.AUDIO, lba, user, sector);
          await subcodeOf(lba);
          continue;
        }
        const index = layout.tracks.indexOf(track);
        const d = data[index] as TrackData;
        // The source's first sector lies at startingLba − pregapInSource; sectors before it
        // (a generated pregap) and after it (a postgap) are generated.
        const n = lba - (track.startingLba - (d.pregapInSource ?? 0));
        if (leadOut || lba < track.pregapLba || n < 0 || n >= d.sectorCount) {
          generatedSector(track.sectorType, lba, zeros, sector);
        } else {
          if (readerTrack !== track) {
            await reader?.close();
            reader = undefined;
            readerTrack = track;
            reader = await TrackReader.open(d);
          }
          await (reader as TrackReader).readSector(n, user);
          if (n === d.sectorCount - 1) {
            // The engine may stop pulling after the last sector without ending the iteration,
            // so a source is closed as soon as its last sector is read.
            await reader?.close();
            reader = undefined;
          }
          mainChannel(track.sectorType, lba, user, sector);
        }
        await subcodeOf(lba);
      }
      // The caller's R-W must end with the image: checked before its last chunk is handed on.
      if (at + count === end) {
        done = true;
        await rw?.end(end);
      }
      yield chunk;
    }
  } finally {
    await reader?.close();
    await pregap?.close();
    if (!done) await rw?.close();
  }
}
