// The codec of the iSCSI PDUs a target sends (RFC 7143 §11.4, §11.6-§11.9, §11.11, §11.13,
// §11.15, §11.17, §11.19): SCSI Response, SCSI Data-In, R2T, Async Message, NOP-In, Reject, and
// the Login, Text, Logout and Task Management responses; the decoder an initiator uses and the
// encoder a target uses, and the SCSI Response data segment (SenseLength + sense). Their types
// are in pdu-types.ts, the header layout they share in pdu-layout.ts. Pure; no I/O.

import { ByteReader, ByteWriter, readU16 as u16, readU32 as u32 } from '../../scsi/bytes.js';
import { invalidArgument } from '../../errors.js';
import {
  BHS_LENGTH,
  IscsiOpcode,
  RESERVED_TAG,
  checkBhsPlace,
  frameOpcode,
  unknownOpcode,
  writeDataSegmentLength as dsl,
  writeLunField as lun8,
  type PduFrame,
} from './pdu-layout.js';
import type { TargetPdu, TargetSn } from './pdu-types.js';

const EMPTY = new Uint8Array(0);

/** Bytes 24..35: StatSN, ExpCmdSN, MaxCmdSN. */
function targetSn(w: ByteWriter, p: TargetSn): void {
  w.u32(24, p.statSn, 'StatSN');
  w.u32(28, p.expCmdSn, 'ExpCmdSN');
  w.u32(32, p.maxCmdSn, 'MaxCmdSN');
}

/**
 * Writes the 48-byte BHS of `p` into `out` at `at` (all 48 bytes, reserved ones zeroed).
 * DataSegmentLength is taken from `p.data`. Throws an invalid-argument error, possibly after
 * writing part of the header, for a field out of range.
 */
export function writeTargetBhs(p: TargetPdu, out: Uint8Array, at: number): void {
  checkBhsPlace(out, at);
  const b = out.subarray(at, at + BHS_LENGTH);
  b.fill(0);
  const w = new ByteWriter(b);
  switch (p.type) {
    case 'nop-in':
      // 20 TTT | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN
      w.u8(0, IscsiOpcode.NOP_IN);
      b[1] = 0x80;
      dsl(w, p.data);
      lun8(w, p.lun);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.targetTransferTag, 'Target Transfer Tag');
      targetSn(w, p);
      break;
    case 'scsi-response':
      // byte 1 F=1, bit 4 o, bit 3 u, bit 2 O, bit 1 U | 2 Response | 3 Status
      // 20 SNACK Tag | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN | 36 ExpDataSN
      // 40 Bidirectional Read Residual Count | 44 Residual Count
      w.u8(0, IscsiOpcode.SCSI_RESPONSE);
      b[1] = 0x80;
      w.flag(1, 4, p.bidiReadOverflow); // o
      w.flag(1, 3, p.bidiReadUnderflow); // u
      w.flag(1, 2, p.overflow); // O
      w.flag(1, 1, p.underflow); // U
      w.u8(2, p.response, 'Response');
      w.u8(3, p.status, 'Status');
      dsl(w, p.data);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.snackTag, 'SNACK Tag');
      targetSn(w, p);
      w.u32(36, p.expDataSn, 'ExpDataSN');
      w.u32(40, p.bidiReadResidualCount, 'Bidirectional Read Residual Count');
      w.u32(44, p.residualCount, 'Residual Count');
      break;
    case 'task-management-response':
      // byte 1 F=1 | 2 Response | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN
      w.u8(0, IscsiOpcode.TASK_MANAGEMENT_RESPONSE);
      b[1] = 0x80;
      w.u8(2, p.response, 'Response');
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      targetSn(w, p);
      break;
    case 'login-response':
      // byte 1 T C CSG NSG | 2 Version-max | 3 Version-active | 8..13 ISID | 14..15 TSIH
      // 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN | 36 Status-Class | 37 Status-Detail
      w.u8(0, IscsiOpcode.LOGIN_RESPONSE);
      w.flag(1, 7, p.transit); // T
      w.flag(1, 6, p.continue); // C
      w.bits(1, 2, 0x03, p.csg, 'CSG');
      w.bits(1, 0, 0x03, p.nsg, 'NSG');
      w.u8(2, p.versionMax, 'Version-max');
      w.u8(3, p.versionActive, 'Version-active');
      dsl(w, p.data);
      if (p.isid.length !== 6) throw invalidArgument('ISID must be 6 bytes');
      if (p.tsih.length !== 2) throw invalidArgument('TSIH must be 2 bytes');
      w.bytesAt(8, p.isid, 'ISID');
      w.bytesAt(14, p.tsih, 'TSIH');
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      targetSn(w, p);
      w.u8(36, p.statusClass, 'Status-Class');
      w.u8(37, p.statusDetail, 'Status-Detail');
      break;
    case 'text-response':
      // byte 1 F C | 20 TTT | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN
      w.u8(0, IscsiOpcode.TEXT_RESPONSE);
      w.flag(1, 7, p.final); // F
      w.flag(1, 6, p.continue); // C
      dsl(w, p.data);
      lun8(w, p.lun);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.targetTransferTag, 'Target Transfer Tag');
      targetSn(w, p);
      break;
    case 'data-in':
      // byte 1 F A, bit 2 O, bit 1 U, bit 0 S | 3 Status | 20 TTT | 24 StatSN | 28 ExpCmdSN
      // 32 MaxCmdSN | 36 DataSN | 40 Buffer Offset | 44 Residual Count
      w.u8(0, IscsiOpcode.SCSI_DATA_IN);
      w.flag(1, 7, p.final); // F
      w.flag(1, 6, p.acknowledge); // A
      w.flag(1, 2, p.overflow); // O
      w.flag(1, 1, p.underflow); // U
      w.flag(1, 0, p.statusPresent); // S
      w.u8(3, p.status, 'Status');
      dsl(w, p.data);
      lun8(w, p.lun);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.targetTransferTag, 'Target Transfer Tag');
      targetSn(w, p);
      w.u32(36, p.dataSn, 'DataSN');
      w.u32(40, p.bufferOffset, 'Buffer Offset');
      w.u32(44, p.residualCount, 'Residual Count');
      break;
    case 'logout-response':
      // byte 1 F=1 | 2 Response | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN
      // 40..41 Time2Wait | 42..43 Time2Retain
      w.u8(0, IscsiOpcode.LOGOUT_RESPONSE);
      b[1] = 0x80;
      w.u8(2, p.response, 'Response');
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      targetSn(w, p);
      w.u16(40, p.time2Wait, 'Time2Wait');
      w.u16(42, p.time2Retain, 'Time2Retain');
      break;
    case 'r2t':
      // byte 1 F=1 | 20 TTT | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN | 36 R2TSN
      // 40 Buffer Offset | 44 Desired Data Transfer Length
      w.u8(0, IscsiOpcode.R2T);
      b[1] = 0x80;
      lun8(w, p.lun);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.targetTransferTag, 'Target Transfer Tag');
      targetSn(w, p);
      w.u32(36, p.r2tSn, 'R2TSN');
      w.u32(40, p.bufferOffset, 'Buffer Offset');
      w.u32(44, p.desiredDataTransferLength, 'Desired Data Transfer Length');
      break;
    case 'async-message':
      // byte 1 F=1 | 16 ITT = FFFFFFFFh | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN
      // 36 AsyncEvent | 37 AsyncVCode | 38 Parameter1 | 40 Parameter2 | 42 Parameter3
      w.u8(0, IscsiOpcode.ASYNC_MESSAGE);
      b[1] = 0x80;
      dsl(w, p.data);
      lun8(w, p.lun);
      w.u32(16, RESERVED_TAG);
      targetSn(w, p);
      w.u8(36, p.asyncEvent, 'AsyncEvent');
      w.u8(37, p.asyncVCode, 'AsyncVCode');
      w.u16(38, p.parameter1, 'Parameter1');
      w.u16(40, p.parameter2, 'Parameter2');
      w.u16(42, p.parameter3, 'Parameter3');
      break;
    case 'reject':
      // byte 1 F=1 | 2 Reason | 16 FFFFFFFFh | 24 StatSN | 28 ExpCmdSN | 32 MaxCmdSN
      // 36 DataSN/R2TSN
      w.u8(0, IscsiOpcode.REJECT);
      b[1] = 0x80;
      w.u8(2, p.reason, 'Reason');
      dsl(w, p.data);
      w.u32(16, RESERVED_TAG);
      targetSn(w, p);
      w.u32(36, p.dataSnR2tSn, 'DataSN/R2TSN');
      break;
  }
}

/**
 * Decodes one frame of a PDU a target sends (what an initiator receives). Throws
 * MalformedDataError for a short BHS, a data segment that does not match DataSegmentLength, or
 * an opcode that is not a target PDU this codec knows. LUN, ISID and TSIH are copies; `data` is
 * the frame's data view itself.
 */
export function decodeTargetPdu(frame: PduFrame): TargetPdu {
  const opcode = frameOpcode(frame);
  const p = decodeTargetBhs(opcode, frame.bhs, frame.data);
  if (p === undefined) throw unknownOpcode(opcode, 'target');
  return p;
}

/**
 * The target PDU of a BHS `b` already checked by `frameOpcode` (which returned `opcode`),
 * carrying `data`; undefined when `opcode` is not a target PDU this codec knows.
 */
export function decodeTargetBhs(
  opcode: number,
  b: Uint8Array,
  data: Uint8Array,
): TargetPdu | undefined {
  const f1 = b[1]!;
  const itt = u32(b, 16);
  // The PDUs of every WRITE and READ come first.
  switch (opcode) {
    case IscsiOpcode.R2T:
      return {
        type: 'r2t',
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        targetTransferTag: u32(b, 20),
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        r2tSn: u32(b, 36),
        bufferOffset: u32(b, 40),
        desiredDataTransferLength: u32(b, 44),
      };
    case IscsiOpcode.SCSI_RESPONSE:
      return {
        type: 'scsi-response',
        bidiReadOverflow: (f1 & 0x10) !== 0, // o
        bidiReadUnderflow: (f1 & 0x08) !== 0, // u
        overflow: (f1 & 0x04) !== 0, // O
        underflow: (f1 & 0x02) !== 0, // U
        response: b[2]!,
        status: b[3]!,
        initiatorTaskTag: itt,
        snackTag: u32(b, 20),
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        expDataSn: u32(b, 36),
        bidiReadResidualCount: u32(b, 40),
        residualCount: u32(b, 44),
        data,
      };
    case IscsiOpcode.SCSI_DATA_IN:
      return {
        type: 'data-in',
        final: (f1 & 0x80) !== 0, // F
        acknowledge: (f1 & 0x40) !== 0, // A
        overflow: (f1 & 0x04) !== 0, // O
        underflow: (f1 & 0x02) !== 0, // U
        statusPresent: (f1 & 0x01) !== 0, // S
        status: b[3]!,
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        targetTransferTag: u32(b, 20),
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        dataSn: u32(b, 36),
        bufferOffset: u32(b, 40),
        residualCount: u32(b, 44),
        data,
      };
    case IscsiOpcode.NOP_IN:
      return {
        type: 'nop-in',
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        targetTransferTag: u32(b, 20),
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        data,
      };
    case IscsiOpcode.TASK_MANAGEMENT_RESPONSE:
      return {
        type: 'task-management-response',
        response: b[2]!,
        initiatorTaskTag: itt,
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
      };
    case IscsiOpcode.LOGIN_RESPONSE:
      return {
        type: 'login-response',
        transit: (f1 & 0x80) !== 0, // T
        continue: (f1 & 0x40) !== 0, // C
        csg: (f1 >> 2) & 0x03, // CSG
        nsg: f1 & 0x03, // NSG
        versionMax: b[2]!,
        versionActive: b[3]!,
        isid: b.slice(8, 14),
        tsih: b.slice(14, 16),
        initiatorTaskTag: itt,
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        statusClass: b[36]!,
        statusDetail: b[37]!,
        data,
      };
    case IscsiOpcode.TEXT_RESPONSE:
      return {
        type: 'text-response',
        final: (f1 & 0x80) !== 0, // F
        continue: (f1 & 0x40) !== 0, // C
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        targetTransferTag: u32(b, 20),
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        data,
      };
    case IscsiOpcode.LOGOUT_RESPONSE:
      return {
        type: 'logout-response',
        response: b[2]!,
        initiatorTaskTag: itt,
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        time2Wait: u16(b, 40),
        time2Retain: u16(b, 42),
      };
    case IscsiOpcode.ASYNC_MESSAGE:
      return {
        type: 'async-message',
        lun: b.slice(8, 16),
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        asyncEvent: b[36]!,
        asyncVCode: b[37]!,
        parameter1: u16(b, 38),
        parameter2: u16(b, 40),
        parameter3: u16(b, 42),
        data,
      };
    case IscsiOpcode.REJECT:
      return {
        type: 'reject',
        reason: b[2]!,
        statSn: u32(b, 24),
        expCmdSn: u32(b, 28),
        maxCmdSn: u32(b, 32),
        dataSnR2tSn: u32(b, 36),
        data,
      };
    default:
      return undefined;
  }
}

/** SCSI Response data segment (RFC 7143 §11.4.7): SenseLength (2 bytes) then the sense data. */
export function decodeSenseData(data: Uint8Array): Uint8Array {
  if (data.length === 0) return EMPTY;
  const r = new ByteReader(data);
  const senseLength = r.u16(0);
  // A target that declares more sense than it sent gets clamped to what is present.
  return data.slice(2, 2 + Math.min(senseLength, data.length - 2));
}

/** Builds the SCSI Response data segment carrying `sense` (what a target sends). */
export function encodeSenseData(sense: Uint8Array): Uint8Array {
  if (sense.length === 0) return EMPTY;
  const out = new Uint8Array(2 + sense.length);
  new ByteWriter(out).u16(0, sense.length, 'SenseLength');
  out.set(sense, 2);
  return out;
}
