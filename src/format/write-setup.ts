// The drive set-up and closing steps of a whole-disc burn, per profile (docs/burning.md "The
// sequence per media"): the Write Parameters page for CD and DVD-R/RW (MMC-6 7.5), the write
// speed (SET CD SPEED on CD, SET STREAMING on DVD and BD, read back from page 2Ah), and what
// ends a burn (SYNCHRONIZE CACHE, CLOSE TRACK, CLOSE SESSION or a finalize close function).

import { CloseFunction, closeTrackSession } from '../scsi/mmc/close-track-session.js';
import {
  RotationControl,
  decodeCapabilitiesAndMechanicalStatusPage,
} from '../scsi/mmc/mode-pages/capabilities-and-mechanical-status.js';
import {
  DataBlockType,
  MultiSession,
  WriteType,
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../scsi/mmc/mode-pages/write-parameters.js';
import { SET_CD_SPEED_MAXIMUM, RotationalControl, setCdSpeed } from '../scsi/mmc/set-cd-speed.js';
import { setStreaming } from '../scsi/mmc/set-streaming.js';
import { WriteRotationControl } from '../scsi/mmc/get-performance.js';
import type { DiscRecorder } from '../device/recorder.js';
import { BgFormatStatus } from '../scsi/mmc/read-disc-information.js';
import type { Clock } from '../transport/clock.js';
import { awaitImmediate, type OperationProgress } from './progress-poll.js';
import { ModePageRequestType, ModePageType, ProfileType } from '../device/types.js';

/** Closing a session (lead-out, border) or finalizing can take minutes on a real drive. */
const CLOSE_TIMEOUT_SEC = 900;

export function isCdProfile(profile: number): boolean {
  return profile === ProfileType.CD_RECORDABLE || profile === ProfileType.CD_REWRITABLE;
}

/** Profiles whose recording the Write Parameters page governs: CD and DVD-R/RW sequential. */
export function usesWriteParameters(profile: number): boolean {
  return (
    isCdProfile(profile) ||
    profile === ProfileType.DVD_DASH_RECORDABLE ||
    profile === ProfileType.DVD_DASH_RW_SEQUENTIAL
  );
}

export interface WriteParameterChoice {
  /** Leave the next session open (Multi-session 11b) rather than close the disc (00b). */
  readonly nextSessionAllowed: boolean;
  /** BUFE: buffer underrun free recording. */
  readonly bufe: boolean;
  /** Test Write: simulate (the laser stays at read power). */
  readonly testWrite: boolean;
  /** DVD-R/RW Disc-at-Once (write type 2) instead of incremental; the disc is closed by it. */
  readonly dao?: boolean;
}

/**
 * Read-modify-write of the Write Parameters page (current values): CD Track-at-Once Mode 1
 * (track mode 4, data uninterrupted), DVD-R/RW incremental (track mode 5) or Disc-at-Once
 * (write type 2, Multi-session 00b: a DAO disc takes no further session); data block type Mode
 * 1 (2048 bytes), the multi-session field, BUFE and Test Write. The page's other fields stay as
 * the drive had them (its MCN/ISRC, vendor bytes).
 */
export async function setWriteParameters(
  recorder: DiscRecorder,
  profile: number,
  c: WriteParameterChoice,
): Promise<void> {
  const current = decodeWriteParametersPage(
    await recorder.getModePage(ModePageType.WRITE_PARAMETERS, ModePageRequestType.CURRENT_VALUES),
  );
  const cd = isCdProfile(profile);
  const page = encodeWriteParametersPage({
    ...current,
    writeType: cd ? WriteType.TAO : c.dao === true ? WriteType.SAO : WriteType.PACKET_INCREMENTAL,
    trackMode: cd ? 4 : 5,
    dataBlockType: DataBlockType.MODE_1,
    multiSession:
      c.nextSessionAllowed && c.dao !== true
        ? MultiSession.NEXT_SESSION_ALLOWED
        : MultiSession.NO_NEXT_SESSION,
    bufe: c.bufe,
    testWrite: c.testWrite,
    fp: false,
  });
  await recorder.setModePage(ModePageRequestType.CURRENT_VALUES, page);
}

/** kB/s (1000 bytes) per sector/s: CD speeds count 2352-byte sectors, DVD and BD 2048. */
export function kBpsPerSectorPerSecond(profile: number): number {
  return isCdProfile(profile) ? 2.352 : 2.048;
}

/** The value IMAPI2 takes for "the drive's maximum" in setWriteSpeed. */
export const MAX_WRITE_SPEED = 0xffffffff;

/**
 * Select a write speed. CD: SET CD SPEED (FFFFh = maximum). DVD/BD: SET STREAMING with a Type
 * 00h descriptor over LBA 0..`endLba`, `writeSizeKB` per 1000 ms; the maximum is the fastest
 * speed GET PERFORMANCE lists. A drive answers with the speed it can do (read it back with
 * currentWriteSpeed), so the request is a request.
 */
export async function applyWriteSpeed(
  recorder: DiscRecorder,
  profile: number,
  sectorsPerSecond: number,
  pureCav: boolean,
  endLba: number,
): Promise<void> {
  const factor = kBpsPerSectorPerSecond(profile);
  if (isCdProfile(profile)) {
    const kBps =
      sectorsPerSecond === MAX_WRITE_SPEED
        ? SET_CD_SPEED_MAXIMUM
        : Math.min(SET_CD_SPEED_MAXIMUM - 1, Math.max(1, Math.round(sectorsPerSecond * factor)));
    await recorder.executeCommand(
      setCdSpeed({
        writeSpeedKBps: kBps,
        rotationalControl: pureCav ? RotationalControl.PURE_CAV : RotationalControl.CLV,
      }),
    );
    return;
  }
  let kBps: number;
  if (sectorsPerSecond === MAX_WRITE_SPEED) {
    const speeds = await recorder.writeSpeeds();
    kBps = Math.max(0, ...speeds.map((s) => s.writeSpeedKBps));
    if (kBps === 0) return; // the drive lists no speed: leave it at its own choice
  } else {
    kBps = Math.max(1, Math.round(sectorsPerSecond * factor));
  }
  await recorder.executeCommand(
    setStreaming({
      wrc: pureCav ? WriteRotationControl.CAV : WriteRotationControl.DEFAULT,
      endLba: Math.max(0, endLba),
      readSizeKB: kBps,
      readTimeMs: 1000,
      writeSizeKB: kBps,
      writeTimeMs: 1000,
    }),
  );
}

async function capabilities(recorder: DiscRecorder) {
  return decodeCapabilitiesAndMechanicalStatusPage(
    await recorder.getModePage(
      ModePageType.LEGACY_CAPABILITIES,
      ModePageRequestType.CURRENT_VALUES,
    ),
  );
}

/** Current write speed from the capabilities page (2Ah), in sectors per second; 0 if unknown. */
export async function currentWriteSpeed(recorder: DiscRecorder, profile: number): Promise<number> {
  const page = await capabilities(recorder);
  const kBps = page.currentWriteSpeedSelectedKBps ?? page.currentWriteSpeedKBps ?? 0;
  return Math.round(kBps / kBpsPerSectorPerSecond(profile));
}

/**
 * Whether the drive writes pure CAV now: Rotation Control Selected (page 2Ah byte 27) is 01b. A
 * page too short to hold the field (MMC-2 drives) reads as CLV, the drive's default.
 */
export async function currentRotationIsPureCav(recorder: DiscRecorder): Promise<boolean> {
  return (await capabilities(recorder)).rotationControlSelected === RotationControl.CAV;
}

/** How a burn ends on sequential media. */
export type Closing = 'session' | 'finalize-compatible' | 'finalize';

/**
 * IMAPI2's closing rule (IDiscFormat2Data::DisableConsumerDvdCompatibilityMode remarks): on
 * DVD+R and DVD+R DL the compatibility mode finalizes; without it DVD+R DL is finalized anyway
 * and DVD+R only when forced. Elsewhere forceMediaToBeClosed alone decides.
 */
export function closingFor(
  profile: number,
  forceMediaToBeClosed: boolean,
  disableConsumerDvdCompatibilityMode: boolean,
): Closing {
  if (profile === ProfileType.DVD_PLUS_R || profile === ProfileType.DVD_PLUS_R_DUAL) {
    if (!disableConsumerDvdCompatibilityMode) return 'finalize-compatible';
    if (forceMediaToBeClosed || profile === ProfileType.DVD_PLUS_R_DUAL) return 'finalize';
    return 'session';
  }
  return forceMediaToBeClosed ? 'finalize' : 'session';
}

/** Clock and progress listener for the closes, which run with IMMED and are then polled. */
export interface CloseWait {
  readonly clock: Clock;
  readonly onProgress?: OperationProgress;
}

/**
 * One CLOSE TRACK/SESSION with IMMED, then TEST UNIT READY polled until the drive is done
 * (progress-poll.ts): a close can take minutes, and the drive reports how far it is.
 */
export async function sendClose(
  recorder: DiscRecorder,
  closeFunction: number,
  logicalTrackNumber: number,
  wait: CloseWait,
): Promise<void> {
  await recorder.executeCommand(
    closeTrackSession({ closeFunction, logicalTrackNumber, immed: true }),
    { timeoutSec: CLOSE_TIMEOUT_SEC },
  );
  const what = `CLOSE TRACK/SESSION ${closeFunction.toString(2).padStart(3, '0')}b`;
  await awaitImmediate(recorder, wait.clock, what, CLOSE_TIMEOUT_SEC * 1000, wait.onProgress);
}

/**
 * After the data of a sequential burn: CLOSE TRACK of `trackNumber`, then close the session.
 * CD and DVD-R/RW close the session with 010b and the Multi-session field (set before writing)
 * decides whether that finalizes; DVD+R finalizes with 101b (minimal radius, the compatible
 * close) or 110b; BD-R with 110b.
 */
export async function closeSequential(
  recorder: DiscRecorder,
  profile: number,
  trackNumber: number,
  closing: Closing,
  wait: CloseWait,
): Promise<void> {
  const run = (closeFunction: number, logicalTrackNumber = 0) =>
    sendClose(recorder, closeFunction, logicalTrackNumber, wait);
  await run(CloseFunction.CLOSE_TRACK, trackNumber);
  const plus = profile === ProfileType.DVD_PLUS_R || profile === ProfileType.DVD_PLUS_R_DUAL;
  if (closing === 'session' || usesWriteParameters(profile)) {
    await run(CloseFunction.CLOSE_SESSION);
    return;
  }
  if (plus && closing === 'finalize-compatible') {
    await run(CloseFunction.FINALIZE_MINIMAL_RADIUS);
    return;
  }
  await run(CloseFunction.FINALIZE);
}

/**
 * DVD+RW after the data. Compatibility mode: CLOSE SESSION (010b) stops a background format and
 * writes the lead-out so that DVD-ROM drives read the disc (growisofs -dvd-compat, libburn).
 * Without it: a running background format is only stopped, quickly (000b, as growisofs does);
 * otherwise nothing. Returns the close function sent, if any.
 */
export async function closeOverwrite(
  recorder: DiscRecorder,
  profile: number,
  compatible: boolean,
  wait: CloseWait,
): Promise<number | undefined> {
  if (profile !== ProfileType.DVD_PLUS_RW) return undefined;
  let fn: number | undefined = CloseFunction.CLOSE_SESSION;
  if (!compatible) {
    const running =
      (await recorder.discInformation()).bgFormatStatus === BgFormatStatus.IN_PROGRESS;
    fn = running ? STOP_BACKGROUND_FORMAT : undefined;
  }
  if (fn !== undefined) await sendClose(recorder, fn, 0, wait);
  return fn;
}

/** DVD+RW close function 000b: stop the background format (de-icing) quickly. */
const STOP_BACKGROUND_FORMAT = 0b000;
