// Task management on the target side (RFC 7143 §11.5-§11.6, SAM-5 7): what each function
// does to the tasks of the session, of a logical unit or of the target, and the response code.
// ABORT TASK and ABORT TASK SET end the session's own tasks; CLEAR TASK SET ends every
// session's tasks of the unit (one task set shared by every I_T nexus, TST 000b) without a
// reset; LOGICAL UNIT RESET and TARGET WARM RESET end every session's tasks of the units and
// reset them (target.ts); CLEAR ACA, TARGET COLD RESET and TASK REASSIGN are answered
// "function not supported". The
// answer is given once every task the function aborts is over (a command the drive is
// executing runs to its end; its result is dropped).

import { snGreater } from '../cmdsn-window.js';
import { decodeLun } from '../pdu-layout.js';
import {
  TaskManagementFunction as TMF,
  TaskManagementResponse as TMR,
  type TaskManagementRequestPdu,
} from '../pdu-types.js';
import type { TaskSet } from './target-tasks.js';

export interface TaskManagementContext {
  readonly tasks: TaskSet;
  readonly lunCount: number;
  /** The connection's command window: the next CmdSN expected, and the highest allowed. */
  readonly expCmdSn: number;
  readonly maxCmdSn: number;
  /** CmdSNs of commands aborted before they arrived; they are dropped when they do. */
  readonly discard: Set<number>;
  clearTaskSet(lun: number): Promise<void>;
  resetLun(lun: number): Promise<void>;
  resetTarget(): Promise<void>;
}

/** Carries out `p`; resolves to its response code once the aborted tasks are over. */
export async function taskManagement(
  p: TaskManagementRequestPdu,
  c: TaskManagementContext,
): Promise<number> {
  const lun = decodeLun(p.lun);
  const lunExists = lun !== undefined && lun < c.lunCount;
  switch (p.function) {
    case TMF.ABORT_TASK: {
      const task = c.tasks.get(p.referencedTaskTag);
      if (task !== undefined) {
        await c.tasks.abortWhere((t) => t === task);
        return TMR.FUNCTION_COMPLETE;
      }
      // RFC 7143 §11.6.1: a command not received yet (RefCmdSN in the window, before the TMF's
      // own CmdSN) counts as received and aborted; one already answered does not exist.
      const notYet = !snGreater(c.expCmdSn, p.refCmdSn) && !snGreater(p.refCmdSn, c.maxCmdSn);
      if (notYet && snGreater(p.cmdSn, p.refCmdSn) && c.discard.size < 16) {
        c.discard.add(p.refCmdSn);
        return TMR.FUNCTION_COMPLETE;
      }
      return TMR.TASK_DOES_NOT_EXIST;
    }
    case TMF.ABORT_TASK_SET:
      if (!lunExists) return TMR.LUN_DOES_NOT_EXIST;
      await c.tasks.abortWhere((t) => t.lun === lun);
      return TMR.FUNCTION_COMPLETE;
    case TMF.CLEAR_TASK_SET:
      if (!lunExists) return TMR.LUN_DOES_NOT_EXIST;
      await c.clearTaskSet(lun);
      return TMR.FUNCTION_COMPLETE;
    case TMF.LOGICAL_UNIT_RESET:
      if (!lunExists) return TMR.LUN_DOES_NOT_EXIST;
      await c.resetLun(lun);
      return TMR.FUNCTION_COMPLETE;
    case TMF.TARGET_WARM_RESET:
      await c.resetTarget();
      return TMR.FUNCTION_COMPLETE;
    default:
      return TMR.FUNCTION_NOT_SUPPORTED;
  }
}
