// DVD+RW background formatting on the virtual drive (MMC-6 4.5.7, FORMAT UNIT format type 26h,
// CLOSE TRACK/SESSION on DVD+RW, READ DISC INFORMATION BG Format Status). FORMAT UNIT 26h
// returns once the foreground part is done and the disc is writable at once; the drive formats
// the rest while idle. CLOSE 000b stops it quickly (no lead-out), CLOSE 010b stops it and writes
// the lead-out so that a DVD-ROM drive reads the disc; either leaves it incomplete (01b), and
// FORMAT UNIT 26h with Restart (type dependent parameter bit 0) carries on, keeping the data.
// Taking the disc out stops it as well (reopening the image keeps its state). The virtual drive
// does not complete a background format by itself (a real one does in tens of minutes of idle
// time): such a disc stays running or incomplete; one loaded formatted (`formatted=on`) is
// complete.

import { BgFormatStatus } from '../../scsi/mmc/read-disc-information.js';
import { fail, Sense } from './check.js';
import type { Disc } from './disc.js';

/** Format type 26h's Type Dependent Parameter, bit 0: restart an incomplete format. */
const RESTART = 0x1;

/** FORMAT UNIT 26h: a new format (the data goes) or, with Restart, the stopped one resumes. */
export function formatDvdPlusRw(disc: Disc, typeDependentParameter: number, blocks: number): void {
  if ((typeDependentParameter & RESTART) !== 0) {
    if (disc.bgFormat !== 'stopped') {
      fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'no incomplete format to restart');
    }
    disc.bgFormat = 'running';
    return;
  }
  disc.format(0x26, blocks);
  disc.bgFormat = 'running';
}

/** CLOSE TRACK/SESSION on DVD+RW: 000b and 010b stop a running background format. */
export function closeDvdPlusRw(disc: Disc, closeFunction: number): void {
  if (!disc.formatted) fail(Sense.MEDIUM_NOT_FORMATTED);
  if ((closeFunction === 0b000 || closeFunction === 0b010) && disc.bgFormat === 'running') {
    disc.bgFormat = 'stopped';
  }
}

/** The disc leaves the drive: a running format stops where it is. */
export function stopBackgroundFormat(disc: Disc): void {
  if (disc.bgFormat === 'running') disc.bgFormat = 'stopped';
}

/** READ DISC INFORMATION BG Format Status of the disc. */
export function bgFormatStatusOf(disc: Disc): BgFormatStatus {
  if (disc.spec.id === 'bd-re') return disc.random ? BgFormatStatus.COMPLETE : BgFormatStatus.NONE;
  if (disc.spec.id !== 'dvd+rw' || !disc.formatted) return BgFormatStatus.NONE;
  switch (disc.bgFormat) {
    case 'running':
      return BgFormatStatus.IN_PROGRESS;
    case 'stopped':
      return BgFormatStatus.INCOMPLETE;
    case 'complete':
    case 'none': // formatted: `none` cannot last past the format (the layout sets it)
      return BgFormatStatus.COMPLETE;
  }
}
