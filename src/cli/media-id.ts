// The media's manufacturer and media type ID, for the burn log's header (docs/burn-log.md): what
// burners print as "Media ID" to tell one batch of discs from another. Read from the disc
// structures where the media carries them, each answer checked for length and printable text:
//
//   DVD+R/+RW/+R DL   READ DISC STRUCTURE format 11h (ADIP information): payload bytes 19..26
//                     disc manufacturer ID, 27..29 media type ID
//   DVD-R/-RW         format 0Eh (pre-recorded information): payload bytes 17..22 and 25..30,
//                     the two halves of the manufacturer ID
//   BD                media type 1, format 00h (disc information): DI unit bytes 100..105 disc
//                     manufacturer ID, 106..108 media type ID
//
// A drive or media without them (the virtual drive answers 05/24/00 for 11h and 0Eh, and its BD
// DI carries no IDs) gives null: the header says "unknown" rather than guessing.

import type { DiscRecorder } from '../device/recorder.js';
import { ScsiStatus } from '../scsi/command.js';
import { DiscStructureMediaType, readDiscStructure } from '../scsi/mmc/read-disc-structure.js';

export interface MediaIdentity {
  readonly manufacturerId: string;
  readonly mediaTypeId: string | null;
}

/** Printable ASCII with trailing spaces and NULs removed; null when empty or not text. */
function asciiField(bytes: Uint8Array, from: number, length: number): string | null {
  if (bytes.length < from + length) return null;
  let s = '';
  for (let i = from; i < from + length; i++) {
    const c = bytes[i] ?? 0;
    if (c === 0) continue;
    if (c < 0x20 || c > 0x7e) return null;
    s += String.fromCharCode(c);
  }
  const t = s.trim();
  return t === '' ? null : t;
}

async function dvdStructure(recorder: DiscRecorder, format: number): Promise<Uint8Array | null> {
  try {
    return await recorder.readDvdStructure(format, 0, 0, 0);
  } catch {
    return null;
  }
}

async function bdDiscInformation(recorder: DiscRecorder): Promise<Uint8Array | null> {
  try {
    const r = await recorder.executeCommand(
      readDiscStructure({
        mediaType: DiscStructureMediaType.BD,
        formatCode: 0x00,
        allocationLength: 4 + 4096,
      }),
    );
    if (r.status !== ScsiStatus.GOOD) return null;
    return r.dataIn.subarray(Math.min(4, r.dataIn.length));
  } catch {
    return null;
  }
}

/** The media's IDs where `profile` has them and the drive answers; null otherwise. */
export async function readMediaIdentity(
  recorder: DiscRecorder,
  profile: number | null,
): Promise<MediaIdentity | null> {
  if (profile === null) return null;
  if (profile === 0x1a || profile === 0x1b || profile === 0x2a || profile === 0x2b) {
    const adip = await dvdStructure(recorder, 0x11);
    if (adip === null) return null;
    const manufacturerId = asciiField(adip, 19, 8);
    return manufacturerId === null
      ? null
      : { manufacturerId, mediaTypeId: asciiField(adip, 27, 3) };
  }
  if (profile >= 0x11 && profile <= 0x16) {
    const pre = await dvdStructure(recorder, 0x0e);
    if (pre === null) return null;
    const first = asciiField(pre, 17, 6);
    if (first === null) return null;
    return { manufacturerId: first + (asciiField(pre, 25, 6) ?? ''), mediaTypeId: null };
  }
  if (profile >= 0x40 && profile <= 0x43) {
    const di = await bdDiscInformation(recorder);
    if (di === null) return null;
    const manufacturerId = asciiField(di, 100, 6);
    return manufacturerId === null ? null : { manufacturerId, mediaTypeId: asciiField(di, 106, 3) };
  }
  return null;
}
