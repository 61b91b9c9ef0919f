// Waiting for a drive that runs a long operation started with IMMED (FORMAT UNIT, BLANK, CLOSE
// TRACK/SESSION; docs/burning.md "Progress"): TEST UNIT READY polled on the recorder's clock
// until GOOD. NOT READY with ASC 04h (format / operation / long write in progress) means it goes
// on, and its sense-key-specific PROGRESS INDICATION (when SKSV is set) the fraction done. Any
// other answer ends the wait with the caller's error; so does the time limit.

import { DwError, HR } from '../errors.js';
import { hrFromSense } from '../scsi/sense-hresult.js';
import { decodeSense } from '../scsi/sense.js';
import { encodeTestUnitReadyCdb } from '../scsi/spc/test-unit-ready.js';
import type { DiscRecorder } from '../device/recorder.js';
import type { Clock } from '../transport/clock.js';

const POLL_MS = 1000;
const TUR_TIMEOUT_SEC = 60;

export interface PollOptions {
  readonly clock: Clock;
  /** Give up after this long (ms of the clock, from the call). */
  readonly limitMs: number;
  /** After each NOT READY poll: seconds since the call, fraction done when the drive said. */
  readonly onPoll?: (elapsedSec: number, fraction: number | undefined) => void;
  /** The error for an answer other than GOOD or NOT READY 04h (`sense`: 18-byte fixed). */
  readonly unexpected: (sense: Uint8Array, text: string) => DwError;
  /** The error once `limitMs` has passed. */
  readonly tooLong: () => DwError;
}

/** Polls until the drive is ready; resolves with the seconds waited. */
export async function pollUntilReady(recorder: DiscRecorder, o: PollOptions): Promise<number> {
  const started = o.clock.now();
  const elapsed = () => (o.clock.now() - started) / 1000;
  for (;;) {
    const tur = await recorder.sendCommandNoData(encodeTestUnitReadyCdb(), TUR_TIMEOUT_SEC);
    if (tur.hr === HR.S_OK) return elapsed();
    const s = decodeSense(tur.sense);
    // NOT READY, LOGICAL UNIT NOT READY (04h): the operation goes on; anything else is a failure.
    if (s.senseKey !== 0x02 || s.asc !== 0x04) {
      const hex = (n: number) => n.toString(16).padStart(2, '0');
      throw o.unexpected(tur.sense, `${s.senseKey.toString(16)}/${hex(s.asc)}/${hex(s.ascq)}`);
    }
    const sks = s.senseKeySpecific;
    o.onPoll?.(elapsed(), sks?.kind === 'progress' ? sks.fraction : undefined);
    if (elapsed() * 1000 >= o.limitMs) throw o.tooLong();
    await o.clock.sleep(POLL_MS);
  }
}

/**
 * Total seconds an operation will take, from the drive's fraction done when it gives one; else
 * the previous estimate, pushed a poll further once it has run out (never below what passed).
 */
export function estimateTotal(
  elapsedSec: number,
  fraction: number | undefined,
  previousSec: number,
): number {
  if (fraction !== undefined && fraction > 0) return elapsedSec / fraction;
  return elapsedSec >= previousSec ? elapsedSec + POLL_MS / 1000 : previousSec;
}

/** Progress of a long drive operation: seconds since it started, fraction done (0..1) if known. */
export type OperationProgress = (elapsedSec: number, fraction: number | undefined) => void;

/**
 * After a command sent with IMMED: wait until the drive is ready again, reporting progress. A
 * drive answer other than "in progress" is the error the recorder would map that sense to.
 */
export async function awaitImmediate(
  recorder: DiscRecorder,
  clock: Clock,
  what: string,
  limitMs: number,
  onProgress?: OperationProgress,
): Promise<void> {
  await pollUntilReady(recorder, {
    clock,
    limitMs,
    ...(onProgress === undefined ? {} : { onPoll: onProgress }),
    unexpected: (sense, text) =>
      new DwError(hrFromSense(sense), {
        message: `TEST UNIT READY answered ${text} while the drive was busy with ${what}`,
        sense,
      }),
    tooLong: () =>
      new DwError(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, {
        message: `the drive was still busy with ${what} after ${Math.round(limitMs / 1000)} s`,
      }),
  });
}
