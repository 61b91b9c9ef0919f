// Resuming an interrupted section on sequential media (DVD±R, BD-R SRM, CD-R/RW, DVD-RW
// sequential) from the next writable address the drive reports. The write engine itself never
// seeks its source nor asks the drive where to write (spec §2.1); this helper does both, then
// hands the rest of the section to an unchanged WriteEngine.writeSection. docs/iscsi.md
// ("Resuming sequential media after a lost connection") describes the procedure around it.

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { DwError, HR, invalidArgument } from '../errors.js';
import { ProfileType, profileName } from '../scsi/mmc/profiles.js';
import type { TrackInformation } from '../scsi/mmc/read-track-information.js';
import { ReadTrackAddressType, type DiscRecorderEx } from '../device/types.js';
import { sourceError, sourceKind, type BlockReader } from './sources.js';
import { checkExtent, isInt } from './validation.js';
import { WriteEngine, type WriteSectionOptions } from './write-engine.js';

/** Sources a resume can rewind: read at any byte offset, never consumed by an earlier attempt. */
export type SeekableSource = Uint8Array | string | FileHandle;

export interface ResumeSectionOptions extends WriteSectionOptions {
  /**
   * Byte offset of the section's first block in the source (default 0). A FileHandle is read
   * with positioned reads from here: its own file position is neither used nor moved, because an
   * interrupted writeSection left it wherever its reader had got to.
   */
  readonly sourceOffset?: number;
}

export interface ResumeResult {
  /** The LBA writing restarted at: the drive's next writable address. */
  readonly resumedAt: number;
  /** Blocks of the section the drive already holds (resumedAt − startLba). */
  readonly skippedBlocks: number;
  /** Blocks written now (0 when the drive already held the whole section). */
  readonly writtenBlocks: number;
}

/** What resumeSection needs of the engine's recorder beyond DiscRecorderEx (DiscRecorder has it). */
interface TrackReporter {
  trackInformation(address: number, type: ReadTrackAddressType): Promise<TrackInformation>;
  getCurrentProfile(): Promise<number>;
}

/**
 * Profiles written at any LBA. They have no next writable address to resume from (drives report
 * NWA_V = 0 or a value unrelated to what was written), so an interrupted section is simply
 * written again whole.
 */
const RANDOM_WRITABLE_PROFILES: ReadonlySet<number> = new Set([
  ProfileType.NON_REMOVABLE_DISK,
  ProfileType.REMOVABLE_DISK,
  ProfileType.MO_ERASABLE,
  ProfileType.MO_WRITE_ONCE,
  ProfileType.AS_MO,
  ProfileType.DVD_RAM,
  ProfileType.DVD_DASH_REWRITABLE, // restricted overwrite
  ProfileType.DVD_PLUS_RW,
  ProfileType.DVD_PLUS_RW_DUAL,
  ProfileType.BD_R_RANDOM_RECORDING,
  ProfileType.BD_REWRITABLE,
  ProfileType.HD_DVD_RAM,
]);

function asTrackReporter(r: DiscRecorderEx): (DiscRecorderEx & TrackReporter) | undefined {
  const o = r as unknown as Record<string, unknown>;
  return typeof o.trackInformation === 'function' && typeof o.getCurrentProfile === 'function'
    ? (r as DiscRecorderEx & TrackReporter)
    : undefined;
}

/** The current profile, or undefined from a drive without GET CONFIGURATION (pre-MMC-2 CD). */
async function currentProfile(r: TrackReporter): Promise<number | undefined> {
  try {
    return await r.getCurrentProfile();
  } catch (e) {
    if (e instanceof DwError && e.hr === HR.E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED) {
      return undefined;
    }
    throw e;
  }
}

/** Reads a file from `start` with positioned reads; fills completely except at end of file. */
function positionedReader(fh: FileHandle, start: number): BlockReader {
  let at = start;
  return {
    async readInto(dst) {
      let got = 0;
      while (got < dst.length) {
        const { bytesRead } = await fh.read(dst, got, dst.length - got, at);
        if (bytesRead === 0) break;
        got += bytesRead;
        at += bytesRead;
      }
      return got;
    },
  };
}

/**
 * Resume the section of `blocks` blocks that a writeSection(source, startLba, blocks) began, from
 * the next writable address (NWA) the drive reports, on sequential media.
 *
 * Exactly what it does, through `engine.recorder` (a DiscRecorder):
 * 1. GET CONFIGURATION (current profile). Random-writable media — DVD+RW, DVD-RAM, DVD-RW
 *    restricted overwrite, BD-RE, BD-R RRM, MO — are refused with
 *    E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE: they have no NWA that tells what was recorded, so the
 *    caller writes the whole section again with writeSection. A drive without GET CONFIGURATION
 *    goes on to step 2.
 * 2. READ TRACK INFORMATION for the track containing `startLba` (Address/Number Type 00b). No
 *    other command is sent first: not SYNCHRONIZE CACHE, since flushing mid-track lets a DVD±R
 *    or BD-R drive pad a partly filled ECC block or cluster and move the NWA past blocks that
 *    would then hold padding, not the source. A first unit attention after a reconnect is
 *    retried by the recorder.
 * 3. Refusals, each an ERROR_INVALID_ADDRESS DwError naming what the drive reports, with nothing
 *    written: NWA_V clear (the track is closed or damaged, or the disc is finalized: nothing more
 *    can be appended to it), NWA below `startLba` (blocks between were never written; a resume
 *    does not fill gaps) or NWA above `startLba + blocks` (the drive holds more than this section,
 *    so it is not the section's interrupted write).
 * 4. NWA = startLba + blocks: the drive already holds the whole section; nothing is written.
 * 5. Otherwise writeSection of the remaining `startLba + blocks − NWA` blocks at LBA NWA, from
 *    source byte `sourceOffset + (NWA − startLba) × bytesPerSector`, with the engine's settings
 *    and `options.signal`.
 *
 * Why rewinding to the NWA is safe on write-once media: on DVD±R, BD-R SRM and CD-R a drive
 * records strictly in order and the NWA is the first block it has not recorded; every block
 * above it is still blank, and no block at or above it was ever acknowledged as recorded. Blocks
 * below it are the section's own data (the first ones a previous attempt wrote, including any
 * part of the command whose outcome was lost with the connection), so they are skipped. A write
 * at any other LBA would fail with 05/21/02 anyway.
 *
 * The source must be seekable: a Uint8Array (the section starts at `sourceOffset`), a path or a
 * FileHandle (read with positioned reads from `sourceOffset`). Streams are refused with
 * E_INVALIDARG: what an earlier attempt consumed of them cannot be read again. Afterwards the
 * caller finishes as after any section (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION).
 */
export async function resumeSection(
  engine: WriteEngine,
  source: SeekableSource,
  startLba: number,
  blocks: number,
  options: ResumeSectionOptions = {},
): Promise<ResumeResult> {
  if (!(engine instanceof WriteEngine)) throw invalidArgument('resumeSection needs a WriteEngine');
  const recorder = engine.recorder;
  if (recorder === null) {
    throw new DwError(HR.E_IMAPI_RECORDER_REQUIRED, {
      message: 'no recorder has been assigned; call engine.setRecorder() first',
    });
  }
  const reporter = asTrackReporter(recorder);
  if (reporter === undefined) {
    throw invalidArgument(
      "resumeSection needs the engine's recorder to offer trackInformation() and getCurrentProfile() (a DiscRecorder)",
    );
  }
  const kind = sourceKind(source);
  if (kind !== 'bytes' && kind !== 'path' && kind !== 'filehandle') {
    throw invalidArgument(
      'resumeSection needs a seekable source (Uint8Array, file path or FileHandle): a stream cannot be rewound to the next writable address',
    );
  }
  const bps = engine.bytesPerSector;
  checkExtent(bps, startLba, blocks, { start: 'startLba', blocks: 'blocks' });
  const sourceOffset = options.sourceOffset ?? 0;
  if (!isInt(sourceOffset, 0, Number.MAX_SAFE_INTEGER)) {
    throw invalidArgument('sourceOffset must be a non-negative integer');
  }
  const end = startLba + blocks; // first LBA after the section

  const profile = await currentProfile(reporter);
  if (profile !== undefined && RANDOM_WRITABLE_PROFILES.has(profile)) {
    throw new DwError(HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE, {
      message: `cannot resume on ${profileName(profile)} (profile ${profile.toString(16).padStart(4, '0')}h): random-writable media have no next writable address; write the whole section again with writeSection`,
    });
  }

  const track = await reporter.trackInformation(startLba, ReadTrackAddressType.LBA);
  const where = `track ${track.logicalTrackNumber} (session ${track.sessionNumber}, starting at LBA ${track.logicalTrackStartAddress})`;
  if (!track.nwaV) {
    const state = track.damage ? 'damaged' : 'closed, or the disc finalized';
    throw new DwError(HR.ERROR_INVALID_ADDRESS, {
      message: `cannot resume the section at LBA ${startLba}..${end - 1}: the drive reports no next writable address for ${where} (NWA_V = 0: the track is ${state}); nothing more can be written to it`,
      lba: startLba,
    });
  }
  const nwa = track.nextWritableAddress;
  if (nwa < startLba) {
    throw new DwError(HR.ERROR_INVALID_ADDRESS, {
      message: `cannot resume the section at LBA ${startLba}..${end - 1}: the drive's next writable address in ${where} is LBA ${nwa}, before the section; blocks ${nwa}..${startLba - 1} were never written and a resume does not fill gaps`,
      lba: nwa,
    });
  }
  if (nwa > end) {
    throw new DwError(HR.ERROR_INVALID_ADDRESS, {
      message: `cannot resume the section at LBA ${startLba}..${end - 1}: the drive's next writable address in ${where} is LBA ${nwa}, beyond the section's end; the drive holds data this section did not write`,
      lba: nwa,
    });
  }
  const skippedBlocks = nwa - startLba;
  const remaining = end - nwa;
  if (remaining === 0) return { resumedAt: nwa, skippedBlocks, writtenBlocks: 0 };

  const byteOffset = sourceOffset + skippedBlocks * bps;
  const writeOptions: WriteSectionOptions =
    options.signal === undefined ? {} : { signal: options.signal };
  if (kind === 'bytes') {
    const bytes = source as Uint8Array;
    await engine.writeSection(
      bytes.subarray(Math.min(byteOffset, bytes.length)),
      nwa,
      remaining,
      writeOptions,
    );
  } else if (kind === 'filehandle') {
    await engine.writeSection(
      positionedReader(source as FileHandle, byteOffset),
      nwa,
      remaining,
      writeOptions,
    );
  } else {
    let fh: FileHandle;
    try {
      fh = await open(source as string, 'r');
    } catch (e) {
      throw sourceError(e, `cannot open source ${source as string}`);
    }
    try {
      await engine.writeSection(positionedReader(fh, byteOffset), nwa, remaining, writeOptions);
    } finally {
      // A read-only handle has nothing to lose on close; never let it mask the write's outcome.
      await fh.close().catch(() => undefined);
    }
  }
  return { resumedAt: nwa, skippedBlocks, writtenBlocks: remaining };
}
