// One SCSI command in flight on the iSCSI session (a task, in RFC 7143's words): its record, the
// check a command passes before it becomes one, and the ScsiResult that Data-In with status or a
// SCSI Response completes it with (RFC 7143 §11.4, §11.7.2). The lifecycle is in commands.ts.

import { invalidArgument, type DwError } from '../../errors.js';
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
  /** Bytes of `dataIn` that arrived: the end of the furthest Data-In. */
  received: number;
  /** Settled (or being aborted): PDUs for it are ignored from now on. */
  finished: boolean;
  readonly timeoutMs: number;
  /** performance.now() time at which the command times out. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
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
    received: 0,
    queue: [],
    pumping: false,
    prepared: undefined,
    finished: false,
    timeoutMs: o.timeoutMs,
    deadline: o.deadline,
    signal: o.signal,
    onAbort: undefined,
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
 * Places the data of a Data-In PDU in the task's buffer at its Buffer Offset; the result when
 * the PDU carries status (the S bit), otherwise undefined.
 */
export function resultOfDataIn(task: Task, p: DataInPdu): ScsiResult | undefined {
  const buf = task.dataIn;
  if (buf !== undefined && p.data.length > 0 && p.bufferOffset < buf.length) {
    // Never more than allocationLength: a target that overruns it is clamped.
    const fit = Math.min(p.data.length, buf.length - p.bufferOffset);
    buf.set(p.data.subarray(0, fit), p.bufferOffset);
    task.received = Math.max(task.received, p.bufferOffset + fit);
  }
  return p.statusPresent ? result(task, p.status, EMPTY) : undefined;
}

/** The result a SCSI Response with iSCSI response 0 (completed at the target) gives the task. */
export function resultOfScsiResponse(task: Task, p: ScsiResponsePdu): ScsiResult {
  let sense: Uint8Array;
  try {
    sense = decodeSenseData(p.data);
  } catch {
    sense = EMPTY;
  }
  const written = p.underflow
    ? Math.max(0, (task.dataOut?.length ?? 0) - p.residualCount)
    : p.status === ScsiStatus.GOOD
      ? (task.dataOut?.length ?? 0)
      : task.sent;
  return result(task, p.status, sense, written);
}

function result(task: Task, status: number, sense: Uint8Array, written?: number): ScsiResult {
  if (task.dataIn !== undefined) {
    return {
      status,
      sense,
      dataIn: task.dataIn.subarray(0, task.received),
      residual: task.dataIn.length - task.received,
    };
  }
  const length = task.dataOut?.length ?? 0;
  return {
    status,
    sense,
    dataIn: EMPTY,
    residual: Math.max(0, length - (written ?? (status === ScsiStatus.GOOD ? length : task.sent))),
  };
}
