// What the image-backed virtual drive refuses to open with (docs/virtual-drive.md, "Damaged or
// missing files"): a sidecar that does not hold a layout this drive could have written, an image
// that lacks blocks its sidecar records, files that are not there, and a drive opened read-only
// that is asked to record. Each is a DwError that names the file, says what is wrong and what to
// do, and is never retried: waiting mends none of them.

import { DwError, HR, type HResult } from '../../../errors.js';

function refusal(hr: HResult, message: string, hint: string, cause?: unknown): DwError {
  return new DwError(hr, {
    message,
    hint,
    retryable: false,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** What to do about a disc whose files do not agree: restore them, or give the disc up. */
function restoreOrStartOver(image: string, sidecar: string): string {
  return `Restore ${image} and ${sidecar} together from a backup. To give up this disc, delete both files (their data is lost); the next write-section to the address starts a blank disc.`;
}

/** The sidecar `sidecar` of `image` is not one discwright wrote: `what` says why. */
export function sidecarDamaged(
  sidecar: string,
  image: string,
  what: string,
  cause?: unknown,
): DwError {
  return refusal(
    HR.ERROR_FILE_CORRUPT,
    `virtual drive: the sidecar ${sidecar} is damaged: ${what}`,
    restoreOrStartOver(image, sidecar),
    cause,
  );
}

/** The image lacks what its sidecar records (truncated, emptied or replaced). */
export function imageDamaged(image: string, sidecar: string, what: string): DwError {
  return refusal(
    HR.ERROR_FILE_CORRUPT,
    `virtual drive: the image ${image} is damaged: ${what}`,
    restoreOrStartOver(image, sidecar),
  );
}

/** The image is missing although its sidecar records blocks on it. */
export function imageMissing(image: string, sidecar: string, what: string): DwError {
  return refusal(
    HR.STG_E_FILENOTFOUND,
    `virtual drive: the image ${image} is missing, but its sidecar ${sidecar} records ${what}`,
    `Put the image back (check the path: the address must name the file the disc was written to). To give up this disc, delete ${sidecar} as well; the next write-section to the address starts a blank disc.`,
  );
}

/** A drive opened read-only (discwright info, read) finds no image to open. */
export function noImage(image: string, sidecar: string, hasSidecar: boolean): DwError {
  const which = hasSidecar
    ? `(only its sidecar ${sidecar}, of a blank disc)`
    : `(nor its sidecar ${sidecar})`;
  return refusal(
    HR.STG_E_FILENOTFOUND,
    `virtual drive: there is no disc image ${image} ${which}; a drive opened read-only never creates one`,
    'Check the path in the address. A new image is created only by writing to it (discwright write-section, or a drive opened for writing).',
  );
}

/** The directory the image should be in does not exist (or is not a directory). */
export function noDirectory(image: string, directory: string, cause?: unknown): DwError {
  return refusal(
    HR.STG_E_FILENOTFOUND,
    `virtual drive: the directory ${directory} of the image ${image} does not exist`,
    'Check the path in the address, or create the directory first.',
    cause,
  );
}

/** A command that would record was sent to a drive opened read-only. */
export function readOnlyRefusal(image: string | undefined, command: string): DwError {
  const disc = image === undefined ? 'the disc' : `the image ${image}`;
  return refusal(
    HR.E_ACCESSDENIED,
    `virtual drive: ${command} refused: ${disc} is open read-only, so nothing can be recorded on it`,
    'Open the drive for writing (not readOnly: discwright info and read open read-only, write-section opens for writing), with the image and its directory writable for this user.',
  );
}
