// Media operations the write engine leaves to its caller (spec §2.1): finding where to write,
// finishing a write (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION) and reading blocks back in
// transfer-sized chunks. Functions over a DiscRecorder, so sense still becomes errors only in the
// recorder (its typed-helper path).

import { invalidArgument } from '../errors.js';
import { MAX_INT32, MIN_INT32 } from '../scsi/bytes.js';
import { CloseFunction, closeTrackSession } from '../scsi/mmc/close-track-session.js';
import type { DiscStatus } from '../scsi/mmc/read-disc-information.js';
import type { DiscRecorder } from './recorder.js';
import { ReadTrackAddressType } from './types.js';

/** Closing a session on a slow real drive can take minutes (lead-out, border). */
const CLOSE_TIMEOUT_SEC = 900;

/** Where the next write goes on sequential media, from the last track of the last session. */
export interface WritablePosition {
  /** The track the NWA belongs to (the invisible or incomplete track). */
  readonly trackNumber: number;
  /** Next writable address, or undefined when the drive reports none (NWA_V clear). */
  readonly nextWritableAddress: number | undefined;
  readonly freeBlocks: number;
  /** Disc Status (DiscStatus). */
  readonly discStatus: DiscStatus;
}

/** READ DISC INFORMATION, then READ TRACK INFORMATION of the last track in the last session. */
export async function writablePosition(recorder: DiscRecorder): Promise<WritablePosition> {
  const disc = await recorder.discInformation();
  const trackNumber = disc.lastTrackNumberInLastSession;
  const track = await recorder.trackInformation(trackNumber, ReadTrackAddressType.TRACK);
  return {
    trackNumber,
    nextWritableAddress: track.nwaV ? track.nextWritableAddress : undefined,
    freeBlocks: track.freeBlocks,
    discStatus: disc.discStatus,
  };
}

export interface CloseOptions {
  /** Default 900 s: without IMMED the drive answers only when the close is done. */
  readonly timeoutSec?: number;
}

/** CLOSE TRACK/SESSION, Close Function 001b: close logical track `trackNumber`. */
export async function closeTrack(
  recorder: DiscRecorder,
  trackNumber: number,
  options: CloseOptions = {},
): Promise<void> {
  if (!Number.isInteger(trackNumber) || trackNumber < 0 || trackNumber > 0xffff) {
    throw invalidArgument(`track number ${trackNumber} is outside 0..65535`);
  }
  await recorder.executeCommand(
    closeTrackSession({
      closeFunction: CloseFunction.CLOSE_TRACK,
      logicalTrackNumber: trackNumber,
    }),
    { timeoutSec: options.timeoutSec ?? CLOSE_TIMEOUT_SEC },
  );
}

/** CLOSE TRACK/SESSION, Close Function 010b: close the session (DVD+R and BD-R stay appendable). */
export async function closeSession(
  recorder: DiscRecorder,
  options: CloseOptions = {},
): Promise<void> {
  await recorder.executeCommand(closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION }), {
    timeoutSec: options.timeoutSec ?? CLOSE_TIMEOUT_SEC,
  });
}

export interface ReadRange {
  readonly lba: number;
  readonly blocks: number;
  /** Bytes per block, default 2048. */
  readonly blockSize?: number;
}

/**
 * READ(10) over `blocks` blocks from `lba`, one command per chunk of at most the recorder's
 * page-aligned maximum transfer (65,535 blocks at most), yielded in order. Each chunk is a fresh
 * buffer, so a consumer may keep it.
 */
export async function* readBlockChunks(
  recorder: DiscRecorder,
  range: ReadRange,
): AsyncGenerator<Uint8Array, void, undefined> {
  const blockSize = range.blockSize ?? 2048;
  const { lba, blocks } = range;
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0x10000) {
    throw invalidArgument(`block size ${blockSize} is outside 1..65536`);
  }
  if (!Number.isInteger(lba) || lba < MIN_INT32 || lba > MAX_INT32) {
    throw invalidArgument(`LBA ${lba} is not a signed 32-bit integer`);
  }
  if (!Number.isInteger(blocks) || blocks < 1 || lba + blocks - 1 > MAX_INT32) {
    throw invalidArgument(`block count ${blocks} must be ≥ 1 and end at or below LBA 2147483647`);
  }
  // The path's largest transfer (bounded; Block Limits where the drive reports it): at a distance
  // each READ costs a round trip, so reads take as much as the path allows.
  const maxTransfer = (await recorder.getTransferLimits()).maximumBytes;
  const perCommand = Math.min(0xffff, Math.floor(maxTransfer / blockSize));
  if (perCommand < 1) {
    throw invalidArgument(
      `a ${blockSize}-byte block exceeds the recorder's maximum transfer of ${maxTransfer} bytes`,
    );
  }
  for (let done = 0; done < blocks;) {
    const n = Math.min(perCommand, blocks - done);
    yield await recorder.readBlocks(lba + done, n, blockSize);
    done += n;
  }
}
