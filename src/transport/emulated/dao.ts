// DVD-R/RW Disc-at-Once on the virtual drive (MMC-6 4.5.3, write type 2 in the Write Parameters
// page): one track reserved with RESERVE TRACK on a blank disc, written from its start, and closed
// by the drive itself (lead-in and lead-out) at the SYNCHRONIZE CACHE that follows its last
// block. The host sends no CLOSE TRACK/SESSION (libburn and growisofs do not). A reservation that
// is not filled leaves the disc incomplete: nothing is closed until the track is full.

import { fail, Sense } from './check.js';
import type { WriteContext } from './disc-layout.js';
import type { Disc } from './disc.js';

/** DVD-R / DVD-RW sequential with the Write Parameters page set to DAO. */
export function isDvdMinusDao(disc: Disc, ctx: WriteContext): boolean {
  return (disc.spec.id === 'dvd-r' || disc.spec.id === 'dvd-rw') && ctx.writeType === 2;
}

/** RESERVE TRACK under DAO: the disc must be blank (DAO records the whole disc, one track). */
export function checkDaoReservation(disc: Disc, ctx: WriteContext): void {
  if (!isDvdMinusDao(disc, ctx) || ctx.testWrite) return;
  if (disc.finalized || disc.status().disc !== 'blank') {
    fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'Disc-at-Once needs a blank disc');
  }
}

/**
 * SYNCHRONIZE CACHE under DAO: once the reserved track holds every block of its reservation, the
 * drive writes the lead-out and the disc is complete. Returns whether it closed the disc.
 */
export function completeDao(disc: Disc, ctx: WriteContext): boolean {
  if (!isDvdMinusDao(disc, ctx) || ctx.testWrite || disc.finalized) return false;
  const t = disc.tracks.find((x) => x.reserved && !x.closed);
  if (t === undefined || t.size === undefined || t.nwa < t.start + t.size) return false;
  // Closing the session without a next one allowed finalizes a DVD-R (no finalize functions).
  disc.close(2, 0, ctx, false);
  return true;
}
