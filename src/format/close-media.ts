// closeMedia: close what an earlier write left open (beyond IMAPI2; `discwright close`,
// docs/burning.md "Closing by hand"). The same close functions a burn ends with
// (write-setup.ts): CLOSE TRACK of the open track when it holds data, then CLOSE SESSION, or the
// profile's finalize (CD and DVD-R/RW: CLOSE SESSION with the Multi-session field 00b).

import { DwError, HR } from '../errors.js';
import { CloseFunction } from '../scsi/mmc/close-track-session.js';
import { systemClock } from '../transport/clock.js';
import { DiscStatus, LastSessionState } from '../scsi/mmc/read-disc-information.js';
import type { DiscRecorder } from '../device/recorder.js';
import { ProfileType, ReadTrackAddressType } from '../device/types.js';
import { recordingKindOfProfile } from './media-state.js';
import {
  closingFor,
  sendClose,
  setWriteParameters,
  usesWriteParameters,
  type CloseWait,
} from './write-setup.js';

export type CloseRequest = 'track' | 'session' | 'finalize';

/** What closeMedia sent, as close functions (CLOSE TRACK/SESSION byte 2). */
export interface CloseOutcome {
  readonly closeFunctions: readonly number[];
}

function invalid(message: string): DwError {
  return new DwError(HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE, { message });
}

export async function closeMedia(
  recorder: DiscRecorder,
  request: CloseRequest,
  wait: CloseWait = { clock: systemClock },
): Promise<CloseOutcome> {
  const profile = await recorder.getCurrentProfile();
  const kind = recordingKindOfProfile(profile);
  const sent: number[] = [];
  const run = async (closeFunction: number, logicalTrackNumber = 0) => {
    await sendClose(recorder, closeFunction, logicalTrackNumber, wait);
    sent.push(closeFunction);
  };
  if (kind === undefined) {
    throw new DwError(HR.E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED, {
      message: `the loaded disc (profile 0x${profile.toString(16).padStart(4, '0')}) has nothing to close`,
    });
  }
  if (kind === 'overwrite') {
    if (request === 'track') throw invalid('overwrite media have no tracks to close');
    await recorder.synchronizeCache();
    // DVD+RW: CLOSE SESSION ends a background format; the others have nothing to close.
    if (profile === ProfileType.DVD_PLUS_RW) await run(CloseFunction.CLOSE_SESSION);
    return { closeFunctions: sent };
  }
  const disc = await recorder.discInformation();
  if (disc.discStatus === DiscStatus.COMPLETE) throw invalid('the disc is already closed');
  if (disc.discStatus === DiscStatus.EMPTY) throw invalid('the disc is blank: nothing to close');
  const last = await recorder.trackInformation(
    disc.lastTrackNumberInLastSession,
    ReadTrackAddressType.TRACK,
  );
  const openWithData = last.nwaV && last.nextWritableAddress > last.logicalTrackStartAddress;
  if (request === 'track' && !openWithData) throw invalid('no open track holds data');
  await recorder.synchronizeCache();
  if (usesWriteParameters(profile) && request !== 'track') {
    await setWriteParameters(recorder, profile, {
      nextSessionAllowed: request === 'session',
      bufe: true,
      testWrite: false,
    });
  }
  if (openWithData) await run(CloseFunction.CLOSE_TRACK, last.logicalTrackNumber);
  if (request === 'track') return { closeFunctions: sent };
  const closing = request === 'session' ? 'session' : closingFor(profile, true, false);
  if (closing === 'session' || usesWriteParameters(profile)) {
    // An empty last session of an appendable disc has nothing to close, unless finalizing.
    const holdsData = openWithData || disc.stateOfLastSession === LastSessionState.INCOMPLETE;
    if (holdsData || request === 'finalize') await run(CloseFunction.CLOSE_SESSION);
  } else if (closing === 'finalize-compatible') {
    await run(CloseFunction.FINALIZE_MINIMAL_RADIUS);
  } else {
    await run(CloseFunction.FINALIZE);
  }
  return { closeFunctions: sent };
}
