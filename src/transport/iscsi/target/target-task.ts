// One SCSI task on the target side (RFC 7143 §11.3-§11.4, §11.7-§11.8): the ScsiCommand a SCSI
// Command PDU asks of a logical unit, the target-level commands answered without the unit
// (REPORT LUNS, SPC-4 6.33), and the PDUs that carry the result back: Data-In PDUs of at most
// the initiator's MaxRecvDataSegmentLength, the F bit at every MaxBurstLength, status collapsed
// into the last Data-In when GOOD (§11.7.4), otherwise a SCSI Response with sense, residuals in
// either case. Pure: the connection sends what this builds.

import { scsiCommand, type ScsiCommand, type ScsiResult } from '../../../scsi/command.js';
import { RESERVED_TAG, decodeLun, encodeLun } from '../pdu-layout.js';
import { encodeSenseData } from '../pdu-target.js';
import type { DataInPdu, ScsiCommandPdu, ScsiResponsePdu, TargetSn } from '../pdu-types.js';

/** SCSI status CHECK CONDITION (SAM-5 5.3.1). */
export const CHECK_CONDITION = 0x02;

/** Fixed-format sense (SPC-4 4.5.3) for `key/asc/ascq`, 18 bytes. */
export function fixedSense(key: number, asc: number, ascq: number): Uint8Array {
  const s = new Uint8Array(18);
  s[0] = 0x70; // current error, fixed format
  s[2] = key & 0x0f;
  s[7] = 10; // ADDITIONAL SENSE LENGTH
  s[12] = asc;
  s[13] = ascq;
  return s;
}

/** A finished command the target answers without data: CHECK CONDITION with `sense`. */
export function checkCondition(sense: Uint8Array): ScsiResult {
  return { status: CHECK_CONDITION, sense, dataIn: new Uint8Array(0), residual: 0 };
}

/** ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED (05/25/00). */
export const LUN_NOT_SUPPORTED = (): ScsiResult => checkCondition(fixedSense(0x05, 0x25, 0x00));
/** ILLEGAL REQUEST, INVALID FIELD IN CDB (05/24/00). */
export const INVALID_FIELD_IN_CDB = (): ScsiResult => checkCondition(fixedSense(0x05, 0x24, 0x00));

/** Opcode of REPORT LUNS (SPC-4 6.33). */
const REPORT_LUNS = 0xa0;

/**
 * The ScsiCommand a SCSI Command PDU asks for, with the data-out gathered for it. Any command
 * that is not a write may return data, up to `probe` bytes however short the initiator's
 * Expected Data Transfer Length: what the CDB asks beyond it is the overflow residual the
 * target reports (RFC 7143 §11.4.5), and is never sent.
 */
export function commandOf(p: ScsiCommandPdu, dataOut: Uint8Array, probe: number): ScsiCommand {
  const name = `opcode 0x${p.cdb[0]!.toString(16).padStart(2, '0')}`;
  if (p.write) return scsiCommand(name, p.cdb, 'out', { dataOut });
  const allocationLength = Math.max(p.expectedDataTransferLength, probe);
  return scsiCommand(name, p.cdb, 'in', { allocationLength });
}

/**
 * The answer given before a command reaches a logical unit, or undefined to run it there:
 * bidirectional commands (none in MMC) and transfers over `maxTransfer` get 05/24/00, REPORT
 * LUNS is answered by the target, an unknown LUN gets 05/25/00.
 */
export function answerBeforeLun(
  p: ScsiCommandPdu,
  lunCount: number,
  maxTransfer: number,
): ScsiResult | undefined {
  if ((p.read && p.write) || p.expectedDataTransferLength > maxTransfer) {
    return INVALID_FIELD_IN_CDB();
  }
  const lun = decodeLun(p.lun);
  return (
    targetLevelAnswer(p, lunCount) ??
    (lun === undefined || lun >= lunCount ? LUN_NOT_SUPPORTED() : undefined)
  );
}

// REPORT LUNS parameter data (SPC-4 Table 285):
// 0..3 LUN LIST LENGTH (8 × n) | 4..7 reserved | 8.. one 8-byte LUN per logical unit
/** The answer to a target-level command, or undefined when the logical unit must answer it. */
export function targetLevelAnswer(p: ScsiCommandPdu, lunCount: number): ScsiResult | undefined {
  if (p.cdb[0] !== REPORT_LUNS) return undefined;
  const c = p.cdb;
  const allocation = ((c[6]! << 24) | (c[7]! << 16) | (c[8]! << 8) | c[9]!) >>> 0;
  if (allocation < 16) return INVALID_FIELD_IN_CDB();
  const list = new Uint8Array(8 + 8 * lunCount);
  const len = 8 * lunCount;
  list[0] = len >>> 24;
  list[1] = (len >>> 16) & 0xff;
  list[2] = (len >>> 8) & 0xff;
  list[3] = len & 0xff;
  for (let i = 0; i < lunCount; i++) list.set(encodeLun(i), 8 + 8 * i);
  const n = Math.min(list.length, allocation, p.expectedDataTransferLength);
  return { status: 0, sense: new Uint8Array(0), dataIn: list.subarray(0, n), residual: 0 };
}

export interface AnswerLimits {
  /** The initiator's MaxRecvDataSegmentLength: bound of each Data-In's data. */
  readonly maxDataSegment: number;
  /** MaxBurstLength: a Data-In sequence (ended by the F bit) is at most this long. */
  readonly maxBurst: number;
}

/** The PDUs answering `p` with `r`; `sn()` gives the sequence numbers at each PDU that has StatSN. */
export function answerPdus(
  p: ScsiCommandPdu,
  r: ScsiResult,
  limits: AnswerLimits,
  sn: (takesStatSn: boolean) => TargetSn,
): (DataInPdu | ScsiResponsePdu)[] {
  const out: (DataInPdu | ScsiResponsePdu)[] = [];
  const edtl = p.expectedDataTransferLength;
  // The drive never returns more than the allocation length (EDTL); a longer answer is cut so
  // the initiator's buffer is never overrun, and reported as overflow.
  const data = p.read ? r.dataIn.subarray(0, edtl) : new Uint8Array(0);
  const overflow = !p.write && r.dataIn.length > edtl;
  const transferred = p.write ? Math.max(0, edtl - r.residual) : data.length;
  const underflow = !overflow && transferred < edtl;
  const residualCount = overflow ? r.dataIn.length - edtl : edtl - transferred;
  const collapse = r.status === 0 && data.length > 0;
  const step = Math.max(1, Math.min(limits.maxDataSegment, limits.maxBurst));
  let dataSn = 0;
  let burst = 0;
  for (let at = 0; at < data.length;) {
    // A PDU never crosses a burst boundary, so each sequence is at most MaxBurstLength.
    const n = Math.min(step, data.length - at, limits.maxBurst - burst);
    const last = at + n >= data.length;
    burst += n;
    const endOfSequence = last || burst >= limits.maxBurst;
    if (endOfSequence) burst = 0;
    const withStatus = last && collapse;
    out.push({
      type: 'data-in',
      final: endOfSequence,
      acknowledge: false,
      overflow: withStatus && overflow,
      underflow: withStatus && underflow,
      statusPresent: withStatus,
      status: withStatus ? r.status : 0,
      lun: p.lun,
      initiatorTaskTag: p.initiatorTaskTag,
      targetTransferTag: RESERVED_TAG,
      ...sn(withStatus),
      dataSn: dataSn++,
      bufferOffset: at,
      residualCount: withStatus && (overflow || underflow) ? residualCount : 0,
      data: data.subarray(at, at + n),
    });
    at += n;
  }
  if (collapse) return out;
  out.push({
    type: 'scsi-response',
    bidiReadOverflow: false,
    bidiReadUnderflow: false,
    overflow,
    underflow,
    response: 0,
    status: r.status,
    initiatorTaskTag: p.initiatorTaskTag,
    snackTag: 0,
    ...sn(true),
    expDataSn: dataSn,
    bidiReadResidualCount: 0,
    residualCount: overflow || underflow ? residualCount : 0,
    data: r.status === 0 ? new Uint8Array(0) : encodeSenseData(r.sense),
  });
  return out;
}
