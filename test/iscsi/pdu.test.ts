import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeInitiatorPdu, writeInitiatorBhs } from '../../src/transport/iscsi/pdu-initiator.js';
import { decodeLun, encodeLun, type PduFrame } from '../../src/transport/iscsi/pdu-layout.js';
import {
  decodeSenseData,
  decodeTargetPdu,
  encodeSenseData,
  writeTargetBhs,
} from '../../src/transport/iscsi/pdu-target.js';
import type { DataOutPdu, Pdu, ScsiCommandPdu } from '../../src/transport/iscsi/pdu-types.js';
import { decodePdu, encodeBhs, writeBhs } from '../../src/transport/iscsi/pdu.js';
import { encodePdu, PduFramer, type DigestSettings } from '../../src/transport/iscsi/framer.js';
import { DwError, MalformedDataError } from '../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../helpers/bytes.js';
import {
  bhsBytes,
  pduArbitraries,
  senseData,
  wireBytes,
  write10CommandPdu,
} from '../helpers/iscsi-pdus.js';

const frame = (bhs: Uint8Array, data: Uint8Array = new Uint8Array(0)): PduFrame => ({
  bhs,
  ahs: new Uint8Array(0),
  data,
});
const lun1 = h('00 01 00 00 00 00 00 00');

// SCSI Command carrying READ(10), the PDU of RFC 3720 B.4 (its CRC32C is tested in crc32c.test).
const readCommand = h(
  '01 C0 00 00 00 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00 00 00 04 00 00 00 00 14' +
    '00 00 00 18 28 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00',
);

// SCSI Response: CHECK CONDITION with 18 bytes of fixed sense 06/29/00 (RFC 7143 §11.4).
const sense = h('70 00 06 00 00 00 00 0A 00 00 00 00 29 00 00 00 00 00');
const checkCondition = cat(
  h('21 80 00 02'),
  be(20, 4), // TotalAHSLength 0, DataSegmentLength 20
  zeros(8),
  be(7, 4), // ITT
  zeros(4), // SNACK Tag
  be(5, 4), // StatSN
  be(9, 4), // ExpCmdSN
  be(0x88, 4), // MaxCmdSN
  zeros(12), // ExpDataSN, bidi residual, residual
);

describe('iSCSI PDUs', () => {
  it('decodes the RFC 3720 B.4 SCSI Command (READ(10), 1024 bytes expected)', () => {
    const p = decodePdu(frame(readCommand));
    assert.equal(p.type, 'scsi-command');
    if (p.type !== 'scsi-command') return;
    assert.equal(p.immediate, false);
    assert.equal(p.final, true);
    assert.equal(p.read, true);
    assert.equal(p.write, false);
    assert.equal(p.initiatorTaskTag, 0x14000000);
    assert.equal(p.expectedDataTransferLength, 1024);
    assert.equal(p.cmdSn, 0x14);
    assert.equal(p.expStatSn, 0x18);
    assert.deepEqual(p.cdb, h('28 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00'));
    assert.deepEqual(encodeBhs(p), readCommand);
  });

  it('encodes a SCSI Command for WRITE(10) with immediate data, CDB zero-padded', () => {
    const bhs = encodeBhs(
      write10CommandPdu({
        initiatorTaskTag: 3,
        cmdSn: 0x10,
        expStatSn: 0x20,
        immediate: new Uint8Array(8192),
      }),
    );
    assert.deepEqual(
      bhs,
      cat(
        h('01 A1 00 00'), // F W ATTR=SIMPLE
        h('00 00 20 00'), // DataSegmentLength 8192
        lun1,
        be(3, 4),
        be(65536, 4),
        be(0x10, 4),
        be(0x20, 4),
        h('2A 00 00000000 00 0020 00'),
        zeros(6),
      ),
    );
  });

  it('encodes a Login Request: I=1, T, CSG=1, NSG=3, ISID and opaque TSIH', () => {
    const data = new TextEncoder().encode('MaxBurstLength=262144\0');
    const bhs = encodeBhs({
      type: 'login-request',
      transit: true,
      continue: false,
      csg: 1,
      nsg: 3,
      versionMax: 0,
      versionMin: 0,
      isid: h('80 12 34 56 00 01'),
      tsih: h('02 00'),
      initiatorTaskTag: 0,
      cid: 0,
      cmdSn: 1,
      expStatSn: 5,
      data,
    });
    assert.deepEqual(
      bhs,
      cat(
        h('43 87 00 00'),
        [0, 0, 0, data.length],
        h('80 12 34 56 00 01 02 00'),
        zeros(4), // ITT
        zeros(4), // CID + reserved
        be(1, 4),
        be(5, 4),
        zeros(16),
      ),
    );
  });

  it('encodes a Data-Out with TTT, DataSN and Buffer Offset', () => {
    const bhs = encodeBhs({
      type: 'data-out',
      final: true,
      lun: lun1,
      initiatorTaskTag: 7,
      targetTransferTag: 0x2a,
      expStatSn: 6,
      dataSn: 2,
      bufferOffset: 0x6000,
      data: new Uint8Array(0x2000),
    });
    assert.deepEqual(
      bhs,
      cat(
        h('05 80 00 00 00 00 20 00'),
        lun1,
        be(7, 4),
        be(0x2a, 4),
        zeros(4),
        be(6, 4),
        zeros(4),
        be(2, 4),
        be(0x6000, 4),
        zeros(4),
      ),
    );
  });

  const write10: ScsiCommandPdu = {
    type: 'scsi-command',
    immediate: true,
    final: false,
    read: false,
    write: true,
    attr: 2,
    lun: lun1,
    initiatorTaskTag: 0x01020304,
    expectedDataTransferLength: 65536,
    cmdSn: 0xfffffffe,
    expStatSn: 9,
    cdb: h('2A 00 00000010 00 0020 00'),
    data: new Uint8Array(5),
  };
  const dataOut1: DataOutPdu = {
    type: 'data-out',
    final: false,
    lun: lun1,
    initiatorTaskTag: 7,
    targetTransferTag: 0x2a,
    expStatSn: 6,
    dataSn: 1,
    bufferOffset: 0x4000,
    data: new Uint8Array(0x2000),
  };

  it('writes a BHS at an offset of a larger buffer, zeroing reserved bytes over old contents', () => {
    const expected: [Pdu, Uint8Array][] = [
      [
        write10,
        cat(
          h('41 22 00 00'), // I, W, ATTR=ORDERED
          h('00 00 00 05'),
          lun1,
          h('01 02 03 04'),
          be(65536, 4),
          h('FF FF FF FE'),
          be(9, 4),
          h('2A 00 00000010 00 0020 00'),
          zeros(6),
        ),
      ],
      [
        dataOut1,
        cat(
          h('05 00 00 00 00 00 20 00'),
          lun1,
          be(7, 4),
          be(0x2a, 4),
          zeros(4),
          be(6, 4),
          zeros(4),
          be(1, 4),
          be(0x4000, 4),
          zeros(4),
        ),
      ],
      [
        {
          type: 'logout-request',
          immediate: true,
          reasonCode: 0,
          initiatorTaskTag: 4,
          cid: 0,
          cmdSn: 2,
          expStatSn: 3,
        },
        cat(h('46 80 00 00'), zeros(12), be(4, 4), zeros(4), be(2, 4), be(3, 4), zeros(16)),
      ],
    ];
    for (const [p, bhs] of expected) {
      const out = new Uint8Array(100).fill(0xee);
      writeBhs(p, out, 13);
      assert.deepEqual(out.subarray(13, 61), bhs, p.type);
      assert.ok(out.subarray(0, 13).every((b) => b === 0xee));
      assert.ok(out.subarray(61).every((b) => b === 0xee));
    }
  });

  it('rejects SCSI Command and Data-Out fields out of range, and a BHS that does not fit', () => {
    const bad: Pdu[] = [
      { ...write10, attr: 8 },
      { ...write10, cdb: new Uint8Array(0) },
      { ...write10, cdb: new Uint8Array(17) },
      { ...write10, initiatorTaskTag: 2 ** 32 },
      { ...write10, cmdSn: -1 },
      { ...write10, expectedDataTransferLength: 1.5 },
      { ...write10, lun: new Uint8Array(7) },
      { ...write10, data: new Uint8Array(0x1000000) }, // DataSegmentLength has 24 bits
      { ...dataOut1, dataSn: 2 ** 32 },
      { ...dataOut1, bufferOffset: NaN },
      { ...dataOut1, targetTransferTag: -1 },
      { ...dataOut1, lun: new Uint8Array(9) },
    ];
    for (const p of bad) {
      assert.throws(
        () => writeBhs(p, new Uint8Array(48), 0),
        (e: unknown) => e instanceof DwError && !(e instanceof MalformedDataError),
        JSON.stringify({ ...p, data: p.type === 'scsi-command' ? p.data.length : 0 }),
      );
    }
    for (const at of [-1, 1, 0.5]) {
      assert.throws(() => writeBhs(dataOut1, new Uint8Array(48), at), DwError);
    }
  });

  it('encodes ABORT TASK with the referenced task and RefCmdSN', () => {
    const bhs = encodeBhs({
      type: 'task-management-request',
      immediate: true,
      function: 1,
      lun: lun1,
      initiatorTaskTag: 9,
      referencedTaskTag: 7,
      cmdSn: 12,
      expStatSn: 6,
      refCmdSn: 11,
      expDataSn: 0,
    });
    assert.deepEqual(
      bhs,
      cat(
        h('42 81 00 00 00 00 00 00'),
        lun1,
        be(9, 4),
        be(7, 4),
        be(12, 4),
        be(6, 4),
        be(11, 4),
        zeros(12),
      ),
    );
  });

  it('decodes an R2T', () => {
    const p = decodePdu(
      frame(
        cat(
          h('31 80 00 00 00 00 00 00'),
          lun1,
          be(7, 4),
          be(0x2a, 4),
          be(5, 4),
          be(9, 4),
          be(0x88, 4),
          be(0, 4),
          be(0x2000, 4),
          be(0xe000, 4),
        ),
      ),
    );
    assert.deepEqual(p, {
      type: 'r2t',
      lun: lun1,
      initiatorTaskTag: 7,
      targetTransferTag: 0x2a,
      statSn: 5,
      expCmdSn: 9,
      maxCmdSn: 0x88,
      r2tSn: 0,
      bufferOffset: 0x2000,
      desiredDataTransferLength: 0xe000,
    });
  });

  it('decodes a SCSI Response with sense data', () => {
    const p = decodePdu(frame(checkCondition, cat(h('00 12'), sense)));
    assert.equal(p.type, 'scsi-response');
    if (p.type !== 'scsi-response') return;
    assert.equal(p.status, 2);
    assert.equal(p.response, 0);
    assert.equal(p.initiatorTaskTag, 7);
    assert.deepEqual(decodeSenseData(p.data), sense);
    assert.deepEqual(encodeSenseData(sense), cat(h('00 12'), sense));
    assert.deepEqual(decodeSenseData(senseData(sense)), sense);
  });

  it('decodes Data-In with the S and U bits and a residual', () => {
    const p = decodePdu(
      frame(
        cat(
          h('25 83 00 00 00 00 00 04'),
          lun1,
          be(7, 4),
          be(0xffffffff, 4),
          be(5, 4),
          be(9, 4),
          be(0x88, 4),
          be(3, 4),
          be(0x100, 4),
          be(60, 4),
        ),
        h('DE AD BE EF'),
      ),
    );
    assert.equal(p.type, 'data-in');
    if (p.type !== 'data-in') return;
    assert.equal(p.statusPresent, true);
    assert.equal(p.underflow, true);
    assert.equal(p.overflow, false);
    assert.equal(p.dataSn, 3);
    assert.equal(p.bufferOffset, 0x100);
    assert.equal(p.residualCount, 60);
  });

  it('keeps a little-endian TSIH as the bytes received', () => {
    const bhs = cat(
      h('23 87 00 00 00 00 00 00 80 12 34 56 00 01 02 00'),
      zeros(8),
      be(1, 4),
      be(1, 4),
      be(0x81, 4),
      h('00 00'),
      zeros(10),
    );
    const p = decodePdu(frame(bhs));
    assert.equal(p.type, 'login-response');
    if (p.type !== 'login-response') return;
    assert.deepEqual(p.tsih, h('02 00'));
    assert.equal(p.csg, 1);
    assert.equal(p.nsg, 3);
    assert.equal(p.transit, true);
    assert.deepEqual(encodeBhs(p), bhs);
  });

  it('rejects unknown opcodes and a data segment that disagrees with DataSegmentLength', () => {
    const bad = Uint8Array.from(readCommand);
    bad[0] = 0x3e;
    assert.throws(() => decodePdu(frame(bad)), MalformedDataError);
    assert.throws(() => decodePdu(frame(readCommand, new Uint8Array(4))), MalformedDataError);
    assert.throws(() => decodeSenseData(h('00')), MalformedDataError);
    assert.deepEqual(decodeSenseData(h('00 40 70 00')), h('70 00'));
  });

  it('encodes LUNs in peripheral and flat addressing', () => {
    assert.deepEqual(encodeLun(1), lun1);
    assert.deepEqual(encodeLun(0x123), h('41 23 00 00 00 00 00 00'));
    assert.equal(decodeLun(h('41 23 00 00 00 00 00 00')), 0x123);
    assert.equal(decodeLun(lun1), 1);
    assert.throws(() => encodeLun(0x4000), DwError);
  });

  const digestChoices: DigestSettings[] = [
    { headerDigest: false, dataDigest: false },
    { headerDigest: true, dataDigest: true },
  ];

  it('encodes every PDU type as the independent builder lays it out, with and without digests', () => {
    // CDBs of 1 to 16 bytes: the encoder pads them to 16.
    const arbs = pduArbitraries({ cdb: fc.uint8Array({ minLength: 1, maxLength: 16 }) });
    fc.assert(
      fc.property(fc.oneof(...arbs), fc.constantFrom(...digestChoices), (p, d) => {
        assert.deepEqual(encodeBhs(p), bhsBytes(p));
        assert.deepEqual(encodePdu(p, d), wireBytes(p, d));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes every PDU type from independently built bytes, framed with and without digests', () => {
    const arbs = pduArbitraries({ dataMaxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(...arbs), fc.constantFrom(...digestChoices), (p, d) => {
        const framer = new PduFramer(d);
        framer.push(wireBytes(p, d));
        const r = framer.next();
        assert.equal(r.kind, 'frame');
        if (r.kind !== 'frame') return;
        assert.deepEqual({ ...decodePdu(r.frame) }, { ...p });
        assert.equal(framer.bufferedBytes, 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("each direction's codec encodes and decodes its own PDUs and refuses the other direction's", () => {
    const arbs = pduArbitraries({ dataMaxLength: 12 });
    fc.assert(
      fc.property(fc.oneof(...arbs), (p) => {
        const bhs = bhsBytes(p);
        const f = frame(bhs, 'data' in p ? p.data : new Uint8Array(0));
        const out = new Uint8Array(60).fill(0xee);
        // Bit 5 of the opcode: set on the PDUs a target sends (RFC 7143 §11.1.1.1).
        if ((bhs[0]! & 0x20) === 0) {
          const q = decodeInitiatorPdu(f);
          assert.deepEqual({ ...q }, { ...p });
          writeInitiatorBhs(q, out, 5);
          assert.throws(() => decodeTargetPdu(f), MalformedDataError);
        } else {
          const q = decodeTargetPdu(f);
          assert.deepEqual({ ...q }, { ...p });
          writeTargetBhs(q, out, 5);
          assert.throws(() => decodeInitiatorPdu(f), MalformedDataError);
        }
        assert.deepEqual(out.subarray(5, 53), bhs);
        assert.ok(out.subarray(0, 5).every((x) => x === 0xee));
        assert.ok(out.subarray(53).every((x) => x === 0xee));
      }),
      { numRuns: 1000 },
    );
  });

  it('the decoder is robust against random and corrupted frames', () => {
    const decode = (bytes: Uint8Array) => {
      const framer = new PduFramer({ headerDigest: false, dataDigest: false });
      framer.push(bytes);
      const r = framer.next();
      if (r.kind === 'frame') decodePdu(r.frame);
    };
    assertDecoderRobust(decode, [readCommand, cat(checkCondition, h('00 12'), sense, zeros(2))]);
  });
});
