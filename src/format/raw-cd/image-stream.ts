// The result image of RawCDImageCreator: 2,448-byte raw sectors (main channel + raw P-W) from
// LBA −150 (the first track's pregap) through the end of the lead-out, produced chunk by chunk
// as an async iterable (an engine source: the write engine reads it like any stream).

import { DwError, HR } from '../../errors.js';
import {
  buildMode1Sector,
  buildMode2Form1Sector,
  buildMode2Form2Sector,
  RAW_SECTOR_BYTES,
} from '../../scsi/cd/sector.js';
import {
  CdSectorType,
  rawSubcodeAt,
  trackAt,
  type DiscLayout,
  type LaidOutTrack,
} from './layout.js';
import { TrackReader, type TrackData } from './track-source.js';

/** Sectors per yielded chunk: 26 × 2,448 = 63,648 bytes, the engine's chunk for this size. */
export const IMAGE_CHUNK_SECTORS = 26;
/** LBA of the image's first sector. */
export const IMAGE_START_LBA = -150;

/**
 * Builds the main channel of a sector of `track`'s type from its user data into `out`: audio is
 * the PCM itself, data sectors get sync, header, EDC and ECC.
 */
function mainChannel(type: CdSectorType, lba: number, user: Uint8Array, out: Uint8Array): void {
  switch (type) {
    case CdSectorType.AUDIO:
      out.set(user.subarray(0, RAW_SECTOR_BYTES));
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
    case CdSectorType.MODE2FORM0:
    case CdSectorType.MODE1RAW:
    case CdSectorType.MODE2FORM0RAW:
    case CdSectorType.MODE2FORM1RAW:
    case CdSectorType.MODE2FORM2RAW:
      // addTrack refuses every other type (E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED).
      throw new DwError(HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, {
        message: `sector type ${type} cannot be built`,
      });
  }
}

/**
 * Yields the image's sectors from the lead-in (layout.leadInStartLba, IMAGE_START_LBA without
 * one) through the lead-out, `IMAGE_CHUNK_SECTORS` at
 * a time (the last chunk shorter). Pregaps and the lead-out carry zero user data in the mode of
 * the track they belong to (the last track's for the lead-out). Sources are opened when reached
 * and closed when their track ends or the iteration stops.
 */
export async function* rawImageSectors(
  layout: DiscLayout,
  data: readonly TrackData[],
): AsyncGenerator<Uint8Array, void, undefined> {
  const end = layout.startOfLeadout + layout.leadOutSectors;
  const first = layout.tracks[0] as LaidOutTrack;
  const zeros = new Uint8Array(RAW_SECTOR_BYTES);
  const user = new Uint8Array(RAW_SECTOR_BYTES);
  let reader: TrackReader | undefined;
  let readerTrack: LaidOutTrack | undefined;
  try {
    for (let at = layout.leadInStartLba; at < end; at += IMAGE_CHUNK_SECTORS) {
      const count = Math.min(IMAGE_CHUNK_SECTORS, end - at);
      const chunk = new Uint8Array(count * 2448);
      for (let i = 0; i < count; i++) {
        const lba = at + i;
        const sector = chunk.subarray(i * 2448, i * 2448 + RAW_SECTOR_BYTES);
        const leadOut = lba >= layout.startOfLeadout;
        // The lead-in's main channel is in the first track's mode, the lead-out's in the last's.
        const track = leadOut
          ? (layout.tracks[layout.tracks.length - 1] as LaidOutTrack)
          : (trackAt(layout, lba) ?? first);
        if (leadOut || lba < track.startingLba) {
          mainChannel(track.sectorType, lba, zeros, sector);
        } else {
          if (readerTrack !== track) {
            await reader?.close();
            reader = undefined;
            readerTrack = track;
            const index = layout.tracks.indexOf(track);
            reader = await TrackReader.open(data[index] as TrackData);
          }
          await (reader as TrackReader).readSector(lba - track.startingLba, user);
          mainChannel(track.sectorType, lba, user, sector);
        }
        rawSubcodeAt(layout, lba, chunk.subarray(i * 2448 + RAW_SECTOR_BYTES, (i + 1) * 2448));
      }
      yield chunk;
    }
  } finally {
    await reader?.close();
  }
}
