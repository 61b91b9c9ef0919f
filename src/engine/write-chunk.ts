// One chunk's WRITE with the engine's retry policy (spec §2.4.5): what is retried is the sense
// policy's verdict (src/device/sense-policy.ts: 2/04/07, 2/04/08, command timeouts and transport
// errors waiting may mend); here the exponential back-off inside a 180 s budget, and which
// failure the chunk reports (the first, unless a later one supersedes it).

import { DwError, HR } from '../errors.js';
import { encodeWrite10Cdb } from '../scsi/block/write-10.js';
import { encodeWrite12Cdb } from '../scsi/block/write-12.js';
import { Opcode } from '../scsi/opcodes.js';
import type { Clock } from '../transport/clock.js';
import type { DataOutHold } from '../transport/transport.js';
import {
  IncompleteWriteError,
  rejectionVerdict,
  senseVerdict,
  type Failure,
  type Verdict,
} from '../device/sense-policy.js';
import type { DiscRecorderEx, SenseResult } from '../device/types.js';
import type { AbortFlag } from './pipeline.js';

/** Per-command timeout of a WRITE, seconds. */
export const WRITE_TIMEOUT_SEC = 60;
/** Time a chunk may spend on attempts and back-off, counted from its first attempt. */
export const CHUNK_BUDGET_MS = 180_000;

/** Wait before retry k (k = 1, 2, …): 10 ms doubling, capped at 250 ms. */
export function backoffMs(k: number): number {
  return Math.min(10 * 2 ** Math.min(k - 1, 10), 250);
}

export interface Chunk {
  readonly lba: number;
  readonly blocks: number;
  readonly data: Uint8Array;
  readonly streaming: boolean;
  /** The slot's hold, offered on every attempt when the recorder has held writes. */
  readonly hold: DataOutHold | undefined;
}

/** The CDB of one chunk's WRITE (spec §2.6). */
export function chunkCdb(chunk: {
  readonly lba: number;
  readonly blocks: number;
  readonly streaming: boolean;
}): Uint8Array {
  return chunk.streaming
    ? encodeWrite12Cdb({ lba: chunk.lba, transferLength: chunk.blocks, streaming: true })
    : encodeWrite10Cdb({ lba: chunk.lba, transferLength: chunk.blocks });
}

/**
 * One attempt's WRITE: through the recorder's held writes when it has them, offering the chunk's
 * hold (the zero-copy hand-off), otherwise SendCommandSendDataToDevice as IMAPI2 has it.
 */
function send(
  recorder: DiscRecorderEx,
  cdb: Uint8Array,
  chunk: Chunk,
): Promise<SenseResult & { readonly held?: boolean }> {
  const held = recorder.heldWrites;
  const hold = chunk.hold;
  return held === undefined || hold === undefined
    ? recorder.sendCommandSendDataToDevice(cdb, WRITE_TIMEOUT_SEC, chunk.data)
    : held.sendCommandSendDataToDevice(cdb, WRITE_TIMEOUT_SEC, chunk.data, hold);
}

/**
 * Write one chunk; resolves when the drive accepted it, true when the transport still holds the
 * chunk's bytes (it releases them through `chunk.hold`), and rejects with the chunk's DwError.
 *
 * The first attempt is all a healthy drive needs, so it is kept apart from the retry loop: the
 * per-chunk path stays small and allocates nothing beyond its command (docs/benchmarks-history.md,
 * "File-backed: zero-copy hand-off").
 */
export async function writeChunk(
  recorder: DiscRecorderEx,
  clock: Clock,
  abort: AbortFlag,
  chunk: Chunk,
): Promise<boolean> {
  const cdb = chunkCdb(chunk);
  const started = clock.now();
  let verdict: Verdict;
  try {
    const r = await send(recorder, cdb, chunk);
    if (r.hr !== HR.S_IMAPI_COMMAND_HAS_SENSE_DATA) return r.held === true;
    verdict = senseVerdict(r.sense, opcodeOf(chunk), 'write', 1, commandName(chunk));
  } catch (e) {
    verdict = rejectionVerdict(e, commandName(chunk));
  }
  if (verdict.action === 'success') return false;
  return retryChunk(recorder, clock, abort, chunk, cdb, started, verdict);
}

export function commandName(chunk: { readonly streaming: boolean }): string {
  return chunk.streaming ? 'WRITE(12)' : 'WRITE(10)';
}

export function opcodeOf(chunk: { readonly streaming: boolean }): number {
  return chunk.streaming ? Opcode.WRITE_12 : Opcode.WRITE_10;
}

/**
 * The rest of §2.4.5 after a first attempt that did not complete the chunk (also the queued
 * writer's, once the commands after the chunk are aborted): resolves when a retry completed it,
 * rejects with the chunk's DwError at once for a verdict that is no retry.
 */
export async function retryChunk(
  recorder: DiscRecorderEx,
  clock: Clock,
  abort: AbortFlag,
  chunk: Chunk,
  cdb: Uint8Array,
  started: number,
  firstVerdict: Verdict,
): Promise<boolean> {
  const name = commandName(chunk);
  let first: Failure | undefined;
  let last: Failure | undefined;
  let attempts = 1;
  let verdict = firstVerdict;

  const fail = (reported: Failure, hr = reported.hr, message = reported.message): DwError => {
    const info = reported.senseInfo;
    return new DwError(hr, {
      message: `${message} (LBA ${chunk.lba}, ${chunk.blocks} blocks, ${attempts} attempt${attempts === 1 ? '' : 's'})`,
      ...(reported.cause === undefined ? {} : { cause: reported.cause }),
      ...(reported.sense === undefined ? {} : { sense: reported.sense }),
      ...(info === undefined ? {} : { senseInfo: info }),
      // The sense's own hint (sense-hints.ts), unless the chunk is reported as something else.
      ...(reported.hint === undefined || hr !== reported.hr ? {} : { hint: reported.hint }),
      command: name,
      cdb,
      lba: chunk.lba,
      blocks: chunk.blocks,
      attempts,
      ...(last === undefined ? {} : { lastHr: last.hr }),
      ...(last?.sense === undefined ? {} : { lastSense: last.sense }),
    });
  };

  for (;;) {
    if (verdict.action === 'success') return false;
    last = verdict.failure;
    first ??= verdict.failure;
    // retry-once is a typed helper's; on the WRITE path only retry-backoff goes round again.
    if (verdict.action !== 'retry-backoff') {
      throw fail(verdict.failure.supersedes === true ? verdict.failure : first);
    }
    if (abort.raised)
      throw fail(first, HR.E_IMAPI_REQUEST_CANCELLED, `${name} cancelled during retries`);
    if (clock.now() - started >= CHUNK_BUDGET_MS) {
      throw fail(
        first,
        first.hr,
        `${first.message}; gave up after ${CHUNK_BUDGET_MS / 1000} s of retries`,
      );
    }
    try {
      await clock.sleep(backoffMs(attempts), abort.signal);
    } catch {
      throw fail(first, HR.E_IMAPI_REQUEST_CANCELLED, `${name} cancelled during retries`);
    }
    if (clock.now() - started >= CHUNK_BUDGET_MS) {
      throw fail(
        first,
        first.hr,
        `${first.message}; gave up after ${CHUNK_BUDGET_MS / 1000} s of retries`,
      );
    }
    attempts++;
    try {
      const r = await send(recorder, cdb, chunk);
      if (r.hr !== HR.S_IMAPI_COMMAND_HAS_SENSE_DATA) return r.held === true;
      verdict = senseVerdict(r.sense, opcodeOf(chunk), 'write', attempts, name);
    } catch (e) {
      verdict = rejectionVerdict(e, name);
    }
  }
}

/** Blocks a failed chunk's drive took after all (IncompleteWriteError, here or as a cause). */
export function takenBlocks(e: unknown): number {
  for (let c = e, depth = 0; c instanceof Error && depth < 4; c = c.cause, depth++) {
    if (c instanceof IncompleteWriteError) return c.takenBlocks;
  }
  return 0;
}
