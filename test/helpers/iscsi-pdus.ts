// iSCSI PDUs for the tests (RFC 7143): an independent byte builder that lays out every PDU type
// from the standard's field tables (the bytes fed to decoders and expected from encoders, never
// produced by the codecs under test), fast-check arbitraries for every PDU type, the 64 KiB
// WRITE(10) SCSI Command PDU the connection, staging and codec tests send, and the SCSI Response
// PDU their targets answer with.

import fc from 'fast-check';
import { crc32c } from '../../src/transport/iscsi/crc32c.js';
import { NO_DIGESTS, type DigestSettings } from '../../src/transport/iscsi/framer.js';
import type { Pdu, ScsiResponsePdu } from '../../src/transport/iscsi/pdu-types.js';
import { be, cat, zeros } from './bytes.js';

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
  overflow?: boolean;
  underflow?: boolean;
  residualCount?: number;
  /** iSCSI response (0 completed at target, 1 target failure). */
  response?: number;
}): ScsiResponsePdu {
  return {
    type: 'scsi-response',
    bidiReadOverflow: false,
    bidiReadUnderflow: false,
    overflow: o.overflow ?? false,
    underflow: o.underflow ?? false,
    response: o.response ?? 0,
    status: o.status,
    initiatorTaskTag: o.initiatorTaskTag,
    snackTag: 0,
    statSn: o.statSn,
    expCmdSn: o.expCmdSn,
    maxCmdSn: o.maxCmdSn,
    expDataSn: 0,
    bidiReadResidualCount: 0,
    residualCount: o.residualCount ?? 0,
    data: o.data,
  };
}

// ---- the independent byte builder ----

/** Bytes 24..35 of every target PDU: StatSN, ExpCmdSN, MaxCmdSN. */
const SN = 'statSn@24 expCmdSn@28 maxCmdSn@32';

/**
 * The BHS of each PDU type as RFC 7143 §11.3-§11.19 tables it, after the fields every BHS has in
 * the same place (§11.2.1: DataSegmentLength at 5, LUN at 8, Initiator Task Tag at 16). A token
 * is `=HH@B` (the constant bytes HH at byte B), `field@B.S` (the field, a flag or a small number,
 * ORed into byte B shifted left by S), `field@B/N` (an N-byte big-endian number at byte B), or
 * `field@B` (a 4-byte number, or the field's bytes, at byte B).
 */
const LAYOUTS: { readonly [T in Pdu['type']]: string } = {
  'nop-out': '=00@0 immediate@0.6 =80@1 targetTransferTag@20 cmdSn@24 expStatSn@28',
  'scsi-command':
    '=01@0 immediate@0.6 final@1.7 read@1.6 write@1.5 attr@1.0 ' +
    'expectedDataTransferLength@20 cmdSn@24 expStatSn@28 cdb@32',
  'task-management-request':
    '=02@0 immediate@0.6 =80@1 function@1.0 referencedTaskTag@20 cmdSn@24 expStatSn@28 ' +
    'refCmdSn@32 expDataSn@36',
  // A Login Request always has I set: 40h | 03h.
  'login-request':
    '=43@0 transit@1.7 continue@1.6 csg@1.2 nsg@1.0 versionMax@2/1 versionMin@3/1 ' +
    'isid@8 tsih@14 cid@20/2 cmdSn@24 expStatSn@28',
  'text-request':
    '=04@0 immediate@0.6 final@1.7 continue@1.6 targetTransferTag@20 cmdSn@24 expStatSn@28',
  'data-out': '=05@0 final@1.7 targetTransferTag@20 expStatSn@28 dataSn@36 bufferOffset@40',
  'logout-request': '=06@0 immediate@0.6 =80@1 reasonCode@1.0 cid@20/2 cmdSn@24 expStatSn@28',
  'nop-in': `=20@0 =80@1 targetTransferTag@20 ${SN}`,
  'scsi-response':
    '=21@0 =80@1 bidiReadOverflow@1.4 bidiReadUnderflow@1.3 overflow@1.2 underflow@1.1 ' +
    `response@2/1 status@3/1 snackTag@20 ${SN} expDataSn@36 bidiReadResidualCount@40 ` +
    'residualCount@44',
  'task-management-response': `=22@0 =80@1 response@2/1 ${SN}`,
  'login-response':
    '=23@0 transit@1.7 continue@1.6 csg@1.2 nsg@1.0 versionMax@2/1 versionActive@3/1 ' +
    `isid@8 tsih@14 ${SN} statusClass@36/1 statusDetail@37/1`,
  'text-response': `=24@0 final@1.7 continue@1.6 targetTransferTag@20 ${SN}`,
  'data-in':
    '=25@0 final@1.7 acknowledge@1.6 overflow@1.2 underflow@1.1 statusPresent@1.0 status@3/1 ' +
    `targetTransferTag@20 ${SN} dataSn@36 bufferOffset@40 residualCount@44`,
  'logout-response': `=26@0 =80@1 response@2/1 ${SN} time2Wait@40/2 time2Retain@42/2`,
  r2t:
    `=31@0 =80@1 targetTransferTag@20 ${SN} r2tSn@36 bufferOffset@40 ` +
    'desiredDataTransferLength@44',
  // Async Message and Reject concern no task: their Initiator Task Tag is FFFFFFFFh.
  'async-message':
    `=32@0 =80@1 =FFFFFFFF@16 ${SN} asyncEvent@36/1 asyncVCode@37/1 parameter1@38/2 ` +
    'parameter2@40/2 parameter3@42/2',
  reject: `=3F@0 =80@1 =FFFFFFFF@16 reason@2/1 ${SN} dataSnR2tSn@36`,
};

/**
 * The 48-byte BHS of `p`, laid out from LAYOUTS with a DataView, sharing no code with the codecs
 * under test (a CDB shorter than 16 bytes is zero-padded).
 */
export function bhsBytes(p: Pdu): Uint8Array {
  const b = new Uint8Array(48);
  const v = new DataView(b.buffer);
  const fields = p as unknown as Readonly<Record<string, number | boolean | Uint8Array>>;
  // Byte 4 TotalAHSLength (0), bytes 5..7 DataSegmentLength: one big-endian 32-bit value.
  v.setUint32(4, 'data' in p ? p.data.length : 0);
  if ('lun' in p) b.set(p.lun, 8);
  if ('initiatorTaskTag' in p) v.setUint32(16, p.initiatorTaskTag);
  for (const token of LAYOUTS[p.type].split(' ')) {
    const m = /^(=[0-9A-F]+|\w+)@(\d+)(?:\.(\d)|\/(\d))?$/.exec(token);
    if (m === null) throw new Error(`bad layout token ${token}`);
    const [, name, at, shift, width] = m as unknown as [string, string, string, string?, string?];
    const byte = Number(at);
    if (name.startsWith('=')) {
      b.set(Buffer.from(name.slice(1), 'hex'), byte);
      continue;
    }
    const value = fields[name];
    if (value === undefined) throw new Error(`${p.type} has no field ${name}`);
    if (value instanceof Uint8Array) b.set(value, byte);
    else if (shift !== undefined) b[byte]! |= Number(value) << Number(shift);
    else b.set(be(Number(value), Number(width ?? 4)), byte);
  }
  return b;
}

/** A CRC32C digest as sent on the wire, least-significant byte first (RFC 3720 B.4). */
export function wireCrc(...parts: Uint8Array[]): number[] {
  const c = crc32c(...parts);
  return [c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24];
}

/**
 * The wire bytes of `p` (RFC 7143 §11.1): BHS, header digest, data segment padded with zeroes
 * to a multiple of 4, data digest over data and padding (none for an empty data segment).
 */
export function wireBytes(p: Pdu, digests: DigestSettings = NO_DIGESTS): Uint8Array {
  const bhs = bhsBytes(p);
  const data = 'data' in p ? p.data : new Uint8Array(0);
  const padded = cat(data, zeros((4 - (data.length % 4)) % 4));
  return cat(
    bhs,
    digests.headerDigest ? wireCrc(bhs) : [],
    padded,
    digests.dataDigest && data.length > 0 ? wireCrc(padded) : [],
  );
}

/** A SCSI Response data segment (RFC 7143 §11.4.7): SenseLength, then the sense data. */
export function senseData(sense: Uint8Array): Uint8Array {
  return sense.length === 0 ? sense : cat(be(sense.length, 2), sense);
}

/**
 * Fuzzing: `pdus` with one PDU dropped, repeated or swapped (or none, 60 % of the time), drawn
 * from `rnd`. The list is new; the PDUs are the same objects.
 */
export function reorderPdus(pdus: readonly Uint8Array[], rnd: () => number): Uint8Array[] {
  const list = [...pdus];
  const pick = () => Math.floor(rnd() * list.length);
  const r = rnd();
  if (r < 0.15 && list.length > 1) list.splice(pick(), 1);
  else if (r < 0.3) list.splice(pick(), 0, list[pick()]!);
  else if (r < 0.4 && list.length > 1) {
    const i = pick();
    const j = pick();
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}
