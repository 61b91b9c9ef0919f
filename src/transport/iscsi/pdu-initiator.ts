// The codec of the iSCSI PDUs an initiator sends (RFC 7143 §11.3, §11.5, §11.7, §11.10, §11.12,
// §11.14, §11.18): SCSI Command, SCSI Data-Out, NOP-Out, and the Login, Text, Logout and Task
// Management requests; the encoder an initiator uses and the decoder a target uses. Their types
// are in pdu-types.ts, the header layout they share in pdu-layout.ts. Pure; no I/O.

import { ByteWriter, readU16 as u16, readU32 as u32 } from '../../scsi/bytes.js';
import { invalidArgument, type DwError } from '../../errors.js';
import {
  BHS_LENGTH,
  IscsiOpcode,
  checkBhsPlace,
  frameOpcode,
  unknownOpcode,
  writeDataSegmentLength as dsl,
  writeLunField as lun8,
  type PduFrame,
} from './pdu-layout.js';
import type { DataOutPdu, InitiatorPdu, ScsiCommandPdu } from './pdu-types.js';

/**
 * Writes the 48-byte BHS of `p` into `out` at `at` (all 48 bytes, reserved ones zeroed), so a
 * sender can build several PDUs in one buffer. DataSegmentLength is taken from `p.data`. Throws
 * an invalid-argument error, possibly after writing part of the header, for a field out of range.
 */
export function writeInitiatorBhs(p: InitiatorPdu, out: Uint8Array, at: number): void {
  checkBhsPlace(out, at);
  // Every WRITE sends these two, so they are written field by field, without a ByteWriter.
  // Measured in BENCHMARKS.md, "6. Codec micro-benchmarks".
  if (p.type === 'data-out') {
    writeDataOutBhs(p, out, at);
    return;
  }
  if (p.type === 'scsi-command') {
    writeScsiCommandBhs(p, out, at);
    return;
  }
  const b = out.subarray(at, at + BHS_LENGTH);
  b.fill(0);
  const w = new ByteWriter(b);
  switch (p.type) {
    case 'nop-out':
      // 20 TTT | 24 CmdSN | 28 ExpStatSN
      w.u8(0, IscsiOpcode.NOP_OUT);
      w.flag(0, 6, p.immediate); // I
      b[1] = 0x80; // F is always 1
      dsl(w, p.data);
      lun8(w, p.lun);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.targetTransferTag, 'Target Transfer Tag');
      w.u32(24, p.cmdSn, 'CmdSN');
      w.u32(28, p.expStatSn, 'ExpStatSN');
      break;
    case 'task-management-request':
      // byte 1 F=1, bits 6..0 Function | 20 Referenced Task Tag | 24 CmdSN | 28 ExpStatSN
      // 32 RefCmdSN | 36 ExpDataSN
      w.u8(0, IscsiOpcode.TASK_MANAGEMENT_REQUEST);
      w.flag(0, 6, p.immediate); // I
      b[1] = 0x80;
      w.bits(1, 0, 0x7f, p.function, 'Function');
      lun8(w, p.lun);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.referencedTaskTag, 'Referenced Task Tag');
      w.u32(24, p.cmdSn, 'CmdSN');
      w.u32(28, p.expStatSn, 'ExpStatSN');
      w.u32(32, p.refCmdSn, 'RefCmdSN');
      w.u32(36, p.expDataSn, 'ExpDataSN');
      break;
    case 'login-request':
      // byte 0 I=1 | byte 1 T C, bits 3..2 CSG, bits 1..0 NSG | 2 Version-max | 3 Version-min
      // 8..13 ISID | 14..15 TSIH | 20..21 CID | 24 CmdSN | 28 ExpStatSN
      w.u8(0, 0x40 | IscsiOpcode.LOGIN_REQUEST); // I is always 1
      w.flag(1, 7, p.transit); // T
      w.flag(1, 6, p.continue); // C
      w.bits(1, 2, 0x03, p.csg, 'CSG');
      w.bits(1, 0, 0x03, p.nsg, 'NSG');
      w.u8(2, p.versionMax, 'Version-max');
      w.u8(3, p.versionMin, 'Version-min');
      dsl(w, p.data);
      if (p.isid.length !== 6) throw invalidArgument('ISID must be 6 bytes');
      if (p.tsih.length !== 2) throw invalidArgument('TSIH must be 2 bytes');
      w.bytesAt(8, p.isid, 'ISID');
      w.bytesAt(14, p.tsih, 'TSIH');
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u16(20, p.cid, 'CID');
      w.u32(24, p.cmdSn, 'CmdSN');
      w.u32(28, p.expStatSn, 'ExpStatSN');
      break;
    case 'text-request':
      // byte 1 F C | 20 TTT | 24 CmdSN | 28 ExpStatSN
      w.u8(0, IscsiOpcode.TEXT_REQUEST);
      w.flag(0, 6, p.immediate); // I
      w.flag(1, 7, p.final); // F
      w.flag(1, 6, p.continue); // C
      dsl(w, p.data);
      lun8(w, p.lun);
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u32(20, p.targetTransferTag, 'Target Transfer Tag');
      w.u32(24, p.cmdSn, 'CmdSN');
      w.u32(28, p.expStatSn, 'ExpStatSN');
      break;
    case 'logout-request':
      // byte 1 F=1, bits 6..0 Reason Code | 20..21 CID | 24 CmdSN | 28 ExpStatSN
      w.u8(0, IscsiOpcode.LOGOUT_REQUEST);
      w.flag(0, 6, p.immediate); // I
      b[1] = 0x80;
      w.bits(1, 0, 0x7f, p.reasonCode, 'Reason Code');
      w.u32(16, p.initiatorTaskTag, 'Initiator Task Tag');
      w.u16(20, p.cid, 'CID');
      w.u32(24, p.cmdSn, 'CmdSN');
      w.u32(28, p.expStatSn, 'ExpStatSN');
      break;
  }
}

function rangeError(what: string, value: number, max: number): DwError {
  return invalidArgument(`${what} must be an integer in 0..${max}, got ${String(value)}`);
}

/** Big-endian 32-bit field at `at`; `v` must be an integer in 0..FFFFFFFFh. */
function put32(b: Uint8Array, at: number, v: number, what: string): void {
  if (v >>> 0 !== v) throw rangeError(what, v, 0xffffffff);
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** Bytes 4..15: TotalAHSLength 0, DataSegmentLength, LUN. */
function putLengthAndLun(b: Uint8Array, at: number, dataLength: number, lun: Uint8Array): void {
  if (dataLength > 0xffffff) throw rangeError('DataSegmentLength', dataLength, 0xffffff);
  if (lun.length !== 8) throw invalidArgument('LUN field must be 8 bytes');
  b[at + 4] = 0; // TotalAHSLength
  b[at + 5] = dataLength >>> 16;
  b[at + 6] = (dataLength >>> 8) & 0xff;
  b[at + 7] = dataLength & 0xff;
  b.set(lun, at + 8);
}

// SCSI Command (RFC 7143 §11.3):
// byte 0      bit 6 I, bits 5..0 Opcode 01h
// byte 1      bit 7 F, bit 6 R, bit 5 W, bits 2..0 ATTR
// bytes 4..7  TotalAHSLength, DataSegmentLength | 8..15 LUN | 16 Initiator Task Tag
// 20 Expected Data Transfer Length | 24 CmdSN | 28 ExpStatSN | 32..47 CDB (zero-padded)
function writeScsiCommandBhs(p: ScsiCommandPdu, b: Uint8Array, at: number): void {
  if (p.attr >>> 0 !== p.attr || p.attr > 7) throw rangeError('ATTR', p.attr, 7);
  if (p.cdb.length < 1 || p.cdb.length > 16) {
    throw invalidArgument(`CDB must be 1..16 bytes, got ${p.cdb.length}`);
  }
  b.fill(0, at, at + BHS_LENGTH);
  b[at] = IscsiOpcode.SCSI_COMMAND | (p.immediate ? 0x40 : 0); // I
  b[at + 1] =
    (p.final ? 0x80 : 0) | // F
    (p.read ? 0x40 : 0) | // R
    (p.write ? 0x20 : 0) | // W
    p.attr; // ATTR
  putLengthAndLun(b, at, p.data.length, p.lun);
  put32(b, at + 16, p.initiatorTaskTag, 'Initiator Task Tag');
  put32(b, at + 20, p.expectedDataTransferLength, 'Expected Data Transfer Length');
  put32(b, at + 24, p.cmdSn, 'CmdSN');
  put32(b, at + 28, p.expStatSn, 'ExpStatSN');
  b.set(p.cdb, at + 32);
}

// SCSI Data-Out (RFC 7143 §11.7):
// byte 0      Opcode 05h | byte 1 bit 7 F
// bytes 4..7  TotalAHSLength, DataSegmentLength | 8..15 LUN | 16 Initiator Task Tag
// 20 Target Transfer Tag | 28 ExpStatSN | 36 DataSN | 40 Buffer Offset
function writeDataOutBhs(p: DataOutPdu, b: Uint8Array, at: number): void {
  b.fill(0, at, at + BHS_LENGTH);
  b[at] = IscsiOpcode.SCSI_DATA_OUT;
  b[at + 1] = p.final ? 0x80 : 0; // F
  putLengthAndLun(b, at, p.data.length, p.lun);
  put32(b, at + 16, p.initiatorTaskTag, 'Initiator Task Tag');
  put32(b, at + 20, p.targetTransferTag, 'Target Transfer Tag');
  put32(b, at + 28, p.expStatSn, 'ExpStatSN');
  put32(b, at + 36, p.dataSn, 'DataSN');
  put32(b, at + 40, p.bufferOffset, 'Buffer Offset');
}

/**
 * Decodes one frame of a PDU an initiator sends (what a target receives). Throws
 * MalformedDataError for a short BHS, a data segment that does not match DataSegmentLength, or
 * an opcode that is not an initiator PDU this codec knows. LUN, ISID, TSIH and CDB are copies;
 * `data` is the frame's data view itself.
 */
export function decodeInitiatorPdu(frame: PduFrame): InitiatorPdu {
  const opcode = frameOpcode(frame);
  const p = decodeInitiatorBhs(opcode, frame.bhs, frame.data);
  if (p === undefined) throw unknownOpcode(opcode, 'initiator');
  return p;
}

/**
 * The initiator PDU of a BHS `b` already checked by `frameOpcode` (which returned `opcode`),
 * carrying `data`; undefined when `opcode` is not an initiator PDU this codec knows.
 */
export function decodeInitiatorBhs(
  opcode: number,
  b: Uint8Array,
  data: Uint8Array,
): InitiatorPdu | undefined {
  const immediate = (b[0]! & 0x40) !== 0; // I
  const f1 = b[1]!;
  const itt = u32(b, 16);
  switch (opcode) {
    case IscsiOpcode.NOP_OUT:
      return {
        type: 'nop-out',
        immediate,
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        targetTransferTag: u32(b, 20),
        cmdSn: u32(b, 24),
        expStatSn: u32(b, 28),
        data,
      };
    case IscsiOpcode.SCSI_COMMAND:
      return {
        type: 'scsi-command',
        immediate,
        final: (f1 & 0x80) !== 0, // F
        read: (f1 & 0x40) !== 0, // R
        write: (f1 & 0x20) !== 0, // W
        attr: f1 & 0x07, // ATTR
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        expectedDataTransferLength: u32(b, 20),
        cmdSn: u32(b, 24),
        expStatSn: u32(b, 28),
        cdb: b.slice(32, 48),
        data,
      };
    case IscsiOpcode.TASK_MANAGEMENT_REQUEST:
      return {
        type: 'task-management-request',
        immediate,
        function: f1 & 0x7f, // Function
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        referencedTaskTag: u32(b, 20),
        cmdSn: u32(b, 24),
        expStatSn: u32(b, 28),
        refCmdSn: u32(b, 32),
        expDataSn: u32(b, 36),
      };
    case IscsiOpcode.LOGIN_REQUEST:
      return {
        type: 'login-request',
        transit: (f1 & 0x80) !== 0, // T
        continue: (f1 & 0x40) !== 0, // C
        csg: (f1 >> 2) & 0x03, // CSG
        nsg: f1 & 0x03, // NSG
        versionMax: b[2]!,
        versionMin: b[3]!,
        isid: b.slice(8, 14),
        tsih: b.slice(14, 16),
        initiatorTaskTag: itt,
        cid: u16(b, 20),
        cmdSn: u32(b, 24),
        expStatSn: u32(b, 28),
        data,
      };
    case IscsiOpcode.TEXT_REQUEST:
      return {
        type: 'text-request',
        immediate,
        final: (f1 & 0x80) !== 0, // F
        continue: (f1 & 0x40) !== 0, // C
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        targetTransferTag: u32(b, 20),
        cmdSn: u32(b, 24),
        expStatSn: u32(b, 28),
        data,
      };
    case IscsiOpcode.SCSI_DATA_OUT:
      return {
        type: 'data-out',
        final: (f1 & 0x80) !== 0, // F
        lun: b.slice(8, 16),
        initiatorTaskTag: itt,
        targetTransferTag: u32(b, 20),
        expStatSn: u32(b, 28),
        dataSn: u32(b, 36),
        bufferOffset: u32(b, 40),
        data,
      };
    case IscsiOpcode.LOGOUT_REQUEST:
      return {
        type: 'logout-request',
        immediate,
        reasonCode: f1 & 0x7f, // Reason Code
        initiatorTaskTag: itt,
        cid: u16(b, 20),
        cmdSn: u32(b, 24),
        expStatSn: u32(b, 28),
      };
    default:
      return undefined;
  }
}
