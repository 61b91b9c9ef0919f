// The virtual drive's exclusive access (Transport.exclusiveAccess). Image-backed: the image lock
// (image/image-lock.ts), plus the two steps that make it mean something for a disc kept in
// files. Once the lock is taken the drive reads the sidecar again, since it read it when it
// opened, before the lock, and another process may have recorded in between. Before the lock is
// let go the drive's cache and layout go to the image, so the next holder opens what this one
// recorded. A lock file the file system refuses is reported as the image's files are
// (image/image-errors.ts). In memory: a per-drive lock (DriveLock), as nothing else can reach
// that disc.

import type { ExclusiveAccessHooks } from '../transport.js';
import type { DriveCore } from './core.js';
import { imageFileError } from './image/image-errors.js';
import { DriveLock, ImageLock, lockPathOf } from './image/image-lock.js';

export function virtualExclusiveAccess(
  core: DriveCore,
  isClosed: () => boolean,
): ExclusiveAccessHooks {
  const image = core.options.image;
  if (image === undefined) return new DriveLock();
  const lock = new ImageLock(image);
  return {
    async acquire(force, clientName) {
      const first = !lock.isHeld;
      await lock.acquire(force, clientName).catch((e: unknown) => {
        throw imageFileError(lockPathOf(image), 'creating', e);
      });
      if (!first) return;
      try {
        await core.refresh();
      } catch (e) {
        await lock.release();
        throw e;
      }
    },
    async release() {
      if (!lock.isHeld) return;
      try {
        if (!isClosed() && core.disc !== undefined) await core.flush();
      } finally {
        await lock.release();
      }
    },
    owner: () => lock.owner(),
  };
}
