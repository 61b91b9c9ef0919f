// One whole-disc burn, phase by phase (IDiscFormat2Data::Write; the sequence per profile is in
// docs/burning.md): validate the media against the request, format blank overwrite media, set
// the drive up (Write Parameters, speed), write the data with the write engine, close or
// finalize, and verify. Every decision reads the drive's state; nothing about the media is
// assumed from its name. DiscFormat2Data (disc-format2-data.ts) wraps it with the IMAPI2 surface.

import { DwError, HR } from '../errors.js';
import { WriteEngine, type BlockReader, type WriteEngineEventArgs } from '../engine/index.js';
import type { DiscRecorder } from '../device/recorder.js';
import type { Clock } from '../transport/clock.js';
import {
  BurnVerificationLevel,
  Format2DataMediaState as F,
  Format2DataWriteAction as A,
  ProfileType,
} from '../device/types.js';
import type { OpenedSource } from './data-source.js';
import { formatMedia, type FormatChoice } from './format-media.js';
import {
  layerBreakOf,
  mediaStateFlags,
  needsFormat,
  readMedia,
  writableArea,
  type MediaSnapshot,
} from './media-state.js';
import { RecordingReader, verifyFull, verifyQuick } from './verify.js';
import {
  applyWriteSpeed,
  closeOverwrite,
  closeSequential,
  closingFor,
  setWriteParameters,
  usesWriteParameters,
  type Closing,
} from './write-setup.js';
import { heuristicallyBlank } from './blank-check.js';
import { reserveTrack } from '../scsi/mmc/reserve-track.js';
import { BgFormatStatus, DiscStatus } from '../scsi/mmc/read-disc-information.js';
import type { OperationProgress } from './progress-poll.js';
import { FeaturePageType } from '../scsi/mmc/features/feature-codes.js';

const SECTOR = 2048;

export interface BurnSettings {
  readonly forceMediaToBeClosed: boolean;
  readonly disableConsumerDvdCompatibilityMode: boolean;
  readonly bufferUnderrunFreeDisabled: boolean;
  readonly forceOverwrite: boolean;
  /**
   * Format unformatted overwrite media in the burn (IMAPI2's Write does; the default). False:
   * only a blank DVD+RW is (its format runs in the background, as every burner does it); BD-RE,
   * DVD-RAM and the like are refused with E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED before anything.
   */
  readonly formatUnformattedMedia: boolean;
  readonly verificationLevel: number;
  /** Simulate (Write Parameters Test Write): CD and DVD-R/RW only. */
  readonly testWrite: boolean;
  /** Sectors per second to request before writing (MAX_WRITE_SPEED: the fastest); none: leave. */
  readonly writeSpeed: { readonly sectorsPerSecond: number; readonly pureCav: boolean } | undefined;
}

export interface BurnHooks {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  phase(action: number): void;
  engine(engine: WriteEngine): void;
  engineUpdate(args: WriteEngineEventArgs): void;
  verifyProgress(blocksVerified: number, blocks: number): void;
  /** A FORMAT UNIT or CLOSE sent with IMMED is running: the drive's progress (progress-poll.ts). */
  operationProgress: OperationProgress;
}

/** What a finished burn did, from the drive's answers. */
export interface BurnResult {
  readonly profile: number;
  readonly physicalType: number;
  readonly startLba: number;
  readonly blocks: number;
  /** The track written (sequential media), as READ TRACK INFORMATION numbered it. */
  readonly trackNumber: number | undefined;
  /** SHA-256 (hex) of the data handed to the drive. */
  readonly sha256: string;
  /** How the disc was left: `open` (overwrite media), a closed session, or finalized. */
  readonly closing: Closing | 'open' | 'simulated';
  readonly verificationLevel: number;
  /** The FORMAT UNIT sent first, when the disc was blank overwrite media. */
  readonly formatted: FormatChoice | undefined;
  /** IMAPI_FORMAT2_DATA_MEDIA_STATE after the burn. */
  readonly mediaStateAfter: number;
  /** DVD-R/RW written Disc-at-Once (RESERVE TRACK of the image, no CLOSE); else incremental. */
  readonly dao: boolean;
  /** DVD+R DL: layer 0's data zone capacity (READ DISC STRUCTURE 20h), the first LBA of layer 1. */
  readonly layerBreak: number | undefined;
}

function refuse(hr: number, message: string, hint?: string): DwError {
  return new DwError(hr, hint === undefined ? { message } : { message, hint });
}

function checkCancel(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new DwError(HR.E_IMAPI_REQUEST_CANCELLED, { message: 'the burn was cancelled' });
  }
}

/** VALIDATING_MEDIA: the refusals, each before anything is written. */
async function validate(
  recorder: DiscRecorder,
  m: MediaSnapshot,
  blocks: number,
  s: BurnSettings,
): Promise<void> {
  const flags = mediaStateFlags(m);
  if (m.kind === undefined || (flags & F.UNSUPPORTED_MEDIA) !== 0) {
    throw refuse(
      HR.E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
      `the loaded disc (profile 0x${m.profile.toString(16).padStart(4, '0')}) cannot be written by the data writer`,
    );
  }
  if ((flags & (F.FINALIZED | F.ERASE_REQUIRED)) !== 0) {
    throw refuse(
      HR.E_IMAPI_DF2DATA_MEDIA_NOT_BLANK,
      'the disc is closed (finalized): nothing more can be written to it',
      m.disc.erasable ? 'Erase it first (discwright blank).' : 'Use a blank or appendable disc.',
    );
  }
  if (m.writeProtect !== 0) {
    throw refuse(
      HR.E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
      'the drive reports the disc write-protected',
      'Lift the protection (cartridge switch, drive software protection) or use another disc.',
    );
  }
  if ((flags & F.DAMAGED) !== 0) {
    throw refuse(HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE, 'the last session of the disc is damaged');
  }
  if ((flags & F.NON_EMPTY_SESSION) !== 0) {
    throw refuse(
      HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
      'the last session of the disc is open and holds data; a new session cannot start',
      'Close the session first (CLOSE TRACK/SESSION), then write the next one.',
    );
  }
  if (s.testWrite && !usesWriteParameters(m.profile)) {
    throw refuse(
      HR.E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
      'test writes (simulation) are possible on CD-R/RW and DVD-R/RW only',
    );
  }
  if (needsFormat(m) && !s.formatUnformattedMedia && m.profile !== ProfileType.DVD_PLUS_RW) {
    throw refuse(
      HR.E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED,
      'the disc is not formatted, and formatting it was not asked for',
      'Format it first (discwright format), or let the burn format it (discwright burn --format-if-needed).',
    );
  }
  if (m.kind === 'overwrite' && !needsFormat(m) && !s.forceOverwrite) {
    if (!(await heuristicallyBlank(recorder, m))) {
      throw refuse(
        HR.E_IMAPI_DF2DATA_MEDIA_NOT_BLANK,
        'the rewritable disc holds a file system',
        'Set forceOverwrite (discwright burn --force-overwrite) to write over it.',
      );
    }
  }
  checkRoom(m, blocks);
}

const DVD_ECC_BLOCK = 16;

/**
 * DVD-R/RW Disc-at-Once (docs/burning.md): when the burn closes a blank disc and is not a test
 * write, as growisofs does with -dvd-compat and libburn in its SAO mode. A DAO disc is closed by
 * the drive once the reserved track is full, so it is never used for a burn that leaves the disc
 * open, nor on an appendable disc (DAO writes the whole disc).
 */
function usesDao(m: MediaSnapshot, closing: Closing, s: BurnSettings): boolean {
  const minus =
    m.profile === ProfileType.DVD_DASH_RECORDABLE ||
    m.profile === ProfileType.DVD_DASH_RW_SEQUENTIAL;
  return minus && closing === 'finalize' && !s.testWrite && m.disc.discStatus === DiscStatus.EMPTY;
}

/**
 * A blank DVD-R/RW whose drive does not offer Incremental Streaming Writable (0021h) as current
 * (a minimally blanked DVD-RW keeps its old lead-in: only DAO records) can be written only
 * Disc-at-Once, which closes it: without forceMediaToBeClosed that is refused, before anything.
 */
async function checkIncrementalPossible(
  recorder: DiscRecorder,
  m: MediaSnapshot,
  closing: Closing,
  s: BurnSettings,
): Promise<void> {
  if (m.profile !== ProfileType.DVD_DASH_RW_SEQUENTIAL || usesDao(m, closing, s)) return;
  try {
    await recorder.getFeaturePage(FeaturePageType.INCREMENTAL_STREAMING_WRITABLE, true);
  } catch (e) {
    if (!(e instanceof DwError) || e.hr !== HR.E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT) throw e;
    throw refuse(
      HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
      'the drive cannot write this DVD-RW incrementally (minimally blanked: Disc-at-Once only)',
      'Set forceMediaToBeClosed (burn --close) to write it Disc-at-Once, or erase it fully (blank --full).',
    );
  }
}

/**
 * DVD-RW restricted overwrite records whole ECC blocks (MMC-6 4.5.3: the blocking factor of READ
 * TRACK INFORMATION, 16): the image is padded with zero blocks up to the next multiple. So is a
 * DAO track: the drive reserves whole ECC blocks, and the host must fill the reservation exactly.
 */
function writeUnit(m: MediaSnapshot, dao = false): number {
  if (dao) return DVD_ECC_BLOCK;
  if (m.profile !== ProfileType.DVD_DASH_REWRITABLE) return 1;
  return m.lastTrack.fixedPacketSizeBlockingFactor > 1
    ? m.lastTrack.fixedPacketSizeBlockingFactor
    : DVD_ECC_BLOCK;
}

/** `inner`, then `padBytes` zero bytes once it ends. */
function padded(inner: BlockReader, padBytes: number): BlockReader {
  let left = padBytes;
  return {
    async readInto(dst) {
      let n = await inner.readInto(dst);
      if (n < dst.length && left > 0) {
        const z = Math.min(dst.length - n, left);
        dst.fill(0, n, n + z);
        n += z;
        left -= z;
      }
      return n;
    },
  };
}

function checkRoom(m: MediaSnapshot, sourceBlocks: number): void {
  const unit = writeUnit(m);
  const blocks = Math.ceil(sourceBlocks / unit) * unit;
  const area = writableArea(m);
  if (blocks > area.freeSectors) {
    throw refuse(
      HR.E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA,
      `the image has ${blocks} sectors; the disc has room for ${area.freeSectors}`,
    );
  }
}

/** Runs one burn. `source` is closed by the caller. */
export async function burn(
  recorder: DiscRecorder,
  source: OpenedSource,
  s: BurnSettings,
  h: BurnHooks,
): Promise<BurnResult> {
  const blocks = source.bytes / SECTOR;
  h.phase(A.VALIDATING_MEDIA);
  let m = await readMedia(recorder);
  await validate(recorder, m, blocks, s);
  checkCancel(h.signal);

  let formatted: FormatChoice | undefined;
  // DVD+RW whose background format was stopped (01b): restart it before writing, keeping the
  // data, as growisofs and libburn do; a blank one gets a new format.
  const restart =
    m.profile === ProfileType.DVD_PLUS_RW && m.disc.bgFormatStatus === BgFormatStatus.INCOMPLETE;
  if (needsFormat(m) || restart) {
    h.phase(A.FORMATTING_MEDIA);
    formatted = await formatMedia(recorder, {
      mode: 'quick',
      restart,
      clock: h.clock,
      onProgress: h.operationProgress,
    });
    m = await readMedia(recorder);
    checkRoom(m, blocks);
    checkCancel(h.signal);
  }
  const wait = { clock: h.clock, onProgress: h.operationProgress };

  h.phase(A.INITIALIZING_HARDWARE);
  const area = writableArea(m);
  const closing = closingFor(
    m.profile,
    s.forceMediaToBeClosed,
    s.disableConsumerDvdCompatibilityMode,
  );
  await checkIncrementalPossible(recorder, m, closing, s);
  const dao = usesDao(m, closing, s);
  const unit = writeUnit(m, dao);
  const writeBlocks = Math.ceil(blocks / unit) * unit;
  if (m.kind === 'sequential' && usesWriteParameters(m.profile)) {
    await setWriteParameters(recorder, m.profile, {
      nextSessionAllowed: closing === 'session',
      bufe: !s.bufferUnderrunFreeDisabled,
      testWrite: s.testWrite,
      dao,
    });
  }
  if (s.writeSpeed !== undefined) {
    await applyWriteSpeed(
      recorder,
      m.profile,
      s.writeSpeed.sectorsPerSecond,
      s.writeSpeed.pureCav,
      area.totalSectors - 1,
    );
  }
  checkCancel(h.signal);
  // DAO: the track is reserved with exactly the blocks that will be written (padded to ECC
  // blocks); a reservation the drive rounds differently is found by the write, never guessed.
  if (dao)
    await recorder.executeCommand(reserveTrack({ arsv: false, reservationSize: writeBlocks }));

  h.phase(A.WRITING_DATA);
  const rec = new RecordingReader(source.reader, blocks);
  const engine = new WriteEngine({ clock: h.clock });
  await engine.setRecorder(recorder);
  engine.bytesPerSector = SECTOR;
  engine.on('update', (_sender, args) => h.engineUpdate(args));
  h.engine(engine);
  const lba = area.nextWritableAddress;
  try {
    await engine.writeSection(
      writeBlocks === blocks ? rec : padded(rec, (writeBlocks - blocks) * SECTOR),
      lba,
      writeBlocks,
      { signal: h.signal },
    );
  } catch (e) {
    // What was accepted stays on the disc; make sure it reached the medium before reporting.
    await recorder.synchronizeCache().catch(() => undefined);
    throw e;
  }

  h.phase(A.FINALIZATION);
  await recorder.synchronizeCache();
  let closed: BurnResult['closing'];
  if (s.testWrite) {
    // Nothing was recorded; clear Test Write so the next burn is not a simulation by accident.
    await setWriteParameters(recorder, m.profile, {
      nextSessionAllowed: true,
      bufe: !s.bufferUnderrunFreeDisabled,
      testWrite: false,
    });
    closed = 'simulated';
  } else if (dao) {
    // A full DAO track closes the disc with the cache flush (lead-out): no CLOSE TRACK/SESSION,
    // as libburn and growisofs. Trust the drive's answer, not the intent.
    const d = await recorder.discInformation();
    if (d.discStatus !== DiscStatus.COMPLETE) {
      throw refuse(
        HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
        'the Disc-at-Once track was written but the drive does not report the disc closed',
        'Check it with discwright info; discwright close --finalize may finish it.',
      );
    }
    closed = 'finalize';
  } else if (m.kind === 'sequential') {
    await closeSequential(recorder, m.profile, m.lastTrack.logicalTrackNumber, closing, wait);
    closed = closing;
  } else {
    await closeOverwrite(recorder, m.profile, !s.disableConsumerDvdCompatibilityMode, wait);
    closed = 'open';
  }

  // A cancel that came while closing: the disc is closed as asked; skip the verification.
  checkCancel(h.signal);
  const range = { lba, blocks, sequential: m.kind === 'sequential' };
  if (!s.testWrite && s.verificationLevel !== BurnVerificationLevel.NONE) {
    h.phase(A.VERIFYING);
    if (s.verificationLevel === BurnVerificationLevel.FULL) {
      await verifyFull(recorder, range, rec, (n) => h.verifyProgress(n, blocks), h.signal);
    } else {
      await verifyQuick(recorder, range, rec);
    }
  }
  const after = mediaStateFlags(await readMedia(recorder));
  h.phase(A.COMPLETED);
  return {
    profile: m.profile,
    physicalType: m.physicalType,
    startLba: lba,
    blocks,
    trackNumber: m.kind === 'sequential' ? m.lastTrack.logicalTrackNumber : undefined,
    sha256: rec.digest(),
    closing: closed,
    verificationLevel: s.testWrite ? BurnVerificationLevel.NONE : s.verificationLevel,
    formatted,
    mediaStateAfter: after,
    dao,
    layerBreak: await layerBreakOf(recorder, m.profile),
  };
}
