// What the drive itself says a section left on the disc, asked after the section ended (written,
// cancelled or failed), so the CLI's final report is read back from the drive, never inferred
// from the engine's counters (issue #15; docs/decisions.md, "The CLI's final report is the
// drive's"). In this order:
//
// 1. READ TRACK INFORMATION of the track holding the section's first LBA: on sequential media
//    (NWA_V set) the Next Writable Address is where the drive's recording ends, cached blocks
//    included; it also counts blocks of a WRITE that failed part-way (a medium error records the
//    blocks before the failing one), which the engine never saw acknowledged.
// 2. SYNCHRONIZE CACHE: only when it succeeds did everything the drive had accepted before it
//    reach the medium, so only then do the figures count as written. Asked in this order, every
//    block the NWA counts was accepted before the SYNCHRONIZE CACHE that confirms it.
//
// Random-access media (DVD-RAM, formatted DVD+RW/BD-RE) report no NWA: there the blocks the drive
// acknowledged with GOOD status, confirmed by a successful SYNCHRONIZE CACHE, are what is written;
// so too on a drive whose NWA stays behind the blocks it acknowledged (it does not track it).
// When SYNCHRONIZE CACHE fails, or the drive cannot be asked, nothing is confirmed and the report
// says so instead of a figure.

import type { DiscRecorder } from '../device/recorder.js';
import { ReadTrackAddressType } from '../device/types.js';

/** How the written extent was established. */
export type ConfirmedBy = 'track-information' | 'synchronize-cache';

/** The drive's account of one section. */
export interface DriveRecord {
  /**
   * Blocks of the section the drive recorded and confirmed, from its first LBA on; undefined when
   * the drive did not confirm any (SYNCHRONIZE CACHE failed, or it could not be asked).
   */
  readonly blocksWritten: number | undefined;
  readonly confirmedBy: ConfirmedBy | undefined;
  /** The drive's Next Writable Address after the section (sequential media). */
  readonly nextWritableAddress: number | undefined;
  /** Why nothing is confirmed: the SYNCHRONIZE CACHE failure, or why the drive was not asked. */
  readonly unconfirmed: unknown;
}

export interface SectionExtent {
  readonly lba: number;
  readonly blocks: number;
}

/** The NWA of the track holding `lba`, when the drive reports one (sequential media). */
async function nextWritableAddress(
  recorder: DiscRecorder,
  lba: number,
): Promise<number | undefined> {
  try {
    const track = await recorder.trackInformation(lba, ReadTrackAddressType.LBA);
    return track.nwaV ? track.nextWritableAddress : undefined;
  } catch {
    // No answer (a CD pre-gap LBA, a drive that lacks the command): the confirmed figure falls
    // back to what the drive acknowledged; SYNCHRONIZE CACHE still decides whether it counts.
    return undefined;
  }
}

/**
 * Asks the drive what the section at `extent` left on the disc; `acknowledged` is the number of
 * blocks the drive answered GOOD to (the engine's final count). Never throws.
 */
export async function askDrive(
  recorder: DiscRecorder,
  extent: SectionExtent,
  acknowledged: number,
): Promise<DriveRecord> {
  const nwa = await nextWritableAddress(recorder, extent.lba);
  try {
    await recorder.synchronizeCache();
  } catch (e) {
    return {
      blocksWritten: undefined,
      confirmedBy: undefined,
      nextWritableAddress: nwa,
      unconfirmed: e,
    };
  }
  if (nwa === undefined) {
    return {
      blocksWritten: acknowledged,
      confirmedBy: 'synchronize-cache',
      nextWritableAddress: undefined,
      unconfirmed: undefined,
    };
  }
  // The section starts at the NWA of sequential media; one the drive refused leaves it before.
  const recorded = Math.min(extent.blocks, Math.max(0, nwa - extent.lba));
  if (recorded < acknowledged) {
    // An NWA behind blocks the drive answered GOOD to is one it does not keep up to date (tgt's
    // DVD+R keeps NWA 0 whatever is written): its WRITEs' GOOD, confirmed by SYNCHRONIZE CACHE,
    // is then its word on the section.
    return {
      blocksWritten: acknowledged,
      confirmedBy: 'synchronize-cache',
      nextWritableAddress: nwa,
      unconfirmed: undefined,
    };
  }
  return {
    blocksWritten: recorded,
    confirmedBy: 'track-information',
    nextWritableAddress: nwa,
    unconfirmed: undefined,
  };
}
