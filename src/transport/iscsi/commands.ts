// The SCSI commands of an iSCSI session, one in flight at a time as the Transport contract has
// it: the SCSI Command PDU and the data that goes with it, R2Ts handed to the Data-Out pump,
// completion by Data-In with status or by a SCSI Response, one deadline timer for all commands,
// and ABORT TASK when a command times out or is cancelled.

import { DwError, HR } from '../../errors.js';
import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import { TransportErrors } from '../transport.js';
import type { CmdSnWindow } from './cmdsn-window.js';
import type { IscsiConnection } from './connection.js';
import { DataOutPump, unsolicitedData } from './data-out.js';
import type { SessionParameters } from './negotiate.js';
import type { DataInPdu, R2tPdu, ScsiCommandPdu, ScsiResponsePdu } from './pdu-types.js';
import type { ImmediateRequests } from './requests.js';
import { newTask, resultOfDataIn, resultOfScsiResponse, settle, type Task } from './task.js';

const EMPTY = new Uint8Array(0);

/**
 * The target refused the command (a Reject, iSCSI response "target failure"): 0x8007045D, never
 * retried, with a hint that points at the target instead of cables.
 */
export function targetRefused(detail: string): DwError {
  return new DwError(HR.ERROR_IO_DEVICE, {
    message: detail,
    retryable: false,
    hint: 'The iSCSI target refused or could not carry out the command; check the target and its logs (the same command would fail again).',
  });
}

/** What the commands need of the session. */
export interface CommandHost {
  readonly address: string;
  readonly lun: Uint8Array;
  readonly window: CmdSnWindow;
  /** Hands out the Initiator Task Tags. */
  readonly requests: ImmediateRequests;
  readonly counters: { commands: number; dataOutPdus: number; r2ts: number };
  /** The parameters of the logged-in session. */
  params(): SessionParameters;
  expStatSn(): number;
  /** ABORT TASK for a task given up on; settles when that is over. */
  abort(task: Task): Promise<void>;
  /** The command, and any ABORT TASK for it, is over: the next may start. */
  idle(): void;
}

export class CommandRunner {
  #task: Task | undefined;
  readonly #deadlines = new DeadlineTimer(() => this.#onDeadline());
  readonly #pump: DataOutPump<Task>;
  readonly #host: CommandHost;

  constructor(host: CommandHost) {
    this.#host = host;
    this.#pump = new DataOutPump<Task>({
      expStatSn: () => host.expStatSn(),
      segmentLength: () => host.params().targetMaxRecvDataSegmentLength,
      counted: (n) => {
        host.counters.dataOutPdus += n;
      },
      fail: (task, error) => this.#fail(task, error),
    });
  }

  /** True while a command is in flight (or being aborted). */
  get inFlight(): boolean {
    return this.#task !== undefined;
  }

  /** Sends the SCSI Command PDU (and unsolicited data); the promise settles with the task. */
  start(
    conn: IscsiConnection,
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<ScsiResult> {
    const host = this.#host;
    const params = host.params();
    const itt = host.requests.nextItt();
    const { task, promise } = newTask(command, {
      itt,
      cmdSn: host.window.cmdSn,
      lun: host.lun,
      conn,
      timeoutMs,
      deadline,
      signal,
    });
    const dataOut = task.dataOut;
    const length = dataOut?.length ?? 0;
    const { immediate, unsolicitedEnd } = unsolicitedData(params, length);
    task.sent = immediate;
    this.#task = task;
    host.counters.commands++;
    host.window.take();
    const commandPdu: ScsiCommandPdu = {
      type: 'scsi-command',
      immediate: false,
      final: unsolicitedEnd === immediate,
      read: command.direction === 'in',
      write: command.direction === 'out',
      attr: 1, // SIMPLE
      lun: host.lun,
      initiatorTaskTag: itt,
      expectedDataTransferLength: task.dataIn === undefined ? length : task.dataIn.length,
      cmdSn: task.cmdSn,
      expStatSn: host.expStatSn(),
      cdb: command.cdb,
      data: dataOut === undefined ? EMPTY : dataOut.subarray(0, immediate),
    };
    this.#pump.sendCommand(task, commandPdu, unsolicitedEnd, params.maxBurstLength);
    // A failure while sending (connection lost) may have settled the task already.
    if (!task.finished) {
      this.#deadlines.arm(task.deadline);
      if (signal !== undefined) {
        task.onAbort = () => this.#giveUp(task, 'abort');
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
    }
    return promise;
  }

  onDataIn(p: DataInPdu): void {
    const task = this.#taskFor(p.initiatorTaskTag);
    if (task === undefined) return;
    let result: ScsiResult | undefined;
    try {
      result = resultOfDataIn(task, p);
    } catch (e) {
      this.#violated(task, e);
      return;
    }
    if (result !== undefined) this.#succeed(task, result);
  }

  onScsiResponse(p: ScsiResponsePdu): void {
    const task = this.#taskFor(p.initiatorTaskTag);
    if (task === undefined) return;
    if (p.response !== 0) {
      // "Target failure" (01h) or a reserved code: the target says it cannot carry the command
      // out; sending it again gets the same answer (docs/iscsi.md, "What the initiator checks").
      this.#fail(
        task,
        targetRefused(
          `${this.#host.address}: ${task.command.name} failed at the target (iSCSI response 0x${p.response.toString(16)}${p.response === 1 ? ', target failure' : ''})`,
        ),
      );
      return;
    }
    let result: ScsiResult;
    try {
      result = resultOfScsiResponse(task, p);
    } catch (e) {
      this.#violated(task, e);
      return;
    }
    this.#succeed(task, result);
  }

  onR2t(p: R2tPdu): void {
    const task = this.#taskFor(p.initiatorTaskTag);
    if (task === undefined) return;
    this.#host.counters.r2ts++;
    const params = this.#host.params();
    const wrong = this.#pump.onR2t(task, p, params);
    if (wrong !== undefined) {
      this.#violated(task, TransportErrors.protocolViolation(`${task.command.name}: ${wrong}`));
    }
  }

  /**
   * The target broke the protocol on `task`: the command fails with the violation, and the
   * connection is dropped, since at ErrorRecoveryLevel 0 nothing tells what state the target is
   * in (RFC 7143 §7.1.1, §7.12). The next command logs in again.
   */
  #violated(task: Task, e: unknown): void {
    const error =
      e instanceof DwError
        ? e
        : TransportErrors.protocolViolation(`${task.command.name}: ${String(e)}`, e);
    const detailed = new DwError(error.hr, {
      message: `${this.#host.address}: ${error.message}`,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      retryable: false,
      cause: error.cause,
      command: task.command.name,
      cdb: task.command.cdb,
    });
    this.#fail(task, detailed);
    task.conn.destroy(detailed);
  }

  /** The target rejected the PDU tagged `itt`: false when that is not the command in flight. */
  rejected(itt: number, error: DwError): boolean {
    const task = this.#task;
    if (task?.itt !== itt) return false;
    this.#fail(task, error);
    return true;
  }

  /** `conn` ended: the command in flight on it fails with `error`. */
  connectionLost(conn: IscsiConnection, error: DwError): void {
    const task = this.#task;
    if (task !== undefined && task.conn === conn) this.#fail(task, error);
  }

  /** No command in flight: the deadline timer no longer holds the process. */
  idle(): void {
    this.#deadlines.idle();
  }

  close(): void {
    this.#deadlines.clear();
  }

  #taskFor(itt: number): Task | undefined {
    const t = this.#task;
    return t !== undefined && t.itt === itt && !t.finished ? t : undefined;
  }

  /** The command completed (GOOD or CHECK CONDITION): the caller gets the result. */
  #succeed(task: Task, result: ScsiResult): void {
    if (!settle(task)) return;
    this.#end(task);
    task.resolve(result);
  }

  /** The command failed in transport (connection lost, rejected): the caller gets `error`. */
  #fail(task: Task, error: DwError): void {
    if (!settle(task)) return;
    this.#end(task);
    task.reject(error);
  }

  /** Timed out or cancelled: ABORT TASK first, then the caller gets the error. */
  #giveUp(task: Task, why: 'timeout' | 'abort'): void {
    if (!settle(task)) return;
    const done = () => {
      this.#end(task);
      task.reject(
        why === 'timeout'
          ? TransportErrors.timeout(task.command, task.timeoutMs)
          : TransportErrors.aborted(task.command),
      );
    };
    this.#host.abort(task).then(done, done);
  }

  #end(task: Task): void {
    if (this.#task === task) this.#task = undefined;
    this.#host.idle();
  }

  #onDeadline(): void {
    const task = this.#task;
    if (task === undefined || task.finished) return;
    if (performance.now() >= task.deadline) this.#giveUp(task, 'timeout');
    else this.#deadlines.arm(task.deadline);
  }
}

/**
 * One timer for the command deadlines, kept armed between commands (unreferenced while idle),
 * since a setTimeout/clearTimeout pair per command was a share of the per-command cost on the
 * WRITE path (docs/benchmarks-history.md, "Per-command cost on the WRITE path"). It fires at the
 * earliest deadline it was armed for; the owner then gives up on the task or arms it again.
 */
export class DeadlineTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #at = Infinity;
  readonly #onFire: () => void;

  constructor(onFire: () => void) {
    this.#onFire = onFire;
  }

  /** Fires at `deadline` (a performance.now() time) at the latest; holds the process till then. */
  arm(deadline: number): void {
    const timer = this.#timer;
    if (timer !== undefined && this.#at <= deadline) {
      timer.ref();
      return;
    }
    if (timer !== undefined) clearTimeout(timer);
    this.#at = deadline;
    this.#timer = setTimeout(this.#fire, Math.max(0, deadline - performance.now()));
  }

  /** No command in flight: the timer stays armed but no longer holds the process. */
  idle(): void {
    this.#timer?.unref();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#at = Infinity;
    this.#onFire();
  };
}
