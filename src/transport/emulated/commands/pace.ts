// Pacing a WRITE through the virtual drive's buffer (buffer.ts, docs/virtual-drive.md "Pacing"):
// shared by the block WRITEs (block-io.ts) and the Session-at-Once stream after a cue sheet
// (cue.ts).

import { fail, Sense } from '../check.js';
import type { DriveCore } from '../core.js';
import type { Track } from '../disc-layout.js';
import type { Exchange } from './exchange.js';

/**
 * A WRITE's data entering the paced drive buffer (buffer.ts): an underrun since the last WRITE
 * is bridged (BUFE, or media that always link) or fails the WRITE with 03/0C/09 and damages the
 * track; a full buffer holds the WRITE (or answers busy). Nothing to do on an unpaced drive.
 */
export async function pace(
  core: DriveCore,
  x: Exchange,
  track: Track | undefined,
  lba: number,
  bytes: number,
): Promise<void> {
  const buffer = core.buffer;
  if (!buffer.paced) return;
  const disc = core.media();
  if (buffer.underran()) {
    if (!disc.spec.bufeControlled || core.writeParameters.bufe) {
      buffer.linked();
    } else {
      buffer.lost();
      if (track !== undefined && !core.writeContext().testWrite) disc.damage(track);
      core.dirty = true;
      fail(Sense.LOSS_OF_STREAMING, lba >>> 0);
    }
  }
  const waitMs = buffer.waitFor(bytes);
  if (waitMs > 0) {
    if (core.options.onFullBuffer === 'busy') fail(Sense.NOT_READY_LONG_WRITE_IN_PROGRESS);
    await x.wait(waitMs);
  }
  buffer.accept(bytes);
}
