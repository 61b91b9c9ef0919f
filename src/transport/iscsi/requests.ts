// The immediate requests of an iSCSI session (RFC 7143 §11.5, §11.14, §11.18): NOP-Out ping,
// task management (ABORT TASK, LOGICAL UNIT RESET) and Logout, each matched to its answer by
// Initiator Task Tag (§11.2.1.8) and bounded in time; and the Initiator Task Tags themselves,
// which commands take too. Immediate requests carry CmdSN without taking it.

import type { DwError } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import type { IscsiConnection } from './connection.js';
import { RESERVED_TAG } from './pdu-layout.js';
import {
  LogoutReason,
  TaskManagementFunction,
  TaskManagementResponse,
  type TargetPdu,
} from './pdu-types.js';
import { timedWait, type Waiter } from './timed-wait.js';

const EMPTY = new Uint8Array(0);

/** Where the session stands when a request goes out. */
export interface RequestContext {
  readonly lun: Uint8Array;
  readonly cmdSn: number;
  readonly expStatSn: number;
}

export class ImmediateRequests {
  #itt = 0;
  readonly #waiters = new Map<number, Waiter<TargetPdu>>();
  readonly #address: string;
  readonly #tmfTimeoutMs: number;
  readonly #context: () => RequestContext;

  /**
   * `address` names the target in errors; `tmfTimeoutMs` bounds the task management and Logout
   * answers; `context` tells the session's LUN and sequence numbers at the time of sending.
   */
  constructor(address: string, tmfTimeoutMs: number, context: () => RequestContext) {
    this.#address = address;
    this.#tmfTimeoutMs = tmfTimeoutMs;
    this.#context = context;
  }

  /** The next Initiator Task Tag, for a command or a request; never the reserved FFFFFFFFh. */
  nextItt(): number {
    this.#itt = (this.#itt + 1) >>> 0;
    if (this.#itt === RESERVED_TAG) this.#itt = 0;
    return this.#itt;
  }

  /** Hands `p` to the request tagged `itt`, if one waits. */
  resolve(itt: number, p: TargetPdu): void {
    const w = this.#waiters.get(itt);
    if (w === undefined) return;
    this.#waiters.delete(itt);
    w.resolve(p);
  }

  /** Fails the request tagged `itt`, if one waits. */
  reject(itt: number, error: DwError): void {
    this.#waiters.get(itt)?.reject(error);
    this.#waiters.delete(itt);
  }

  /** Fails every request that waits (the connection ended). */
  rejectAll(error: DwError): void {
    for (const [, w] of this.#waiters) w.reject(error);
    this.#waiters.clear();
  }

  /** NOP-Out ping; resolves on the NOP-In echo. */
  async ping(conn: IscsiConnection, timeoutMs: number): Promise<void> {
    const itt = this.nextItt();
    const answer = this.#waitFor(itt, timeoutMs, 'NOP-In');
    const c = this.#context();
    conn.send({
      type: 'nop-out',
      immediate: true,
      lun: c.lun,
      initiatorTaskTag: itt,
      targetTransferTag: RESERVED_TAG,
      cmdSn: c.cmdSn,
      expStatSn: c.expStatSn,
      data: EMPTY,
    });
    await answer;
  }

  /** Logout (close the session); resolves on the Logout Response. */
  async logout(conn: IscsiConnection): Promise<void> {
    const itt = this.nextItt();
    const answer = this.#waitFor(itt, Math.min(this.#tmfTimeoutMs, 3000), 'Logout response');
    const c = this.#context();
    conn.send({
      type: 'logout-request',
      immediate: true,
      reasonCode: LogoutReason.CLOSE_SESSION,
      initiatorTaskTag: itt,
      cid: 0,
      cmdSn: c.cmdSn,
      expStatSn: c.expStatSn,
    });
    await answer;
  }

  /** LOGICAL UNIT RESET; the TMF response code (FUNCTION_REJECTED for another answer). */
  async resetLogicalUnit(conn: IscsiConnection): Promise<number> {
    const c = this.#context();
    const p = await this.#taskManagement(conn, 'LOGICAL UNIT RESET response', {
      function: TaskManagementFunction.LOGICAL_UNIT_RESET,
      lun: c.lun,
      referencedTaskTag: RESERVED_TAG,
      refCmdSn: c.cmdSn,
    });
    return p.type === 'task-management-response'
      ? p.response
      : TaskManagementResponse.FUNCTION_REJECTED;
  }

  /**
   * ABORT TASK for the task tagged `itt` with CmdSN `cmdSn`. When the target refuses, or does
   * not answer, the task's state there is unknown: the connection is dropped, so that the next
   * command starts over with a new session.
   */
  async abortTask(
    conn: IscsiConnection,
    task: { readonly itt: number; readonly cmdSn: number; readonly lun: Uint8Array },
  ): Promise<void> {
    const answer = this.#taskManagement(conn, 'ABORT TASK response', {
      function: TaskManagementFunction.ABORT_TASK,
      lun: task.lun,
      referencedTaskTag: task.itt,
      refCmdSn: task.cmdSn,
    });
    try {
      const p = await answer;
      if (
        p.type === 'task-management-response' &&
        p.response !== TaskManagementResponse.FUNCTION_COMPLETE &&
        p.response !== TaskManagementResponse.TASK_DOES_NOT_EXIST
      ) {
        conn.destroy(
          TransportErrors.deviceGone(`${this.#address}: ABORT TASK refused (${p.response})`),
        );
      }
    } catch {
      if (conn.isOpen) {
        conn.destroy(TransportErrors.deviceGone(`${this.#address}: no answer to ABORT TASK`));
      }
    }
  }

  #taskManagement(
    conn: IscsiConnection,
    what: string,
    r: {
      readonly function: number;
      readonly lun: Uint8Array;
      readonly referencedTaskTag: number;
      readonly refCmdSn: number;
    },
  ): Promise<TargetPdu> {
    const itt = this.nextItt();
    const answer = this.#waitFor(itt, this.#tmfTimeoutMs, what);
    const c = this.#context();
    conn.send({
      type: 'task-management-request',
      immediate: true,
      ...r,
      initiatorTaskTag: itt,
      cmdSn: c.cmdSn,
      expStatSn: c.expStatSn,
      expDataSn: 0,
    });
    return answer;
  }

  /** The answer to the request tagged `itt`; set up before the request is sent. */
  #waitFor(itt: number, timeoutMs: number, what: string): Promise<TargetPdu> {
    return timedWait<TargetPdu>(
      this.#address,
      what,
      timeoutMs,
      (w) => this.#waiters.set(itt, w),
      () => this.#waiters.delete(itt),
    );
  }
}
