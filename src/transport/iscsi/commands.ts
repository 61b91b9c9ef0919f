// The SCSI commands of an iSCSI session: one `execute` command at a time as the Transport contract
// has it, and beside it the queued writes (Transport.queuedWrites, ORDERED, several in flight).
// The SCSI Command PDU and the data that goes with it, R2Ts handed to the Data-Out pump,
// completion by Data-In with status or by a SCSI Response, one deadline timer for all commands,
// ABORT TASK when a command times out or is cancelled, and the abort of every queued command
// (newest first, so that an ORDERED command never runs after one before it was aborted).

import { DwError, HR } from '../../errors.js';
import { ScsiStatus, type ScsiCommand, type ScsiResult } from '../../scsi/command.js';
import { TransportErrors } from '../transport.js';
import type { CmdSnWindow } from './cmdsn-window.js';
import type { IscsiConnection } from './connection.js';
import { DataOutPump, unsolicitedData } from './data-out.js';
import type { SessionParameters } from './negotiate.js';
import type { DataInPdu, R2tPdu, ScsiCommandPdu, ScsiResponsePdu } from './pdu-types.js';
import type { ImmediateRequests } from './requests.js';
import { DeadlineTimer } from './deadline-timer.js';
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
  readonly counters: { commands: number; dataOutPdus: number; r2ts: number; queuedMax: number };
  /** The parameters of the logged-in session. */
  params(): SessionParameters;
  expStatSn(): number;
  /** ABORT TASK for a task given up on; settles when that is over. */
  abort(task: Task): Promise<void>;
  /** The `execute` command, and any ABORT TASK for it, is over: the next may start. */
  idle(): void;
  /** A queued command ended; `inFlight` says whether any command still is. */
  queuedEnded(inFlight: boolean): void;
  /** The target answered a queued command TASK SET FULL or BUSY: fall back to one in flight. */
  queueRefused(): void;
}

export class CommandRunner {
  /** Every command in flight (or being aborted), by Initiator Task Tag. */
  readonly #tasks = new Map<number, Task>();
  #queued = 0;
  #idleWaiters: (() => void)[] = [];
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
    return this.#tasks.size > 0;
  }

  /** Queued commands in flight (or being aborted). */
  get queued(): number {
    return this.#queued;
  }

  /** Resolves once no command is in flight. */
  whenIdle(): Promise<void> {
    if (this.#tasks.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Sends the SCSI Command PDU (and unsolicited data); the promise settles with the task. */
  start(
    conn: IscsiConnection,
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
    queued = false,
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
      queued,
    });
    const dataOut = task.dataOut;
    const length = dataOut?.length ?? 0;
    const { immediate, unsolicitedEnd } = unsolicitedData(params, length);
    task.sent = immediate;
    this.#tasks.set(itt, task);
    if (queued && ++this.#queued > host.counters.queuedMax) host.counters.queuedMax = this.#queued;
    host.counters.commands++;
    host.window.take();
    const commandPdu: ScsiCommandPdu = {
      type: 'scsi-command',
      immediate: false,
      final: unsolicitedEnd === immediate,
      read: command.direction === 'in',
      write: command.direction === 'out',
      // ORDERED for queued writes: the target applies them in CmdSN order (SAM-5 8.6).
      attr: queued ? 2 : 1, // ORDERED : SIMPLE
      lun: host.lun,
      initiatorTaskTag: itt,
      expectedDataTransferLength: task.dataIn === undefined ? length : task.dataIn.length,
      cmdSn: task.cmdSn,
      expStatSn: host.expStatSn(),
      cdb: command.cdb,
      data: dataOut === undefined ? EMPTY : dataOut.subarray(0, immediate),
    };
    // Alone in flight, the command's first burst is staged while the target works on it.
    const alone = this.#tasks.size === 1;
    this.#pump.sendCommand(task, commandPdu, unsolicitedEnd, params.maxBurstLength, alone);
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
    const task = this.#tasks.get(itt);
    if (task === undefined) return false;
    this.#fail(task, error);
    return true;
  }

  /** `conn` ended: the command in flight on it fails with `error`. */
  connectionLost(conn: IscsiConnection, error: DwError): void {
    for (const task of [...this.#tasks.values()]) {
      if (task.conn === conn) this.#fail(task, error);
    }
  }

  /** No command in flight: the deadline timer no longer holds the process. */
  idle(): void {
    if (this.#tasks.size === 0) this.#deadlines.idle();
  }

  /**
   * Aborts every queued command in flight: ABORT TASK for each, newest first (an ORDERED command
   * waits for the ones before it, so none runs after an older one was aborted), then each rejects
   * with E_IMAPI_REQUEST_CANCELLED. A refused or unanswered ABORT TASK drops the connection
   * (requests.ts), which ends them just as well. Resolves once all of them have settled.
   */
  async abortQueued(): Promise<void> {
    const tasks: Task[] = [];
    for (const task of this.#tasks.values()) {
      if (task.queued && !task.finished) tasks.push(task);
    }
    if (tasks.length === 0) return;
    const aborts: Promise<void>[] = [];
    for (let i = tasks.length - 1; i >= 0; i--) {
      const task = tasks[i]!;
      settle(task);
      aborts.push(this.#host.abort(task).catch(() => undefined));
    }
    await Promise.all(aborts);
    for (const task of tasks) {
      this.#end(task);
      task.reject(TransportErrors.aborted(task.command));
    }
  }

  close(): void {
    this.#deadlines.clear();
  }

  #taskFor(itt: number): Task | undefined {
    const t = this.#tasks.get(itt);
    return t !== undefined && !t.finished ? t : undefined;
  }

  /** The command completed (GOOD or CHECK CONDITION): the caller gets the result. */
  #succeed(task: Task, result: ScsiResult): void {
    if (!settle(task)) return;
    if (
      task.queued &&
      (result.status === ScsiStatus.TASK_SET_FULL || result.status === ScsiStatus.BUSY)
    ) {
      this.#host.queueRefused();
    }
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
    if (this.#tasks.get(task.itt) !== task) return;
    this.#tasks.delete(task.itt);
    const inFlight = this.#tasks.size > 0;
    if (!inFlight && this.#idleWaiters.length > 0) {
      const w = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of w) wake();
    }
    if (task.queued) {
      this.#queued--;
      if (!inFlight) this.#deadlines.idle();
      this.#host.queuedEnded(inFlight);
    } else {
      this.#host.idle();
    }
  }

  #onDeadline(): void {
    const now = performance.now();
    let next = Infinity;
    for (const task of [...this.#tasks.values()]) {
      if (task.finished) continue;
      if (now >= task.deadline) this.#giveUp(task, 'timeout');
      else next = Math.min(next, task.deadline);
    }
    if (next !== Infinity) this.#deadlines.arm(next);
  }
}
