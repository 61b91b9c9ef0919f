// Opening the two files an image-backed virtual disc lives in, the image and its sidecar, and the
// checks made before the drive trusts them (docs/virtual-drive.md, "Damaged or missing files"):
// the sidecar against its schema (sidecar.ts, sidecar-schema.ts), against the address (media,
// `formatted=`, `capacity=`) and against the image (an image that lacks blocks the sidecar
// records is damaged; a missing one is not a fresh disc). Which files may come into being is
// decided here too: a drive opened for writing creates a new image and its sidecar; one opened
// read-only creates nothing and opens the image O_RDONLY.

import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { invalidArgument } from '../../../errors.js';
import type { VirtualDriveOptions } from '../address.js';
import type { DiscJson } from '../disc-layout.js';
import { MEDIA } from '../media.js';
import { imageDamaged, imageMissing, noDirectory, noImage } from './damage.js';
import { FileStore, type FileStoreOptions } from './file-store.js';
import { imageFileError } from './image-errors.js';
import { oddLbas, recordedExtent } from './sidecar-schema.js';
import { readSidecar, sidecarPath, type SidecarRead } from './sidecar.js';

/** The image's size in bytes, or undefined when there is no such file. */
export async function imageSize(image: string): Promise<number | undefined> {
  try {
    const st = await stat(image);
    if (st.isDirectory()) {
      throw invalidArgument(
        `virtual drive: image=${image} is a directory; name a file in it (e.g. ${image}/disc.img)`,
      );
    }
    return st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw noDirectory(image, dirname(image), e);
    throw imageFileError(image, 'examining', e);
  }
}

/** Refuses an image whose directory is missing, before anything is read or created. */
async function checkDirectory(image: string): Promise<void> {
  const directory = dirname(image);
  try {
    if (!(await stat(directory)).isDirectory()) throw noDirectory(image, directory);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw noDirectory(image, directory, e);
    throw imageFileError(directory, 'examining', e);
  }
}

/** What the sidecar says was recorded: main-area blocks, side-map blocks, and whether any. */
function recorded(json: SidecarRead<DiscJson>['json']): {
  extent: number | undefined;
  odd: number;
  any: boolean;
} {
  const odd = oddLbas(json);
  const extent = recordedExtent(json.disc, odd);
  return { extent, odd: odd.size, any: json.stride !== null || odd.size > 0 };
}

/**
 * Checks a sidecar against its image (`size` bytes, undefined when missing): every main-area
 * block the layout records must lie within the image. An image longer than that is accepted:
 * blocks a drive wrote after its last layout save (a crash) are there, just not recorded.
 */
export function checkAgainstImage(
  image: string,
  read: SidecarRead<DiscJson>,
  size: number | undefined,
): void {
  const json = read.json;
  const sidecar = sidecarPath(image);
  const r = recorded(json);
  if (size === undefined) {
    if (!r.any) return;
    const blocks = r.extent === undefined ? 'blocks written' : `${r.extent} blocks`;
    throw imageMissing(image, sidecar, `${blocks} on a ${MEDIA[json.disc.media].name}`);
  }
  const stride = json.stride ?? 2048;
  const needed = r.extent === undefined ? (r.any && json.stride !== null ? 1 : 0) : r.extent;
  if (size < needed * stride) {
    const what =
      size === 0
        ? 'it is empty'
        : `it holds ${size} bytes (${Math.floor(size / stride)} whole blocks of ${stride})`;
    const records =
      r.extent === undefined
        ? 'records blocks written on it'
        : `records blocks up to LBA ${needed - 1} (${needed * stride} bytes)`;
    throw imageDamaged(
      image,
      sidecar,
      `${what}, but its sidecar ${sidecar} ${records}: the image was truncated or replaced`,
    );
  }
}

/** The address against what the sidecar holds: media, `formatted=on`, `capacity=`. */
function checkAgainstAddress(options: VirtualDriveOptions, image: string, disc: DiscJson): void {
  const spec = MEDIA[disc.media];
  if (disc.media !== options.media) {
    throw invalidArgument(
      `virtual drive: ${image} holds a ${disc.media} disc, not ${options.media}; use virtual:${disc.media}?image=… for it`,
    );
  }
  if (options.formatted && spec.formatTypes.length > 0 && !disc.formatted) {
    throw invalidArgument(
      `virtual drive: formatted=on applies to a new image only, and ${image} holds an unformatted ${spec.name}; leave formatted=on out, or format the disc (FORMAT UNIT)`,
    );
  }
  const capacity = options.capacityBlocks;
  if (
    capacity !== undefined &&
    (disc.formatted ? disc.capacity > capacity : (disc.rawCapacity ?? disc.capacity) !== capacity)
  ) {
    throw invalidArgument(
      `virtual drive: capacity=${capacity}, but ${image} holds a disc of ${disc.rawCapacity ?? disc.capacity} blocks; capacity= applies to a new image only: leave it out or give the disc's own`,
    );
  }
}

/** The image and sidecar of a drive, opened and checked; `read` is undefined for a new disc. */
export interface DiscFiles {
  readonly read: SidecarRead<DiscJson> | undefined;
  readonly store: FileStore;
}

/** Opens `options.image` (defined) for a drive: checks, then the store (read-only or not). */
export async function openDiscFiles(
  options: VirtualDriveOptions & { readonly image: string },
  storeOptions: FileStoreOptions,
): Promise<DiscFiles> {
  const image = options.image;
  const readOnly = storeOptions.readOnly === true;
  await checkDirectory(image);
  const read = await readSidecar(image);
  const size = await imageSize(image);
  if (read === undefined) {
    if (size !== undefined && size > 0) {
      // A non-empty file without a sidecar is somebody's data, not a virtual disc.
      throw invalidArgument(
        `virtual drive: ${image} exists but has no ${sidecarPath(image)} sidecar; refusing to use it as a disc`,
      );
    }
    if (size === undefined && readOnly) throw noImage(image, sidecarPath(image), false);
  } else {
    checkAgainstAddress(options, image, read.json.disc);
    checkAgainstImage(image, read, size);
    if (size === undefined && readOnly) throw noImage(image, sidecarPath(image), true);
  }
  const buffered = options.imageIo === 'buffered';
  return { read, store: await FileStore.open(image, { ...storeOptions, buffered }) };
}
