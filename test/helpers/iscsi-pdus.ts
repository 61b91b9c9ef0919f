// fast-check arbitraries for every iSCSI PDU type the codecs know (RFC 7143), shared by the PDU
// codec and staging-buffer tests, the 64 KiB WRITE(10) SCSI Command PDU the connection, staging
// and codec tests send, and the SCSI Response PDU their targets answer with.

import fc from 'fast-check';
import type { Pdu, ScsiResponsePdu } from '../../src/transport/iscsi/pdu-types.js';

export const u32 = fc.nat({ max: 0xffffffff });
export const bytes = (n: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: n, maxLength: n });

/**
 * One arbitrary per PDU type. `dataMaxLength` bounds the data segments (41 covers no data and
 * all four padding cases); `cdb` replaces the 16-byte CDB of SCSI Commands (an encoder pads a
 * shorter CDB, so only encode-side tests can use shorter ones).
 */
export function pduArbitraries(
  options: { dataMaxLength?: number; cdb?: fc.Arbitrary<Uint8Array> } = {},
): fc.Arbitrary<Pdu>[] {
  const data = fc.uint8Array({ maxLength: options.dataMaxLength ?? 41 });
  const sn = { statSn: u32, expCmdSn: u32, maxCmdSn: u32 };
  return [
    fc.record({
      type: fc.constant('nop-out' as const),
      immediate: fc.boolean(),
      lun: bytes(8),
      initiatorTaskTag: u32,
      targetTransferTag: u32,
      cmdSn: u32,
      expStatSn: u32,
      data,
    }),
    fc.record({
      type: fc.constant('scsi-command' as const),
      immediate: fc.boolean(),
      final: fc.boolean(),
      read: fc.boolean(),
      write: fc.boolean(),
      attr: fc.nat(7),
      lun: bytes(8),
      initiatorTaskTag: u32,
      expectedDataTransferLength: u32,
      cmdSn: u32,
      expStatSn: u32,
      cdb: options.cdb ?? bytes(16),
      data,
    }),
    fc.record({
      type: fc.constant('task-management-request' as const),
      immediate: fc.boolean(),
      function: fc.nat(127),
      lun: bytes(8),
      initiatorTaskTag: u32,
      referencedTaskTag: u32,
      cmdSn: u32,
      expStatSn: u32,
      refCmdSn: u32,
      expDataSn: u32,
    }),
    fc.record({
      type: fc.constant('login-request' as const),
      transit: fc.boolean(),
      continue: fc.boolean(),
      csg: fc.nat(3),
      nsg: fc.nat(3),
      versionMax: fc.nat(255),
      versionMin: fc.nat(255),
      isid: bytes(6),
      tsih: bytes(2),
      initiatorTaskTag: u32,
      cid: fc.nat(0xffff),
      cmdSn: u32,
      expStatSn: u32,
      data,
    }),
    fc.record({
      type: fc.constant('text-request' as const),
      immediate: fc.boolean(),
      final: fc.boolean(),
      continue: fc.boolean(),
      lun: bytes(8),
      initiatorTaskTag: u32,
      targetTransferTag: u32,
      cmdSn: u32,
      expStatSn: u32,
      data,
    }),
    fc.record({
      type: fc.constant('data-out' as const),
      final: fc.boolean(),
      lun: bytes(8),
      initiatorTaskTag: u32,
      targetTransferTag: u32,
      expStatSn: u32,
      dataSn: u32,
      bufferOffset: u32,
      data,
    }),
    fc.record({
      type: fc.constant('logout-request' as const),
      immediate: fc.boolean(),
      reasonCode: fc.nat(127),
      initiatorTaskTag: u32,
      cid: fc.nat(0xffff),
      cmdSn: u32,
      expStatSn: u32,
    }),
    fc.record({
      type: fc.constant('nop-in' as const),
      lun: bytes(8),
      initiatorTaskTag: u32,
      targetTransferTag: u32,
      ...sn,
      data,
    }),
    fc.record({
      type: fc.constant('scsi-response' as const),
      bidiReadOverflow: fc.boolean(),
      bidiReadUnderflow: fc.boolean(),
      overflow: fc.boolean(),
      underflow: fc.boolean(),
      response: fc.nat(255),
      status: fc.nat(255),
      initiatorTaskTag: u32,
      snackTag: u32,
      ...sn,
      expDataSn: u32,
      bidiReadResidualCount: u32,
      residualCount: u32,
      data,
    }),
    fc.record({
      type: fc.constant('task-management-response' as const),
      response: fc.nat(255),
      initiatorTaskTag: u32,
      ...sn,
    }),
    fc.record({
      type: fc.constant('login-response' as const),
      transit: fc.boolean(),
      continue: fc.boolean(),
      csg: fc.nat(3),
      nsg: fc.nat(3),
      versionMax: fc.nat(255),
      versionActive: fc.nat(255),
      isid: bytes(6),
      tsih: bytes(2),
      initiatorTaskTag: u32,
      ...sn,
      statusClass: fc.nat(255),
      statusDetail: fc.nat(255),
      data,
    }),
    fc.record({
      type: fc.constant('text-response' as const),
      final: fc.boolean(),
      continue: fc.boolean(),
      lun: bytes(8),
      initiatorTaskTag: u32,
      targetTransferTag: u32,
      ...sn,
      data,
    }),
    fc.record({
      type: fc.constant('data-in' as const),
      final: fc.boolean(),
      acknowledge: fc.boolean(),
      overflow: fc.boolean(),
      underflow: fc.boolean(),
      statusPresent: fc.boolean(),
      status: fc.nat(255),
      lun: bytes(8),
      initiatorTaskTag: u32,
      targetTransferTag: u32,
      ...sn,
      dataSn: u32,
      bufferOffset: u32,
      residualCount: u32,
      data,
    }),
    fc.record({
      type: fc.constant('logout-response' as const),
      response: fc.nat(255),
      initiatorTaskTag: u32,
      ...sn,
      time2Wait: fc.nat(0xffff),
      time2Retain: fc.nat(0xffff),
    }),
    fc.record({
      type: fc.constant('r2t' as const),
      lun: bytes(8),
      initiatorTaskTag: u32,
      targetTransferTag: u32,
      ...sn,
      r2tSn: u32,
      bufferOffset: u32,
      desiredDataTransferLength: u32,
    }),
    fc.record({
      type: fc.constant('async-message' as const),
      lun: bytes(8),
      ...sn,
      asyncEvent: fc.nat(255),
      asyncVCode: fc.nat(255),
      parameter1: fc.nat(0xffff),
      parameter2: fc.nat(0xffff),
      parameter3: fc.nat(0xffff),
      data,
    }),
    fc.record({
      type: fc.constant('reject' as const),
      reason: fc.nat(255),
      ...sn,
      dataSnR2tSn: u32,
      data,
    }),
  ];
}

/**
 * The SCSI Command PDU of a 64 KiB WRITE(10) at LBA 0 on LUN 1 (final, simple task attribute),
 * carrying `immediate` as its immediate data.
 */
export function write10CommandPdu(o: {
  initiatorTaskTag: number;
  cmdSn: number;
  expStatSn: number;
  immediate: Uint8Array;
}): Pdu {
  return {
    type: 'scsi-command',
    immediate: false,
    final: true,
    read: false,
    write: true,
    attr: 1,
    lun: Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0),
    initiatorTaskTag: o.initiatorTaskTag,
    expectedDataTransferLength: 65536,
    cmdSn: o.cmdSn,
    expStatSn: o.expStatSn,
    cdb: Uint8Array.of(0x2a, 0, 0, 0, 0, 0, 0, 0, 0x20, 0),
    data: o.immediate,
  };
}

/**
 * A SCSI Response PDU (RFC 7143 §11.4) for the task `initiatorTaskTag`: iSCSI response 0
 * (completed at target), SCSI `status`, no residuals, and `data` (SenseLength + sense) as its
 * data segment.
 */
export function scsiResponsePdu(o: {
  initiatorTaskTag: number;
  status: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
  data: Uint8Array;
}): ScsiResponsePdu {
  return {
    type: 'scsi-response',
    bidiReadOverflow: false,
    bidiReadUnderflow: false,
    overflow: false,
    underflow: false,
    response: 0,
    status: o.status,
    initiatorTaskTag: o.initiatorTaskTag,
    snackTag: 0,
    statSn: o.statSn,
    expCmdSn: o.expCmdSn,
    maxCmdSn: o.maxCmdSn,
    expDataSn: 0,
    bidiReadResidualCount: 0,
    residualCount: 0,
    data: o.data,
  };
}
