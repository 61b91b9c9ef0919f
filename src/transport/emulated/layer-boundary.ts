// The layer boundary of a virtual DVD+R DL (READ / SEND DISC STRUCTURE format 20h): where layer
// 0's data zone ends, which a host may move down while the disc is blank. With opposite track
// path both layers hold as much, so the disc's capacity is twice layer 0's. The boundary is kept
// as that capacity (the sidecar's `capacity`), so it survives reopening an image; the drive
// fixes it (InitStatus) once the host set it or anything is recorded.

import {
  decodeLayerBoundarySend,
  encodeLayerBoundaryInformation,
} from '../../scsi/mmc/layer-boundary.js';
import { fail, Sense } from './check.js';
import type { Disc } from './disc.js';

function fixed(disc: Disc): boolean {
  return disc.capacity < disc.rawCapacity || disc.status().disc !== 'blank';
}

/** READ DISC STRUCTURE 20h payload. */
export function readLayerBoundary(disc: Disc): Uint8Array {
  return encodeLayerBoundaryInformation({
    initStatus: fixed(disc),
    l0DataZoneCapacity: Math.floor(disc.capacity / 2),
  });
}

/** SEND DISC STRUCTURE 20h: a new layer 0 capacity, in whole ECC blocks, at most half the disc. */
export function sendLayerBoundary(disc: Disc, payload: Uint8Array): void {
  const l0 = decodeLayerBoundarySend(payload);
  if (fixed(disc)) {
    fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'the layer 0 capacity is fixed already');
  }
  const unit = disc.spec.allocationUnit;
  if (l0 === 0 || l0 % unit !== 0 || l0 > Math.floor(disc.rawCapacity / 2)) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `L0 data zone capacity ${l0}`);
  }
  disc.setCapacity(2 * l0);
}
