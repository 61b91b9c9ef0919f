// The target's answers that carry no SCSI data (RFC 7143 §11.6, §11.9, §11.11, §11.15, §11.19):
// NOP-In echoing a NOP-Out, the Task Management Function Response, the Logout Response, the
// Text Response (SendTargets: the target's name and portal for `All` or its own name, nothing
// for another name, NotUnderstood for every other key), and the Async Message asking an
// initiator to log out, and the Reject of a PDU not served. Pure: the connection sends what these build.

import { RESERVED_TAG } from '../pdu-layout.js';
import {
  AsyncEvent,
  type InitiatorPdu,
  type AsyncMessagePdu,
  type LogoutResponsePdu,
  type LogoutRequestPdu,
  type RejectPdu,
  type NopInPdu,
  type NopOutPdu,
  type TargetSn,
  type TaskManagementRequestPdu,
  type TaskManagementResponsePdu,
} from '../pdu-types.js';
import { decodeTextPairs, encodeTextPairs } from '../text.js';

/** The NOP-In answering `p`, its data echoed up to `maxData` bytes. */
export function nopInFor(p: NopOutPdu, sn: TargetSn, maxData: number): NopInPdu {
  return {
    type: 'nop-in',
    lun: p.lun,
    initiatorTaskTag: p.initiatorTaskTag,
    targetTransferTag: RESERVED_TAG,
    ...sn,
    data: p.data.slice(0, maxData),
  };
}

/** A ping: a NOP-In asking for a NOP-Out that echoes `targetTransferTag` (§11.19.1). */
export function nopInPing(targetTransferTag: number, sn: TargetSn): NopInPdu {
  return {
    type: 'nop-in',
    lun: new Uint8Array(8),
    initiatorTaskTag: RESERVED_TAG,
    targetTransferTag,
    ...sn,
    data: new Uint8Array(0),
  };
}

/** The Task Management Function Response to `p` with the response code `response`. */
export function taskManagementAnswer(
  p: TaskManagementRequestPdu,
  sn: TargetSn,
  response: number,
): TaskManagementResponsePdu {
  return {
    type: 'task-management-response',
    response,
    initiatorTaskTag: p.initiatorTaskTag,
    ...sn,
  };
}

/** "Connection or session closed successfully", no wait before reconnecting. */
export function logoutAnswer(p: LogoutRequestPdu, sn: TargetSn): LogoutResponsePdu {
  return {
    type: 'logout-response',
    response: 0,
    initiatorTaskTag: p.initiatorTaskTag,
    ...sn,
    time2Wait: 0,
    time2Retain: 0,
  };
}

/** The answer to a whole Text Request's text (target-text.ts splits it into PDUs). */
export function textReplies(text: Uint8Array, targetName: string, portal: string): Uint8Array {
  const replies: [string, string][] = [];
  for (const [key, value] of decodeTextPairs(text)) {
    if (key === 'SendTargets') {
      if (value === 'All' || value === '' || value === targetName) {
        replies.push(['TargetName', targetName]);
        replies.push(['TargetAddress', `${portal},1`]);
      }
    } else replies.push([key, 'NotUnderstood']);
  }
  return encodeTextPairs(replies);
}

/** Asks the initiator to log out within `seconds` (Parameter3), after which it is dropped. */
export function logoutRequestMessage(sn: TargetSn, seconds: number): AsyncMessagePdu {
  return {
    type: 'async-message',
    lun: new Uint8Array(8),
    ...sn,
    asyncEvent: AsyncEvent.LOGOUT_REQUESTED,
    asyncVCode: 0,
    parameter1: 0,
    parameter2: 0,
    parameter3: seconds,
    data: new Uint8Array(0),
  };
}

/**
 * The Reject reason (RFC 7143 §11.17.1) for a PDU the full feature phase does not serve, or
 * undefined to serve it: 04h Protocol Error for an opcode the target does not take (SNACK at
 * ErrorRecoveryLevel 0 among them), 09h Invalid PDU Field for an AHS (extended CDBs are not
 * offered), 06h Immediate Command Reject for an immediate command other than NOP-Out beyond a
 * window's worth queued, since immediate commands bypass the CmdSN window and each would hold
 * its data while the queue is blocked.
 */
export function rejectReason(
  p: InitiatorPdu | undefined,
  hasAhs: boolean,
  queueFull: boolean,
): number | undefined {
  if (p === undefined) return 0x04;
  if (hasAhs) return 0x09;
  if (queueFull && 'immediate' in p && p.immediate && p.type !== 'nop-out') return 0x06;
  return undefined;
}

export function rejectOf(bhs: Uint8Array, reason: number, sn: TargetSn): RejectPdu {
  return { type: 'reject', reason, ...sn, dataSnR2tSn: 0, data: bhs.slice() };
}
