// The iSCSI PDUs as typed values (RFC 7143 §11): one interface per PDU, its fields named after
// the standard's, and the code tables of those fields. What an initiator sends, then what a
// target sends; their codecs are pdu-initiator.ts and pdu-target.ts, the bytes every header shares
// are in pdu-layout.ts.

/** Login stages (CSG / NSG of Login Request and Response, RFC 7143 §11.12.3). */
export const LoginStage = {
  SECURITY_NEGOTIATION: 0,
  LOGIN_OPERATIONAL_NEGOTIATION: 1,
  FULL_FEATURE_PHASE: 3,
} as const;

// ---- initiator to target ----

/** Task management function codes (RFC 7143 §11.5.1). */
export const TaskManagementFunction = {
  ABORT_TASK: 1,
  ABORT_TASK_SET: 2,
  CLEAR_ACA: 3,
  CLEAR_TASK_SET: 4,
  LOGICAL_UNIT_RESET: 5,
  TARGET_WARM_RESET: 6,
  TARGET_COLD_RESET: 7,
  TASK_REASSIGN: 8,
} as const;

/** Logout reason codes (RFC 7143 §11.14.1). */
export const LogoutReason = {
  CLOSE_SESSION: 0,
  CLOSE_CONNECTION: 1,
  REMOVE_CONNECTION_FOR_RECOVERY: 2,
} as const;

export interface NopOutPdu {
  readonly type: 'nop-out';
  readonly immediate: boolean;
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly cmdSn: number;
  readonly expStatSn: number;
  readonly data: Uint8Array;
}

export interface ScsiCommandPdu {
  readonly type: 'scsi-command';
  readonly immediate: boolean;
  /** No unsolicited Data-Out follows. */
  readonly final: boolean;
  readonly read: boolean;
  readonly write: boolean;
  /** Task attributes (0 untagged, 1 simple, 2 ordered, 3 head of queue, 4 ACA). */
  readonly attr: number;
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly expectedDataTransferLength: number;
  readonly cmdSn: number;
  readonly expStatSn: number;
  /** Up to 16 bytes; encoded zero-padded to 16, decoded as all 16. */
  readonly cdb: Uint8Array;
  /** Immediate data. */
  readonly data: Uint8Array;
}

export interface TaskManagementRequestPdu {
  readonly type: 'task-management-request';
  readonly immediate: boolean;
  readonly function: number;
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly referencedTaskTag: number;
  readonly cmdSn: number;
  readonly expStatSn: number;
  readonly refCmdSn: number;
  readonly expDataSn: number;
}

export interface LoginRequestPdu {
  readonly type: 'login-request';
  readonly transit: boolean;
  readonly continue: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly versionMax: number;
  readonly versionMin: number;
  /** 6 bytes. */
  readonly isid: Uint8Array;
  /** 2 bytes, opaque: some targets send it little-endian, so it is echoed verbatim. */
  readonly tsih: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly cid: number;
  readonly cmdSn: number;
  readonly expStatSn: number;
  readonly data: Uint8Array;
}

export interface TextRequestPdu {
  readonly type: 'text-request';
  readonly immediate: boolean;
  readonly final: boolean;
  readonly continue: boolean;
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly cmdSn: number;
  readonly expStatSn: number;
  readonly data: Uint8Array;
}

export interface DataOutPdu {
  readonly type: 'data-out';
  readonly final: boolean;
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly expStatSn: number;
  readonly dataSn: number;
  readonly bufferOffset: number;
  readonly data: Uint8Array;
}

export interface LogoutRequestPdu {
  readonly type: 'logout-request';
  readonly immediate: boolean;
  readonly reasonCode: number;
  readonly initiatorTaskTag: number;
  readonly cid: number;
  readonly cmdSn: number;
  readonly expStatSn: number;
}

export type InitiatorPdu =
  | NopOutPdu
  | ScsiCommandPdu
  | TaskManagementRequestPdu
  | LoginRequestPdu
  | TextRequestPdu
  | DataOutPdu
  | LogoutRequestPdu;

// ---- target to initiator ----

/** Task management response codes (RFC 7143 §11.6.1). */
export const TaskManagementResponse = {
  FUNCTION_COMPLETE: 0,
  TASK_DOES_NOT_EXIST: 1,
  LUN_DOES_NOT_EXIST: 2,
  TASK_STILL_ALLEGIANT: 3,
  TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED: 4,
  FUNCTION_NOT_SUPPORTED: 5,
  FUNCTION_AUTHORIZATION_FAILED: 6,
  FUNCTION_REJECTED: 255,
} as const;

/** Async message events (RFC 7143 §11.9.1). */
export const AsyncEvent = {
  SCSI_ASYNC_EVENT: 0,
  LOGOUT_REQUESTED: 1,
  CONNECTION_DROPPED: 2,
  SESSION_DROPPED: 3,
  NEGOTIATION_REQUESTED: 4,
  TASK_TERMINATION: 5,
  VENDOR_SPECIFIC: 255,
} as const;

/** Fields every target PDU that carries sequence numbers has. */
export interface TargetSn {
  readonly statSn: number;
  readonly expCmdSn: number;
  readonly maxCmdSn: number;
}

export interface NopInPdu extends TargetSn {
  readonly type: 'nop-in';
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly data: Uint8Array;
}

export interface ScsiResponsePdu extends TargetSn {
  readonly type: 'scsi-response';
  readonly bidiReadOverflow: boolean;
  readonly bidiReadUnderflow: boolean;
  readonly overflow: boolean;
  readonly underflow: boolean;
  /** iSCSI response: 0 command completed at target, 1 target failure. */
  readonly response: number;
  readonly status: number;
  readonly initiatorTaskTag: number;
  readonly snackTag: number;
  readonly expDataSn: number;
  readonly bidiReadResidualCount: number;
  readonly residualCount: number;
  /** SenseLength (2 bytes) + sense data + response data, when present. */
  readonly data: Uint8Array;
}

export interface TaskManagementResponsePdu extends TargetSn {
  readonly type: 'task-management-response';
  readonly response: number;
  readonly initiatorTaskTag: number;
}

export interface LoginResponsePdu extends TargetSn {
  readonly type: 'login-response';
  readonly transit: boolean;
  readonly continue: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly versionMax: number;
  readonly versionActive: number;
  readonly isid: Uint8Array;
  readonly tsih: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly statusClass: number;
  readonly statusDetail: number;
  readonly data: Uint8Array;
}

export interface TextResponsePdu extends TargetSn {
  readonly type: 'text-response';
  readonly final: boolean;
  readonly continue: boolean;
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly data: Uint8Array;
}

export interface DataInPdu extends TargetSn {
  readonly type: 'data-in';
  readonly final: boolean;
  readonly acknowledge: boolean;
  readonly overflow: boolean;
  readonly underflow: boolean;
  /** The S bit: status (and residual) are valid and end the task. */
  readonly statusPresent: boolean;
  readonly status: number;
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly dataSn: number;
  readonly bufferOffset: number;
  readonly residualCount: number;
  readonly data: Uint8Array;
}

export interface LogoutResponsePdu extends TargetSn {
  readonly type: 'logout-response';
  readonly response: number;
  readonly initiatorTaskTag: number;
  readonly time2Wait: number;
  readonly time2Retain: number;
}

export interface R2tPdu extends TargetSn {
  readonly type: 'r2t';
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly r2tSn: number;
  readonly bufferOffset: number;
  readonly desiredDataTransferLength: number;
}

export interface AsyncMessagePdu extends TargetSn {
  readonly type: 'async-message';
  readonly lun: Uint8Array;
  readonly asyncEvent: number;
  readonly asyncVCode: number;
  readonly parameter1: number;
  readonly parameter2: number;
  readonly parameter3: number;
  readonly data: Uint8Array;
}

export interface RejectPdu extends TargetSn {
  readonly type: 'reject';
  readonly reason: number;
  readonly dataSnR2tSn: number;
  /** The rejected PDU's header. */
  readonly data: Uint8Array;
}

export type TargetPdu =
  | NopInPdu
  | ScsiResponsePdu
  | TaskManagementResponsePdu
  | LoginResponsePdu
  | TextResponsePdu
  | DataInPdu
  | LogoutResponsePdu
  | R2tPdu
  | AsyncMessagePdu
  | RejectPdu;

export type Pdu = InitiatorPdu | TargetPdu;
