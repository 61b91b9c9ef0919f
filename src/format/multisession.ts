// IMAPI2's multisession interfaces (IDiscFormat2Data::MultisessionInterfaces): what a file system
// image builder needs to add to the disc (docs/burning.md "What the data writer reads"). IMAPI2
// returns IMultisessionSequential(2) for CD-R/RW, DVD±R and BD-R and IMultisessionRandomWrite for
// overwrite media (DVD+RW, DVD-RAM, DVD-RW restricted overwrite, BD-RE). Here they are plain
// objects read from the drive at the call, with `inUse` left to the caller as in IMAPI2.

import type { DiscRecorder } from '../device/recorder.js';
import { Format2DataMediaState as F } from '../device/types.js';
import {
  mediaStateFlags,
  previousSession,
  writableArea,
  type MediaSnapshot,
} from './media-state.js';

/** IMultisession: common to both kinds. */
interface MultisessionBase {
  /** IsSupportedOnCurrentMediaState: the media can take a further session / write now. */
  readonly isSupportedOnCurrentMediaState: boolean;
  /** InUse: set by whoever builds the next session from this one (IMAPI2: the image builder). */
  inUse: boolean;
  /** WriteUnitSize (IMultisessionSequential2 / IMultisessionRandomWrite), in sectors. */
  readonly writeUnitSize: number;
}

/** IMultisessionSequential2. Addresses −1 where there is no previous session. */
export interface MultisessionSequential extends MultisessionBase {
  readonly kind: 'sequential';
  readonly isFirstDataSession: boolean;
  readonly startAddressOfPreviousSession: number;
  readonly lastWrittenAddressOfPreviousSession: number;
  readonly nextWritableAddress: number;
  readonly freeSectorsOnMedia: number;
}

/** IMultisessionRandomWrite. */
export interface MultisessionRandomWrite extends MultisessionBase {
  readonly kind: 'random-write';
  /** LastWrittenAddress: the drive's last recorded address of the track, −1 when it has none. */
  readonly lastWrittenAddress: number;
  readonly totalSectorsOnMedia: number;
}

export type Multisession = MultisessionSequential | MultisessionRandomWrite;

/** The interfaces for the loaded disc; none for media the data writer does not write. */
export async function multisessionInterfaces(
  recorder: DiscRecorder,
  m: MediaSnapshot,
): Promise<Multisession[]> {
  if (m.kind === undefined) return [];
  const flags = mediaStateFlags(m);
  const blocked = (flags & (F.WRITE_PROTECTED | F.UNSUPPORTED_MEDIA | F.DAMAGED)) !== 0;
  const area = writableArea(m);
  const factor = m.lastTrack.fixedPacketSizeBlockingFactor;
  const writeUnitSize = factor > 1 ? factor : 1;
  if (m.kind === 'overwrite') {
    const t = m.lastTrack;
    return [
      {
        kind: 'random-write',
        isSupportedOnCurrentMediaState: !blocked && (flags & F.BLANK) === 0,
        inUse: false,
        writeUnitSize,
        lastWrittenAddress:
          t.lraV && t.lastRecordedAddress !== undefined ? t.lastRecordedAddress : -1,
        totalSectorsOnMedia: area.totalSectors,
      },
    ];
  }
  const prev = await previousSession(recorder, m);
  const appendable = (flags & F.APPENDABLE) !== 0 && (flags & F.NON_EMPTY_SESSION) === 0;
  return [
    {
      kind: 'sequential',
      // A further session builds on a previous one: an appendable disc with room left.
      isSupportedOnCurrentMediaState: !blocked && appendable && area.freeSectors > 0,
      inUse: false,
      writeUnitSize,
      isFirstDataSession: prev.startAddress < 0,
      startAddressOfPreviousSession: prev.startAddress,
      lastWrittenAddressOfPreviousSession: prev.lastWrittenAddress,
      nextWritableAddress: area.nextWritableAddress,
      freeSectorsOnMedia: area.freeSectors,
    },
  ];
}
