// One chunk's WRITE with the engine's retry policy (spec §2.4.5): retry 2/04/07 and 2/04/08,
// command timeouts and other transport errors with exponential back-off inside a 180 s budget;
// never retry a vanished device; report the first failure seen.

import { DwError, HR, hrText, type HResult, type SenseSummary } from '../errors.js';
import { encodeWrite10Cdb } from '../scsi/block/write-10.js';
import { encodeWrite12Cdb } from '../scsi/block/write-12.js';
import { decodeSense, hrFromSense, summarizeSense } from '../scsi/sense.js';
import type { Clock } from '../transport/clock.js';
import type { DiscRecorderEx, SendDataOptions } from '../device/types.js';
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
  /** The slot's hold (zero-copy hand-off), passed to every attempt. */
  readonly options?: SendDataOptions | undefined;
}

interface Failure {
  readonly hr: HResult;
  readonly sense?: Uint8Array;
  readonly cause?: unknown;
  readonly message: string;
}

type Outcome =
  { kind: 'done' } | { kind: 'retry'; failure: Failure } | { kind: 'fatal'; failure: Failure };

function senseInfo(sense: Uint8Array): SenseSummary | undefined {
  try {
    return summarizeSense(decodeSense(sense));
  } catch {
    return undefined;
  }
}

function senseKey(sense: Uint8Array): number {
  return (sense[2] ?? 0) & 0x0f;
}

function classifySense(sense: Uint8Array, name: string, opcode: number): Outcome {
  const key = senseKey(sense);
  // RECOVERED ERROR: the drive wrote the data and only reports that it had to work for it.
  if (key === 0x1) return { kind: 'done' };
  const asc = sense[12] ?? 0;
  const ascq = sense[13] ?? 0;
  let hr = hrFromSense(sense, opcode);
  if ((hr & 0x80000000) === 0) hr = HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
  const info = senseInfo(sense);
  const failure: Failure = {
    hr,
    sense,
    message: `${name} failed: ${info ? `${info.keyName}: ${info.text}` : hrText(hr)}`,
  };
  if (key === 0x2 && asc === 0x04 && (ascq === 0x07 || ascq === 0x08)) {
    return { kind: 'retry', failure };
  }
  return { kind: 'fatal', failure };
}

function classifyRejection(e: unknown, name: string): Outcome {
  const hr = e instanceof DwError ? e.hr : HR.ERROR_IO_DEVICE;
  const detail = e instanceof Error ? e.message : String(e);
  const failure: Failure = { hr, cause: e, message: `${name} failed: ${detail}` };
  if (hr === HR.ERROR_DEV_NOT_EXIST) return { kind: 'fatal', failure };
  return { kind: 'retry', failure };
}

/** The CDB of one chunk's WRITE (spec §2.6). */
export function chunkCdb(chunk: Chunk): Uint8Array {
  return chunk.streaming
    ? encodeWrite12Cdb({ lba: chunk.lba, transferLength: chunk.blocks, streaming: true })
    : encodeWrite10Cdb({ lba: chunk.lba, transferLength: chunk.blocks });
}

/**
 * Write one chunk; resolves when the drive accepted it, true when the transport still holds the
 * chunk's bytes (it releases them through `chunk.options.hold`), and rejects with the chunk's
 * DwError.
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
  let outcome: Outcome;
  try {
    const r = await recorder.sendCommandSendDataToDevice(
      cdb,
      WRITE_TIMEOUT_SEC,
      chunk.data,
      chunk.options,
    );
    if (r.hr !== HR.S_IMAPI_COMMAND_HAS_SENSE_DATA) return r.dataOutHeld === true;
    outcome = classifySense(r.sense, commandName(chunk), cdb[0]!);
  } catch (e) {
    outcome = classifyRejection(e, commandName(chunk));
  }
  if (outcome.kind === 'done') return false;
  return retryChunk(recorder, clock, abort, chunk, cdb, started, outcome);
}

function commandName(chunk: Chunk): string {
  return chunk.streaming ? 'WRITE(12)' : 'WRITE(10)';
}

/** The rest of §2.4.5 after a first attempt that did not complete the chunk. */
async function retryChunk(
  recorder: DiscRecorderEx,
  clock: Clock,
  abort: AbortFlag,
  chunk: Chunk,
  cdb: Uint8Array,
  started: number,
  firstOutcome: Outcome,
): Promise<boolean> {
  const name = commandName(chunk);
  let first: Failure | undefined;
  let last: Failure | undefined;
  let attempts = 1;
  let outcome = firstOutcome;

  const fail = (reported: Failure, hr = reported.hr, message = reported.message): DwError => {
    const info = reported.sense === undefined ? undefined : senseInfo(reported.sense);
    return new DwError(hr, {
      message: `${message} (LBA ${chunk.lba}, ${chunk.blocks} blocks, ${attempts} attempt${attempts === 1 ? '' : 's'})`,
      ...(reported.cause === undefined ? {} : { cause: reported.cause }),
      ...(reported.sense === undefined ? {} : { sense: reported.sense }),
      ...(info === undefined ? {} : { senseInfo: info }),
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
    if (outcome.kind === 'done') return false;
    last = outcome.failure;
    first ??= outcome.failure;
    if (outcome.failure.hr === HR.ERROR_DEV_NOT_EXIST) throw fail(outcome.failure);
    if (outcome.kind === 'fatal') throw fail(first);
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
      const r = await recorder.sendCommandSendDataToDevice(
        cdb,
        WRITE_TIMEOUT_SEC,
        chunk.data,
        chunk.options,
      );
      if (r.hr !== HR.S_IMAPI_COMMAND_HAS_SENSE_DATA) return r.dataOutHeld === true;
      outcome = classifySense(r.sense, name, cdb[0]!);
    } catch (e) {
      outcome = classifyRejection(e, name);
    }
  }
}
