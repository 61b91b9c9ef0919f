// formatMedia: FORMAT UNIT for the media that need it before random writes (beyond IMAPI2, which
// formats implicitly; docs/burning.md "Formatting"). The format type and its size come from READ
// FORMAT CAPACITIES (MMC-6 6.24), never from a table of our own: drives differ in what they offer.
// DiscFormat2Data calls it for blank DVD+RW and BD-RE; `discwright format` calls it directly.

import { DwError, HR } from '../errors.js';
import { FormatType, formatUnit } from '../scsi/mmc/format-unit.js';
import type { FormattableCapacityDescriptor } from '../scsi/mmc/read-format-capacities.js';
import type { DiscRecorder } from '../device/recorder.js';
import { ProfileType } from '../device/types.js';
import { readCapacities } from './media-state.js';
import { awaitImmediate, type OperationProgress } from './progress-poll.js';
import { systemClock, type Clock } from '../transport/clock.js';

/** A full format of a whole disc can take an hour on a slow drive. */
const FORMAT_TIMEOUT_SEC = 3600;

export interface FormatMediaOptions {
  /** `quick` (default): the quick format types where the media has one; `full`: a full format. */
  readonly mode?: 'quick' | 'full';
  /**
   * Spare areas of DVD-RAM and BD-RE: `default` (the drive's first offer), `none` (BD-RE format
   * 31h) or `max` (the offered spare format with the smallest user capacity).
   */
  readonly spareAreas?: 'default' | 'none' | 'max';
  /**
   * DVD+RW: restart the incomplete background format (26h with Restart) instead of a new one;
   * the data stays. growisofs and libburn do so before writing a disc whose status is 01b.
   */
  readonly restart?: boolean;
  /** Clock of the progress polls (default: the system clock). */
  readonly clock?: Clock;
  /** Progress while the drive formats (TEST UNIT READY's progress indication). */
  readonly onProgress?: OperationProgress;
}

export interface FormatChoice {
  readonly formatType: number;
  readonly numberOfBlocks: number;
  readonly typeDependentParameter: number;
}

/** Which offered descriptor a format of `profile` uses, or undefined when none fits. */
export function chooseFormat(
  profile: number,
  offered: readonly FormattableCapacityDescriptor[],
  o: FormatMediaOptions = {},
): FormatChoice | undefined {
  const of = (type: number) => offered.filter((d) => d.formatType === type);
  const first = (...types: number[]) => types.map((t) => of(t)[0]).find((d) => d !== undefined);
  let d: FormattableCapacityDescriptor | undefined;
  switch (profile) {
    case ProfileType.DVD_PLUS_RW:
      d = first(FormatType.DVD_PLUS_RW_BASIC_FORMAT);
      break;
    case ProfileType.DVD_DASH_RW_SEQUENTIAL:
    case ProfileType.DVD_DASH_REWRITABLE:
      d =
        o.mode === 'full'
          ? first(FormatType.CD_DVD_RW_FULL_FORMAT)
          : first(FormatType.DVD_RW_QUICK, FormatType.CD_DVD_RW_FULL_FORMAT);
      break;
    case ProfileType.DVD_RAM:
      d = first(FormatType.FULL_FORMAT);
      break;
    case ProfileType.BD_REWRITABLE: {
      const spares = of(FormatType.BD_RE_FULL_FORMAT_WITH_SPARE_AREAS);
      if (o.spareAreas === 'none') d = first(FormatType.BD_RE_FULL_FORMAT_WITHOUT_SPARE_AREAS);
      else if (o.spareAreas === 'max') {
        d = [...spares].sort((a, b) => a.numberOfBlocks - b.numberOfBlocks)[0];
      } else d = first(FormatType.FULL_FORMAT, FormatType.BD_RE_FULL_FORMAT_WITH_SPARE_AREAS);
      break;
    }
    case ProfileType.BD_R_SEQUENTIAL:
      d = first(FormatType.BD_R_FULL_FORMAT_WITH_SPARE_AREAS);
      break;
    default:
      d = undefined;
  }
  if (d === undefined) return undefined;
  return {
    formatType: d.formatType,
    numberOfBlocks: d.numberOfBlocks,
    // DVD+RW 26h: bit 0 of the parameter is Restart; a new format starts from scratch.
    typeDependentParameter:
      d.formatType === FormatType.DVD_PLUS_RW_BASIC_FORMAT
        ? o.restart === true
          ? 1
          : 0
        : d.typeDependentParameter,
  };
}

/**
 * FORMAT UNIT with the descriptor chooseFormat picks from READ FORMAT CAPACITIES. Rejects with
 * E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE when the loaded disc offers no suitable format (CD, DVD±R,
 * or a drive that lists none), before anything is sent. With IMMED, then TEST UNIT READY polled
 * until the format (on DVD+RW: its foreground part) is done, its progress to `onProgress`.
 */
export async function formatMedia(
  recorder: DiscRecorder,
  o: FormatMediaOptions = {},
): Promise<FormatChoice> {
  const profile = await recorder.getCurrentProfile();
  const capacities = await readCapacities(recorder);
  const choice = chooseFormat(profile, capacities?.formattableCapacities ?? [], o);
  if (choice === undefined) {
    throw new DwError(HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE, {
      message: `the drive offers no ${o.mode ?? 'quick'} format for the loaded disc (profile 0x${profile.toString(16).padStart(4, '0')})`,
      hint: 'Only DVD+RW, DVD-RW, DVD-RAM, BD-RE and BD-R (spare areas) can be formatted.',
    });
  }
  await recorder.executeCommand(
    formatUnit({
      immed: true,
      formatDescriptor: { ...choice, formatSubType: 0 },
    }),
    { timeoutSec: FORMAT_TIMEOUT_SEC },
  );
  const what = `FORMAT UNIT ${choice.formatType.toString(16)}h`;
  await awaitImmediate(
    recorder,
    o.clock ?? systemClock,
    what,
    FORMAT_TIMEOUT_SEC * 1000,
    o.onProgress,
  );
  return choice;
}
