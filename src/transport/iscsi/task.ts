// One SCSI command in flight on the iSCSI session (a task, in RFC 7143's words): its record, the
// check a command passes before it becomes one, and the ScsiResult that Data-In with status or a
// SCSI Response completes it with (RFC 7143 §11.4, §11.7.2). The lifecycle is in commands.ts.

import { invalidArgument, type DwError } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import { ScsiStatus, type ScsiCommand, type ScsiResult } from '../../scsi/command.js';
import type { IscsiConnection } from './connection.js';
import type { DataOutTask } from './data-out.js';
import { decodeSenseData } from './pdu-target.js';
import type { DataInPdu, ScsiResponsePdu } from './pdu-types.js';

const EMPTY = new Uint8Array(0);

const noop = (): void => undefined;

export interface Task extends DataOutTask {
  readonly itt: number;
  readonly cmdSn: number;
  readonly command: ScsiCommand;
  readonly lun: Uint8Array;
  readonly conn: IscsiConnection;
  readonly dataOut: Uint8Array | undefined;
  /** A buffer of allocationLength bytes for a command that reads. */
  readonly dataIn: Uint8Array | undefined;
  /** Bytes of `dataIn` that arrived, in order from offset 0 (resultOfDataIn). */
  received: number;
  /** The DataSN the next Data-In must carry. */
  expDataSn: number;
  /** Settled (or being aborted): PDUs for it are ignored from now on. */
  finished: boolean;
  readonly timeoutMs: number;
  /** performance.now() time at which the command times out. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Sent as a queued write (ORDERED, beside others; Transport.queuedWrites). */
  readonly queued: boolean;
  /** The caller's promise. */
  readonly resolve: (result: ScsiResult) => void;
  readonly reject: (error: DwError) => void;
}

/** Throws an invalid-argument error for a command iSCSI cannot carry as this session sends it. */
export function validateCommand(command: ScsiCommand): void {
  if (command.cdb.length < 6 || command.cdb.length > 16) {
    throw invalidArgument(
      `${command.name}: CDB of ${command.cdb.length} bytes (iSCSI carries 6..16 here)`,
    );
  }
  const n =
    command.direction === 'out'
      ? (command.dataOut?.length ?? 0)
      : command.direction === 'in'
        ? (command.allocationLength ?? 0)
        : 0;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw invalidArgument(`${command.name}: transfer length ${n} out of range`);
  }
}

/** A new task for `command` and the promise its caller gets. */
export function newTask(
  command: ScsiCommand,
  o: {
    readonly itt: number;
    readonly cmdSn: number;
    readonly lun: Uint8Array;
    readonly conn: IscsiConnection;
    readonly timeoutMs: number;
    readonly deadline: number;
    readonly signal: AbortSignal | undefined;
    readonly queued?: boolean;
  },
): { readonly task: Task; readonly promise: Promise<ScsiResult> } {
  let resolve: (result: ScsiResult) => void = noop;
  let reject: (error: DwError) => void = noop;
  const promise = new Promise<ScsiResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const task: Task = {
    itt: o.itt,
    cmdSn: o.cmdSn,
    command,
    lun: o.lun,
    conn: o.conn,
    dataOut: command.direction === 'out' ? (command.dataOut ?? EMPTY) : undefined,
    dataIn: command.direction === 'in' ? new Uint8Array(command.allocationLength ?? 0) : undefined,
    sent: 0,
    requested: 0,
    expR2tSn: 0,
    received: 0,
    expDataSn: 0,
    queue: [],
    pumping: false,
    prepared: undefined,
    finished: false,
    timeoutMs: o.timeoutMs,
    deadline: o.deadline,
    signal: o.signal,
    onAbort: undefined,
    queued: o.queued === true,
    resolve,
    reject,
  };
  return { task, promise };
}

/** Marks the task settled and stops listening to its signal; false when it already was. */
export function settle(task: Task): boolean {
  if (task.finished) return false;
  task.finished = true;
  if (task.onAbort !== undefined) task.signal?.removeEventListener('abort', task.onAbort);
  return true;
}

/**
 * The bytes a target claims it transferred, from a response's residual fields (RFC 7143
 * §11.4.5.2): `expected` less an underflow residual, `expected` with an overflow (the device had
 * more). Throws a protocol violation when the fields contradict each other or the transfer.
 */
function claimedTransfer(
  task: Task,
  p: { readonly underflow: boolean; readonly overflow: boolean; readonly residualCount: number },
  expected: number,
): number {
  if (p.underflow && p.overflow) {
    throw violation(task, 'both residual underflow and overflow set');
  }
  if (!p.underflow) return expected;
  if (p.residualCount > expected) {
    throw violation(
      task,
      `residual underflow of ${p.residualCount} bytes on a ${expected}-byte transfer`,
    );
  }
  return expected - p.residualCount;
}

/** A protocol violation of the target about `task`'s command. */
function violation(task: Task, detail: string): DwError {
  return TransportErrors.protocolViolation(`${task.command.name}: ${detail}`);
}

/**
 * Places the data of a Data-In PDU in the task's buffer; the result when the PDU carries status
 * (the S bit), otherwise undefined. Counted, not believed (docs/iscsi.md, "What the initiator
 * checks and refuses"): with DataPDUInOrder=Yes, the only one this initiator negotiates, each
 * Data-In must carry the next DataSN and start where the previous one ended, so every byte
 * handed back arrived exactly once and a hole is never filled with zeros. Throws a protocol
 * violation for Data-In of a command that reads nothing, out of order, with a gap or overlap,
 * beyond the allocation length, or whose status claims more bytes than arrived.
 */
export function resultOfDataIn(task: Task, p: DataInPdu): ScsiResult | undefined {
  const buf = task.dataIn;
  if (buf === undefined) throw violation(task, 'Data-In for a command that reads no data');
  if (p.dataSn !== task.expDataSn) {
    throw violation(task, `Data-In with DataSN ${p.dataSn} where ${task.expDataSn} was due`);
  }
  task.expDataSn = (task.expDataSn + 1) >>> 0;
  const n = p.data.length;
  if (n > 0) {
    if (p.bufferOffset !== task.received) {
      throw violation(
        task,
        `Data-In at buffer offset ${p.bufferOffset} where ${task.received} was due (${p.bufferOffset > task.received ? 'a gap' : 'an overlap'})`,
      );
    }
    if (n > buf.length - task.received) {
      throw violation(
        task,
        `Data-In for bytes ${p.bufferOffset}..${p.bufferOffset + n} of a ${buf.length}-byte allocation`,
      );
    }
    buf.set(p.data, task.received);
    task.received += n;
  }
  if (!p.statusPresent) return undefined;
  if (p.status === ScsiStatus.GOOD) checkReadResidual(task, p);
  return result(task, p.status, EMPTY);
}

/** GOOD on a read: the residual must say what arrived (no hole at the end passed off as data). */
function checkReadResidual(
  task: Task,
  p: { readonly underflow: boolean; readonly overflow: boolean; readonly residualCount: number },
): void {
  const expected = task.dataIn!.length;
  const claimed = claimedTransfer(task, p, expected);
  if (claimed !== task.received) {
    throw violation(
      task,
      `status GOOD claims ${claimed} of ${expected} bytes transferred, but ${task.received} arrived`,
    );
  }
}

/**
 * The result a SCSI Response with iSCSI response 0 (completed at the target) gives the task.
 * For a WRITE, the bytes taken are what the residual says the target took, never more than the
 * initiator sent. Throws a protocol violation when GOOD claims bytes that were never sent, or
 * data beyond the transfer (overflow), or when a read's residual contradicts what arrived.
 */
export function resultOfScsiResponse(task: Task, p: ScsiResponsePdu): ScsiResult {
  let sense: Uint8Array;
  try {
    sense = decodeSenseData(p.data);
  } catch {
    sense = EMPTY;
  }
  if (task.dataIn !== undefined) {
    // ExpDataSN counts the Data-In PDUs the target sent (RFC 7143 §11.4.8): more than arrived is
    // data lost. 0 is taken as not filled in (targets differ), so only a count that disagrees.
    if (p.expDataSn !== 0 && p.expDataSn !== task.expDataSn) {
      throw violation(
        task,
        `SCSI Response ExpDataSN ${p.expDataSn} says ${p.expDataSn} Data-In PDUs were sent, but ${task.expDataSn} arrived`,
      );
    }
    if (p.status === ScsiStatus.GOOD) checkReadResidual(task, p);
    return result(task, p.status, sense);
  }
  const length = task.dataOut?.length ?? 0;
  if (length === 0) return result(task, p.status, sense, 0);
  const claimed = claimedTransfer(task, p, length);
  if (p.status === ScsiStatus.GOOD) {
    if (p.overflow) {
      throw violation(
        task,
        `status GOOD with a residual overflow of ${p.residualCount} bytes: the target wanted more than the ${length} bytes of the command`,
      );
    }
    if (claimed > task.sent) {
      throw violation(
        task,
        `status GOOD claims ${claimed} of ${length} bytes taken, but only ${task.sent} were sent`,
      );
    }
  }
  return result(task, p.status, sense, length - Math.min(claimed, task.sent));
}

function result(task: Task, status: number, sense: Uint8Array, residual = 0): ScsiResult {
  if (task.dataIn !== undefined) {
    return {
      status,
      sense,
      dataIn: task.dataIn.subarray(0, task.received),
      residual: task.dataIn.length - task.received,
    };
  }
  return { status, sense, dataIn: EMPTY, residual };
}
