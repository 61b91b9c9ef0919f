// The special pregap of a raw CD image (IRawCDImageCreator::AddSpecialPregap): audio that fills
// track 1's whole pregap from LBA −150, at least 2 s long, track 1 starting after it. IMAPI2's
// limits: its last sector at or before LBA 397,799 (88:25:74), so that a 4-second track and the
// lead-out still fit the MSF range. docs/raw-cd.md, "Special pregap".

import { DwError, HR, invalidArgument } from '../../errors.js';
import { CdSectorType, RAW_CD_LIMITS } from './layout.js';
import { describeTrackSource, type RawTrackSource, type TrackData } from './track-source.js';

/** The last LBA a special pregap may reach (88:25:74). */
export const SPECIAL_PREGAP_LAST_LBA = 397_799;

/** Describes `source` as a special pregap's audio (raw PCM or WAVE), checking its length. */
export async function describeSpecialPregap(source: RawTrackSource): Promise<TrackData> {
  const d = await describeTrackSource(source, CdSectorType.AUDIO, 2352);
  if (d.sectorCount < RAW_CD_LIMITS.modeChangePregap) {
    throw invalidArgument(
      `${d.name}: ${d.sectorCount} sectors; a special pregap lasts at least 2 s (150 sectors)`,
    );
  }
  const last = d.sectorCount - 151;
  if (last > SPECIAL_PREGAP_LAST_LBA) {
    throw new DwError(HR.E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE, {
      message: `${d.name}: the pregap would end at LBA ${last}, past ${SPECIAL_PREGAP_LAST_LBA} (88:25:74)`,
    });
  }
  return d;
}
