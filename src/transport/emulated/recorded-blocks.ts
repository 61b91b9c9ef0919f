// Which blocks of a virtual disc hold recorded data, the one question behind two rules of the
// disc model (disc.ts): a READ must stay within recorded (or formatted) blocks, and on a BD-R
// formatted SRM+POW a WRITE over recorded blocks is a pseudo-overwrite (MMC-6 §4.5, BD-R
// Pseudo-Overwrite, feature 0038h): the drive records the data elsewhere (a spare cluster or the
// open track's next writable address) and remaps the address, so a READ of those LBAs returns the
// new data. Where the replacement goes is not visible to the host; the virtual drive takes it
// from the spare area, so NWA, free blocks and track sizes do not change (docs/virtual-drive.md).

import { fail, Sense } from './check.js';
import type { DiscLayout, Track } from './disc-layout.js';

/** One past the last recorded block of a track (a closed track is recorded to its end). */
function recordedEnd(t: Track): number {
  return t.closed && t.size !== undefined ? t.start + t.size : t.nwa;
}

/** Throws unless every block of [lba, lba+blocks) holds recorded (or formatted) data. */
export function checkRecorded(disc: DiscLayout, lba: number, blocks: number): void {
  if (lba < 0 || lba + blocks > disc.capacity) fail(Sense.LBA_OUT_OF_RANGE, lba);
  if (disc.random) return;
  if (disc.spec.recording === 'random' && !disc.formatted) fail(Sense.LBA_OUT_OF_RANGE, lba);
  // DVD-R/-RW answer an unrecorded block with "illegal mode for this track" (LG GSA-H31N).
  const unrecorded =
    disc.spec.id === 'dvd-r' || disc.spec.id === 'dvd-rw'
      ? Sense.ILLEGAL_MODE_FOR_THIS_TRACK
      : Sense.LBA_OUT_OF_RANGE;
  for (let at = lba; at < lba + blocks;) {
    const t = disc.trackAt(at);
    if (t === undefined) fail(unrecorded, at, 'not within a recorded track');
    const end = recordedEnd(t);
    if (at >= end) fail(unrecorded, at, 'unrecorded block');
    at = end;
  }
}

/**
 * True when every block of [lba, lba+blocks) is recorded user data, so a WRITE there is a
 * pseudo-overwrite. A WRITE that only starts in recorded blocks and runs past the NWA is not:
 * it falls to the sequential rules and is refused (05/21/02), as MMC leaves a write that is half
 * overwrite, half append undefined.
 */
export function isPseudoOverwrite(disc: DiscLayout, lba: number, blocks: number): boolean {
  if (blocks <= 0 || lba < 0 || lba + blocks > disc.capacity) return false;
  for (let at = lba; at < lba + blocks;) {
    const t = disc.trackAt(at);
    if (t === undefined || at < t.start) return false;
    const end = recordedEnd(t);
    if (at >= end) return false;
    at = end;
  }
  return true;
}
