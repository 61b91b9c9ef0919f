// What the image-backed virtual drive finds when it loads a disc whose last layout save came
// before the end of what was recorded (a process killed between two checkpoints, docs/
// virtual-drive.md "Persistence"): as a real drive finds the end of the recorded area of an
// open track after a power cut, instead of trusting its last saved NWA, the drive takes the
// blocks the image holds past that NWA as recorded. On a sequential disc the alternative would
// be to write them a second time at the old NWA, which a write-once disc cannot do.

import type { DiscLayout } from './disc-layout.js';

/**
 * Moves the NWA of the open track that holds the image's last whole block up to that block's
 * end, when the saved layout stops short of it. `imageBytes` is the image file's size (-1: none).
 *
 * Why the file size tells: on a sequential disc every WRITE goes to an open track's NWA and the
 * writer thread writes in the order the data came, so the image's last byte belongs to the newest
 * blocks of the track being written, and every block between its saved NWA and that byte is in
 * the file. Random-writable media need nothing: every block reads from the image. Blocks written
 * after the last save into a reserved track that is not the last one are not found this way.
 */
export function recoverRecordedTail(
  disc: DiscLayout,
  stride: number | undefined,
  imageBytes: number,
): void {
  if (stride === undefined || imageBytes < stride || disc.random || disc.finalized) return;
  const blocks = Math.floor(imageBytes / stride);
  const track = disc.trackAt(blocks - 1);
  if (track === undefined || track.closed || track.damaged) return;
  // An SAO/raw session still in its pre-gap (NWA below start) is left as saved.
  if (track.nwa >= blocks || track.nwa < track.start) return;
  const end = track.size === undefined ? disc.capacity : track.start + track.size;
  if (blocks > end) return;
  if (track.nwa === track.start && track.first === track.start) {
    // The track's first WRITE came after the last save: the track takes the modes a WRITE with
    // the drive's default Write Parameters gives it (Mode 1 data, 2048-byte blocks).
    track.trackMode = disc.spec.family === 'cd' ? 4 : 5;
    if (stride === 2048) track.dataMode = 1;
  }
  track.nwa = blocks;
}
