// The media side of DiscFormat2TrackAtOnce (disc-format2-track-at-once.ts): which discs it takes,
// the tracks already on one left open by an earlier run (doNotFinalizeMedia), and the Write
// Parameters page 05h it sends — Track-at-Once audio, and the MCN and each track's ISRC in the
// page's Media Catalog Number and ISRC fields (MMC-6 7.5.4), which the drive writes into the Q
// sub-channel of what it records. docs/cd.md, "Track-at-once audio".

import { DwError, HR } from '../errors.js';
import { DiscStatus, LastSessionState } from '../scsi/mmc/read-disc-information.js';
import {
  DataBlockType,
  MultiSession,
  WriteType,
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../scsi/mmc/mode-pages/write-parameters.js';
import { encodeIsrcField, encodeMcnField } from '../scsi/mmc/mode-pages/write-parameters-codes.js';
import { isValidIsrc, isValidMcn } from '../scsi/cd/subchannel.js';
import type { DiscRecorder } from '../device/recorder.js';
import { ModePageRequestType, ModePageType, ReadTrackAddressType } from '../device/types.js';
import type { MediaSnapshot } from './media-state.js';
import { isCdProfile } from './write-setup.js';

/** A track as the drive reports it (READ TRACK INFORMATION after CLOSE TRACK). */
export interface TaoTrack {
  readonly trackNumber: number;
  readonly startLba: number;
  readonly sectors: number;
}

/** CONTROL's data bit in the Track Mode field: set on data tracks. */
const DATA_TRACK = 0x04;

/**
 * Checks that `m` is a disc Track-at-Once audio may write and returns the tracks already on it:
 * none on a blank CD-R/RW; on a disc whose only session was left open (an earlier run with
 * doNotFinalizeMedia), its closed audio tracks, in order — the next track continues that session
 * with the next number at the NWA the drive gives (a CD-R/RW session stays open, its invisible
 * track taking the next track, until CLOSE SESSION). A finalized disc, a disc whose first session is closed (audio after
 * it would sit in a second session, which CD players do not read), and one holding a data track
 * are refused with E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK: IMAPI2's code for a disc it will not write.
 */
export async function existingAudioTracks(
  recorder: DiscRecorder,
  m: MediaSnapshot,
): Promise<TaoTrack[]> {
  if (!isCdProfile(m.profile)) {
    throw new DwError(HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED, {
      message: `profile 0x${m.profile.toString(16).padStart(4, '0')}: audio track-at-once is for CD-R and CD-RW`,
    });
  }
  const d = m.disc;
  if (d.discStatus === DiscStatus.EMPTY) return [];
  const open =
    d.discStatus === DiscStatus.INCOMPLETE &&
    d.stateOfLastSession === LastSessionState.INCOMPLETE &&
    d.numberOfSessions === 1;
  if (!open) {
    throw new DwError(HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK, {
      message:
        d.discStatus === DiscStatus.COMPLETE
          ? 'the disc is finalized'
          : 'only a blank disc or one whose first session was left open takes audio tracks',
    });
  }
  const tracks: TaoTrack[] = [];
  const first = d.firstTrackNumberInLastSession;
  // The last track of the open session is the invisible one, where the next track goes.
  for (let n = first; n < d.lastTrackNumberInLastSession; n++) {
    const t = await recorder.trackInformation(n, ReadTrackAddressType.TRACK);
    if (t.logicalTrackNumber !== n) {
      throw new DwError(HR.E_FAIL, {
        message: `READ TRACK INFORMATION for track ${n} answered track ${t.logicalTrackNumber}`,
      });
    }
    if (t.trackMode & DATA_TRACK) {
      throw new DwError(HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK, {
        message: `track ${n} is a data track: audio track-at-once appends to audio discs only`,
      });
    }
    if (t.blank || t.logicalTrackSize === 0) continue;
    tracks.push({
      trackNumber: n,
      startLba: t.logicalTrackStartAddress,
      sectors: t.logicalTrackSize,
    });
  }
  return tracks;
}

/** E_IMAPI_DF2TAO_INVALID_MCN unless `mcn` is 13 digits (a UPC/EAN); '' clears it. */
export function checkMcn(mcn: string): string | undefined {
  if (mcn === '') return undefined;
  if (typeof mcn !== 'string' || !isValidMcn(mcn)) {
    throw new DwError(HR.E_IMAPI_DF2TAO_INVALID_MCN, {
      message: `MCN ${JSON.stringify(mcn)} is not 13 digits`,
    });
  }
  return mcn;
}

/** E_IMAPI_DF2TAO_INVALID_ISRC unless `isrc` is CCOOOYYNNNNN (ISO 3901, no dashes). */
export function checkIsrc(isrc: string | undefined): string | undefined {
  if (isrc === undefined || isrc === '') return undefined;
  if (typeof isrc !== 'string' || !isValidIsrc(isrc)) {
    throw new DwError(HR.E_IMAPI_DF2TAO_INVALID_ISRC, {
      message: `ISRC ${JSON.stringify(isrc)} is not CCOOOYYNNNNN (country, owner, year, serial)`,
    });
  }
  return isrc;
}

export interface TaoPageOptions {
  readonly doNotFinalizeMedia: boolean;
  readonly bufferUnderrunFreeDisabled: boolean;
  readonly mediaCatalogNumber: string | undefined;
}

/**
 * Page 05h for Track-at-Once audio (read-modify-write): Write Type 1, Track Mode 0 (two-channel
 * audio, no pre-emphasis, digital copy prohibited), Data Block Type 0 (raw 2,352 bytes),
 * Multi-session 00b (the session close finalizes) or 11b with doNotFinalizeMedia, the MCN with
 * MCVAL when given, the ISRC field cleared (each track sets its own, `selectTrackIsrc`).
 */
export async function selectTaoAudio(
  recorder: DiscRecorder,
  options: TaoPageOptions,
): Promise<void> {
  const current = decodeWriteParametersPage(
    await recorder.getModePage(ModePageType.WRITE_PARAMETERS, ModePageRequestType.CURRENT_VALUES),
  );
  const page = encodeWriteParametersPage({
    ...current,
    writeType: WriteType.TAO,
    trackMode: 0,
    dataBlockType: DataBlockType.RAW,
    multiSession: options.doNotFinalizeMedia
      ? MultiSession.NEXT_SESSION_ALLOWED
      : MultiSession.NO_NEXT_SESSION,
    bufe: !options.bufferUnderrunFreeDisabled,
    testWrite: false,
    fp: false,
    mediaCatalogNumber: encodeMcnField(options.mediaCatalogNumber),
    internationalStandardRecordingCode: encodeIsrcField(undefined),
  });
  await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, page);
}

/** Sets page 05h's ISRC field (TCVAL and I1..I12, or cleared) before a track's first WRITE. */
export async function selectTrackIsrc(
  recorder: DiscRecorder,
  isrc: string | undefined,
): Promise<void> {
  const current = decodeWriteParametersPage(
    await recorder.getModePage(ModePageType.WRITE_PARAMETERS, ModePageRequestType.CURRENT_VALUES),
  );
  const page = encodeWriteParametersPage({
    ...current,
    internationalStandardRecordingCode: encodeIsrcField(isrc),
  });
  await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, page);
}
