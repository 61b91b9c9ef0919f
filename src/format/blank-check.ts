// IDiscFormat2::MediaPhysicallyBlank and MediaHeuristicallyBlank. Sequential media are blank
// when READ DISC INFORMATION says so. Formatted overwrite media are never physically blank; they
// are heuristically blank when neither an ISO 9660 volume descriptor (LBA 16, "CD001") nor a UDF
// anchor volume descriptor pointer (LBA 256, tag identifier 2) can be read: what IMAPI2 calls
// "the media appears blank to a file system" (docs/burning.md "Blank checks").

import { DiscStatus } from '../scsi/mmc/read-disc-information.js';
import type { DiscRecorder } from '../device/recorder.js';
import { needsFormat, type MediaSnapshot } from './media-state.js';

const ISO_VOLUME_DESCRIPTOR_LBA = 16;
const UDF_ANCHOR_LBA = 256;

export function physicallyBlank(m: MediaSnapshot): boolean {
  if (m.kind === 'overwrite') return needsFormat(m);
  return m.disc.discStatus === DiscStatus.EMPTY;
}

/** One block, or undefined when it cannot be read (unrecorded, beyond the disc). */
async function tryRead(recorder: DiscRecorder, lba: number): Promise<Uint8Array | undefined> {
  try {
    return await recorder.readBlocks(lba, 1, 2048);
  } catch {
    return undefined;
  }
}

function isoDescriptor(b: Uint8Array | undefined): boolean {
  // byte 0 Volume Descriptor Type, bytes 1..5 Standard Identifier "CD001"
  return (
    b !== undefined &&
    b.length >= 6 &&
    b[1] === 0x43 &&
    b[2] === 0x44 &&
    b[3] === 0x30 &&
    b[4] === 0x30 &&
    b[5] === 0x31
  );
}

function udfAnchor(b: Uint8Array | undefined): boolean {
  // bytes 0..1 Tag Identifier (little-endian) 2 = Anchor Volume Descriptor Pointer
  return b !== undefined && b.length >= 2 && b[0] === 2 && b[1] === 0;
}

export async function heuristicallyBlank(
  recorder: DiscRecorder,
  m: MediaSnapshot,
): Promise<boolean> {
  if (physicallyBlank(m)) return true;
  if (m.kind !== 'overwrite') return false;
  if (isoDescriptor(await tryRead(recorder, ISO_VOLUME_DESCRIPTOR_LBA))) return false;
  return !udfAnchor(await tryRead(recorder, UDF_ANCHOR_LBA));
}
