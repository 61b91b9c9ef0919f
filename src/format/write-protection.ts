// Write protection of the loaded disc as the drive reports it (docs/burning.md "What the data
// writer reads"): READ DISC STRUCTURE C0h (Write Protection Status) on DVD media, mapped to
// IMAPI_MEDIA_WRITE_PROTECT_STATE, plus READ_ONLY_MEDIA for profiles nothing can record. The
// drive refuses recording on such a disc with DATA PROTECT (07/27/xx), which the recorder maps
// to E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED; reading the status first lets a burn refuse before
// it changes anything.

import { DwError } from '../errors.js';
import { DiscStructureFormat } from '../scsi/mmc/read-disc-structure.js';
import { decodeWriteProtectionStatus } from '../scsi/mmc/write-protection-status.js';
import type { DiscRecorder } from '../device/recorder.js';
import { MediaWriteProtectState as W, ProfileType } from '../device/types.js';

const DVD_PROFILES: ReadonlySet<number> = new Set([
  ProfileType.DVD_DASH_RECORDABLE,
  ProfileType.DVD_DASH_RW_SEQUENTIAL,
  ProfileType.DVD_DASH_REWRITABLE,
  ProfileType.DVD_RAM,
  ProfileType.DVD_PLUS_RW,
  ProfileType.DVD_PLUS_R,
  ProfileType.DVD_PLUS_R_DUAL,
  ProfileType.DVD_DASH_R_DUAL_SEQUENTIAL,
  ProfileType.DVD_DASH_R_DUAL_LAYER_JUMP,
  ProfileType.DVD_PLUS_RW_DUAL,
]);

/**
 * IMAPI_MEDIA_WRITE_PROTECT_STATE from Write Protection Status (C0h): SWPP → UNTIL_POWERDOWN,
 * CWP → BY_CARTRIDGE, MSWI → BY_MEDIA_SPECIFIC_REASON, PWP → BY_SOFTWARE_WRITE_PROTECT. 0 on
 * media without the structure (CD, BD) or when the drive does not answer it.
 */
export async function writeProtectionOf(recorder: DiscRecorder, profile: number): Promise<number> {
  if (!DVD_PROFILES.has(profile)) return 0;
  let payload: Uint8Array;
  try {
    payload = await recorder.readDvdStructure(DiscStructureFormat.WRITE_PROTECTION_STATUS, 0, 0, 0);
  } catch (e) {
    // A drive that does not offer C0h answers ILLEGAL REQUEST: no protection it can report.
    if (e instanceof DwError && e.senseInfo !== undefined) return 0;
    throw e;
  }
  const s = decodeWriteProtectionStatus(payload);
  return (
    (s.swpp ? W.UNTIL_POWERDOWN : 0) |
    (s.cwp ? W.BY_CARTRIDGE : 0) |
    (s.mswi ? W.BY_MEDIA_SPECIFIC_REASON : 0) |
    (s.pwp ? W.BY_SOFTWARE_WRITE_PROTECT : 0)
  );
}
