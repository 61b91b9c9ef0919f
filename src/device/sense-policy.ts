// The sense policy: what the outcome of a command means, decided in one place (spec §2.4.5, §4.5,
// §4.7, §7; docs/decisions.md, "One sense policy"). For a completed command: success, a recovered
// error (success), retry once, retry after a back-off, or failure with its HRESULT and decoded
// sense. For a rejected one (the transport threw): whether waiting can mend it. The recorder's
// typed helpers and sendCommand* methods and the engine's WRITE path act on these verdicts; the
// sense-to-HRESULT table itself is hrFromSenseCodes (src/scsi/sense-hresult.ts).

import { DwError, HR, failed, hrText, type HResult, type SenseSummary } from '../errors.js';
import { ScsiStatus, type ScsiCommand, type ScsiResult } from '../scsi/command.js';
import {
  SenseKey,
  decodeSense,
  summarizeSense,
  toFixedSense18,
  type DecodedSense,
} from '../scsi/sense.js';
import { hrFromSenseCodes } from '../scsi/sense-hresult.js';
import { senseHint } from './sense-hints.js';

/**
 * Who sent the command: a typed helper of the recorder (spec §4.5), which retries a first unit
 * attention once, or the engine's WRITE of one chunk (§2.4.5), which backs off on a busy drive.
 */
export type CommandPath = 'helper' | 'write';

/** A failed outcome: its HRESULT, a message, and the sense when the device reported one. */
export interface Failure {
  readonly hr: HResult;
  readonly message: string;
  /** The 18-byte fixed-format sense. */
  readonly sense?: Uint8Array;
  readonly senseInfo?: SenseSummary;
  /** What to do, when this sense says more than its HRESULT's hint (sense-hints.ts). */
  readonly hint?: string;
  readonly cause?: unknown;
  /**
   * Reported instead of an earlier failure of the same chunk: a transport failure waiting cannot
   * mend says more than the busy drive before it (spec §2.4.5, "first error wins", extended).
   */
  readonly supersedes?: boolean;
}

export type Verdict =
  /** The command's effect happened: GOOD, CONDITION MET, or RECOVERED ERROR (`recovered`). */
  | { readonly action: 'success'; readonly recovered: boolean }
  /** A unit attention (6/28, 6/29) on a typed helper's first attempt: send it again at once. */
  | { readonly action: 'retry-once'; readonly failure: Failure }
  /** 2/04/07 or 2/04/08 on the WRITE path, or a transport failure waiting may mend. */
  | { readonly action: 'retry-backoff'; readonly failure: Failure }
  /** No retry. */
  | { readonly action: 'fail'; readonly failure: Failure };

const SUCCESS: Verdict = { action: 'success', recovered: false };
const RECOVERED: Verdict = { action: 'success', recovered: true };

/** The outcome of a completed command's status, before any retry decision (spec §4.5). */
export type StatusOutcome =
  | { readonly kind: 'good' }
  /** CHECK CONDITION with usable sense, converted to the 18-byte fixed form. */
  | { readonly kind: 'sense'; readonly sense: Uint8Array }
  /** CHECK CONDITION without usable sense, or a status that carries none (BUSY, …). */
  | { readonly kind: 'failure'; readonly failure: Failure };

const GOOD: StatusOutcome = { kind: 'good' };

/**
 * Rejections never retried whatever their cause, unless the transport marks them retryable: the
 * device or its handle is gone, the host refused the access, the request itself is wrong, the
 * caller cancelled, or memory ran out. Waiting changes none of these.
 */
const PERMANENT_REJECTIONS: ReadonlySet<HResult> = new Set([
  HR.ERROR_DEV_NOT_EXIST,
  HR.ERROR_DISK_FULL,
  HR.E_ACCESSDENIED,
  HR.ERROR_INVALID_HANDLE,
  HR.E_INVALIDARG,
  HR.E_POINTER,
  HR.E_NOTIMPL,
  HR.E_IMAPI_REQUEST_CANCELLED,
  HR.E_OUTOFMEMORY,
]);

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/**
 * What a completed command's status says: GOOD and CONDITION MET are good; CHECK CONDITION
 * carries sense (unusable sense → E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE); any other
 * status is a failure without sense: RESERVATION CONFLICT → E_IMAPI_RECORDER_LOCKED, the rest
 * (BUSY, TASK SET FULL, …) → ERROR_IO_DEVICE (spec §4.7).
 */
export function statusOutcome(command: ScsiCommand, result: ScsiResult): StatusOutcome {
  const status = result.status;
  if (status === ScsiStatus.GOOD || status === ScsiStatus.CONDITION_MET) return GOOD;
  if (status !== ScsiStatus.CHECK_CONDITION) {
    return {
      kind: 'failure',
      failure: {
        hr:
          status === ScsiStatus.RESERVATION_CONFLICT
            ? HR.E_IMAPI_RECORDER_LOCKED
            : HR.ERROR_IO_DEVICE,
        message: `${command.name}: the device answered with SCSI status 0x${hex2(status)}`,
      },
    };
  }
  let sense: Uint8Array;
  try {
    sense = toFixedSense18(result.sense);
  } catch (e) {
    return {
      kind: 'failure',
      failure: {
        hr: HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
        message: `${command.name}: CHECK CONDITION without usable sense data`,
        cause: e,
      },
    };
  }
  return { kind: 'sense', sense };
}

/**
 * The verdict on 18-byte fixed sense a command completed with (spec §7 for the HRESULT):
 * - RECOVERED ERROR: success, the data was written / the command took effect;
 * - 6/28, 6/29 on a typed helper's first attempt: retry once, at once (§4.5);
 * - 2/04/07, 2/04/08 on the WRITE path: retry after a back-off (§2.4.5);
 * - anything else, and sense that does not decode: failure.
 */
export function senseVerdict(
  sense: Uint8Array,
  opcode: number,
  path: CommandPath,
  attempt: number,
  name: string,
): Verdict {
  let d: DecodedSense;
  try {
    d = decodeSense(sense);
  } catch (e) {
    const hr = HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
    return { action: 'fail', failure: { hr, message: `${name} failed: ${hrText(hr)}`, cause: e } };
  }
  const key = d.senseKey;
  if (key === SenseKey.RECOVERED_ERROR) return RECOVERED;
  let hr = hrFromSenseCodes(key, d.asc, d.ascq, opcode);
  if (!failed(hr)) hr = HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
  const info = summarizeSense(d);
  const hint = senseHint(key, d.asc, d.ascq);
  const failure: Failure = {
    hr,
    message: `${name} failed: ${info.keyName}: ${info.text}`,
    sense,
    senseInfo: info,
    ...(hint === undefined ? {} : { hint }),
  };
  // NOT READY / LOGICAL UNIT NOT READY, OPERATION IN PROGRESS (07) or LONG WRITE IN PROGRESS (08):
  // the drive's buffer is full and it says so; the same WRITE succeeds once it has drained.
  if (
    path === 'write' &&
    key === SenseKey.NOT_READY &&
    d.asc === 0x04 &&
    (d.ascq === 0x07 || d.ascq === 0x08)
  ) {
    return { action: 'retry-backoff', failure };
  }
  // NOT READY TO READY CHANGE (28) or POWER ON / RESET (29): reported once after the event; a
  // typed helper asks again. The engine never does: it invalidates a running section.
  if (
    path === 'helper' &&
    attempt === 1 &&
    key === SenseKey.UNIT_ATTENTION &&
    (d.asc === 0x28 || d.asc === 0x29)
  ) {
    return { action: 'retry-once', failure };
  }
  return { action: 'fail', failure };
}

/**
 * The verdict on a completed command: its status (statusOutcome), then its sense. A failure
 * without sense (BUSY, TASK SET FULL, RESERVATION CONFLICT, unusable sense) is one that
 * sendCommand* rejects, so on the WRITE path it is judged as the rejection the engine meets.
 */
export function completionVerdict(
  command: ScsiCommand,
  result: ScsiResult,
  path: CommandPath,
  attempt: number,
): Verdict {
  const s = statusOutcome(command, result);
  switch (s.kind) {
    case 'good':
      return SUCCESS;
    case 'failure':
      return path === 'write' && !PERMANENT_REJECTIONS.has(s.failure.hr)
        ? { action: 'retry-backoff', failure: s.failure }
        : { action: 'fail', failure: s.failure };
    case 'sense':
      return senseVerdict(s.sense, command.cdb[0] ?? 0, path, attempt, command.name);
  }
}

/** Whether waiting and sending a command again may mend a transport rejection. */
export function rejectionRetryable(e: unknown): boolean {
  if (!(e instanceof DwError)) return true;
  return e.retryable ?? !PERMANENT_REJECTIONS.has(e.hr);
}

/**
 * The verdict on a rejected command (the transport threw, spec §4.7). A timeout, a generic I/O
 * error or anything unknown may pass: retry after a back-off. A failure waiting cannot mend
 * (PERMANENT_REJECTIONS, or a DwError marked `retryable: false`) fails at once with its own
 * HRESULT, reported over any earlier failure. Only the WRITE path retries rejections; typed
 * helpers report them as they are (rejectionError).
 */
export function rejectionVerdict(e: unknown, name: string): Verdict {
  const hr = e instanceof DwError ? e.hr : HR.ERROR_IO_DEVICE;
  const detail = e instanceof Error ? e.message : String(e);
  if (rejectionRetryable(e)) {
    return {
      action: 'retry-backoff',
      failure: { hr, cause: e, message: `${name} failed: ${detail}` },
    };
  }
  return {
    action: 'fail',
    failure: { hr, cause: e, message: `${name} failed: ${detail}`, supersedes: true },
  };
}

/** LBA and block count of a WRITE(10)/(12) CDB, or undefined for another command. */
function writeExtent(cdb: Uint8Array): { lba: number; blocks: number } | undefined {
  const op = cdb[0];
  if (op === 0x2a && cdb.length >= 10) {
    return { lba: readI32(cdb, 2), blocks: (cdb[7]! << 8) | cdb[8]! };
  }
  if (op === 0xaa && cdb.length >= 12) {
    return { lba: readI32(cdb, 2), blocks: readI32(cdb, 6) >>> 0 };
  }
  return undefined;
}

function readI32(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

/**
 * A data-out command the device answered GOOD without taking all of its data: `takenBlocks` is
 * how many whole blocks of a WRITE(10)/(12) it took, as counted by the transport (never more
 * than were sent); 0 for other commands.
 */
export class IncompleteWriteError extends DwError {
  readonly takenBlocks: number;
  constructor(takenBlocks: number, options: ConstructorParameters<typeof DwError>[1]) {
    super(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, options);
    this.name = 'IncompleteWriteError';
    this.takenBlocks = takenBlocks;
  }
}

/**
 * A data-out command the device answered GOOD without taking all of its data (a residual,
 * counted by the transport: docs/decisions.md, "Counted, not believed"): an error naming both
 * numbers, never retried, since the device did not do what GOOD says. For a WRITE the message
 * says how many blocks the device took, `lba` is the first block it did not take, and the
 * engine counts the blocks taken as written. Undefined when the command took everything.
 */
export function incompleteWrite(
  command: ScsiCommand,
  result: ScsiResult,
  answered = 'GOOD',
): IncompleteWriteError | undefined {
  const length = command.dataOut?.length ?? 0;
  const residual = result.residual;
  if (command.direction !== 'out' || residual === 0) return undefined;
  const taken = Math.max(0, length - residual);
  const extent = writeExtent(command.cdb);
  let detail = '';
  let took = 0;
  let at: { lba: number; blocks: number } | undefined;
  if (extent !== undefined && extent.blocks > 0 && length % extent.blocks === 0) {
    took = Math.floor(taken / (length / extent.blocks));
    at = { lba: extent.lba + took, blocks: extent.blocks - took };
    detail = ` (${took} of ${extent.blocks} blocks from LBA ${extent.lba}; LBA ${at.lba} and after not written)`;
  }
  return new IncompleteWriteError(took, {
    message: `${command.name}: the device answered ${answered} but took ${taken} of ${length} bytes (residual ${residual})${detail}`,
    hint: 'The device did not take all the data it acknowledged; nothing was retried. Check the drive or the iSCSI target, then resume from the LBA given.',
    retryable: false,
    command: command.name,
    cdb: command.cdb,
    ...(at ?? {}),
  });
}

/** A failure as the recorder reports it: a DwError with the sense, the command and its CDB. */
export function failureError(command: ScsiCommand, failure: Failure): DwError {
  return new DwError(failure.hr, {
    message: failure.message,
    ...(failure.cause === undefined ? {} : { cause: failure.cause }),
    ...(failure.sense === undefined ? {} : { sense: failure.sense }),
    ...(failure.senseInfo === undefined ? {} : { senseInfo: failure.senseInfo }),
    ...(failure.hint === undefined ? {} : { hint: failure.hint }),
    command: command.name,
    cdb: command.cdb,
  });
}

/** A transport rejection as the recorder reports it: DwErrors as they are, anything else as I/O. */
export function rejectionError(command: ScsiCommand, e: unknown): DwError {
  if (e instanceof DwError) return e;
  return new DwError(HR.ERROR_IO_DEVICE, {
    message: `${command.name}: transport failure: ${e instanceof Error ? e.message : String(e)}`,
    cause: e,
    command: command.name,
    cdb: command.cdb,
  });
}

/**
 * Whether 18-byte sense says the drive lacks the command, or this form of it: 5/20/00 INVALID
 * COMMAND OPERATION CODE or 5/24/00 INVALID FIELD IN CDB (spec §2.7, READ BUFFER CAPACITY).
 */
export function commandUnsupported(sense: Uint8Array): boolean {
  let d: DecodedSense;
  try {
    d = decodeSense(sense);
  } catch {
    return false;
  }
  return (
    d.senseKey === SenseKey.ILLEGAL_REQUEST && (d.asc === 0x20 || d.asc === 0x24) && d.ascq === 0
  );
}
