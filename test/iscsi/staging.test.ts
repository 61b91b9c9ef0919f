import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DwError } from '../../src/errors.js';
import type { DigestSettings } from '../../src/transport/iscsi/framer.js';
import type { DataOutPdu, Pdu } from '../../src/transport/iscsi/pdu-types.js';
import { StagingBuffer, type DataOutSequence } from '../../src/transport/iscsi/staging.js';
import { be, cat, h, zeros } from '../helpers/bytes.js';
import {
  pduArbitraries,
  u32,
  wireBytes,
  wireCrc,
  write10CommandPdu,
} from '../helpers/iscsi-pdus.js';

const DIGESTS: DigestSettings[] = [
  { headerDigest: false, dataDigest: false },
  { headerDigest: true, dataDigest: false },
  { headerDigest: false, dataDigest: true },
  { headerDigest: true, dataDigest: true },
];
const label = (d: DigestSettings) => `header digest ${d.headerDigest}, data digest ${d.dataDigest}`;
const lun1 = h('00 01 00 00 00 00 00 00');

const dataOut = (dataSn: number, data: Uint8Array, final = false): DataOutPdu => ({
  type: 'data-out',
  final,
  lun: lun1,
  initiatorTaskTag: 0x11,
  targetTransferTag: 0x22,
  expStatSn: 0x33,
  dataSn,
  bufferOffset: 8192 * (dataSn + 1),
  data,
});

// Every PDU type, CDBs of 1 to 16 bytes (the encoder pads them), data of 0..41 bytes (all four
// padding cases).
const anyPdu: fc.Arbitrary<Pdu> = fc.oneof(
  ...pduArbitraries({ cdb: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

describe('iSCSI staging buffer', () => {
  it('stages a Data-Out with header and data digests as RFC 7143 lays it out', () => {
    const payload = h('01 02 03 04 05');
    const bhs = cat(
      h('05 80 00 00'), // Data-Out, F
      h('00 00 00 05'), // TotalAHSLength 0, DataSegmentLength 5
      lun1,
      be(0x11, 4), // Initiator Task Tag
      be(0x22, 4), // Target Transfer Tag
      zeros(4),
      be(0x33, 4), // ExpStatSN
      zeros(4),
      be(1, 4), // DataSN
      be(16384, 4), // Buffer Offset
      zeros(4),
    );
    const padded = cat(payload, zeros(3));
    const expected = cat(bhs, wireCrc(bhs), padded, wireCrc(padded));
    const s = new StagingBuffer(16, 1024);
    assert.equal(s.add(dataOut(1, payload, true), DIGESTS[3]!), true);
    assert.deepEqual(s.view(), expected);
  });

  for (const d of DIGESTS) {
    it(`stages every PDU type byte for byte as RFC 7143 lays it out (${label(d)})`, () => {
      fc.assert(
        fc.property(fc.array(anyPdu, { minLength: 1, maxLength: 6 }), (pdus) => {
          const s = new StagingBuffer(64, 4096);
          for (const p of pdus) assert.equal(s.add(p, d), true);
          assert.deepEqual(s.view(), cat(...pdus.map((p) => wireBytes(p, d))));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('stages a 64 KiB WRITE: the command with 8 KiB immediate data, then seven Data-Out PDUs', () => {
    const write = new Uint8Array(65536).map((_, i) => (i * 7) & 0xff);
    const command = write10CommandPdu({
      initiatorTaskTag: 0x11,
      cmdSn: 9,
      expStatSn: 0x33,
      immediate: write.subarray(0, 8192),
    });
    const burst = Array.from({ length: 7 }, (_, k) =>
      dataOut(k, write.subarray(8192 * (k + 1), 8192 * (k + 2)), k === 6),
    );
    for (const d of DIGESTS) {
      const s = new StagingBuffer(96 * 1024, 1024 * 1024);
      assert.equal(s.add(command, d), true);
      assert.deepEqual(s.view(), wireBytes(command, d), label(d));
      s.clear();
      for (const p of burst) assert.equal(s.add(p, d), true);
      assert.deepEqual(s.view(), cat(...burst.map((p) => wireBytes(p, d))), label(d));
      assert.equal(s.capacity, 96 * 1024, 'no growth for a 64 KiB WRITE');
    }
  });

  it('zeroes the padding even where the memory held other bytes', () => {
    const s = new StagingBuffer(256, 256);
    s.add(dataOut(0, new Uint8Array(200).fill(0xff)), DIGESTS[0]!);
    s.clear();
    s.add(dataOut(0, h('AA')), DIGESTS[0]!);
    assert.deepEqual(s.view().subarray(48), h('AA 00 00 00'));
  });

  it('grows up to maxBytes, then refuses a PDU and keeps what was staged', () => {
    const s = new StagingBuffer(64, 240);
    const d = DIGESTS[0]!;
    assert.equal(s.add(dataOut(0, new Uint8Array(40)), d), true); // 88 bytes
    assert.equal(s.add(dataOut(1, new Uint8Array(40)), d), true); // 176 bytes
    assert.ok(s.capacity >= 176 && s.capacity <= 240);
    const before = s.view().slice();
    assert.equal(s.add(dataOut(2, new Uint8Array(40)), d), false); // would need 264
    assert.deepEqual(s.view(), before);
    assert.equal(s.add(dataOut(2, new Uint8Array(0)), d), true); // a header alone fits: 224
    assert.deepEqual(s.view(), cat(before, wireBytes(dataOut(2, new Uint8Array(0)))));
  });

  it('throws for a field out of range and keeps what was staged', () => {
    const s = new StagingBuffer(256, 4096);
    const d = DIGESTS[3]!;
    s.add(dataOut(0, h('01 02')), d);
    const before = s.view().slice();
    assert.throws(() => s.add({ ...dataOut(1, h('03')), dataSn: 2 ** 32 }, d), DwError);
    assert.throws(() => s.add({ ...dataOut(1, h('03')), lun: h('00 01') }, d), DwError);
    assert.throws(
      () =>
        s.add(
          {
            type: 'scsi-command',
            immediate: false,
            final: true,
            read: false,
            write: false,
            attr: 8,
            lun: lun1,
            initiatorTaskTag: 1,
            expectedDataTransferLength: 0,
            cmdSn: 1,
            expStatSn: 1,
            cdb: h('00 00 00 00 00 00'),
            data: new Uint8Array(0),
          },
          d,
        ),
      DwError,
    );
    assert.deepEqual(s.view(), before);
  });

  it('replaceMemory leaves the previous bytes alone for whoever still reads them', () => {
    const s = new StagingBuffer(128, 4096);
    const d = DIGESTS[0]!;
    s.add(dataOut(0, h('01 02 03 04')), d);
    const held = s.view();
    const copy = held.slice();
    s.replaceMemory();
    assert.equal(s.length, 0);
    s.add(dataOut(5, h('FF FF FF FF')), d);
    assert.deepEqual(held, copy);
    assert.notEqual(s.view().buffer, held.buffer);
  });

  it('a memory let go of by replaceMemory is reused only after reclaim, never while held', () => {
    const s = new StagingBuffer(128, 4096);
    const d = DIGESTS[0]!;
    const held = new Set<ArrayBufferLike>();
    for (let i = 0; i < 6; i++) {
      s.add(dataOut(i, h('01 02 03 04')), d);
      const buffer = s.view().buffer;
      assert.ok(!held.has(buffer), `memory ${i} was still held`);
      held.add(buffer);
      s.replaceMemory();
    }
    s.add(dataOut(9, h('05')), d);
    assert.ok(!held.has(s.view().buffer), 'fresh memory while all are held');
    held.add(s.view().buffer);
    s.replaceMemory();
    const current = s.view().buffer;
    s.reclaim(); // nobody reads the held memories any more
    s.add(dataOut(10, h('06')), d);
    assert.equal(s.view().buffer, current, 'staging goes on in the current memory');
    s.replaceMemory();
    s.add(dataOut(11, h('07')), d);
    assert.ok(held.has(s.view().buffer), 'then a reclaimed memory is reused');
  });
});

const anySequence = fc
  .record({
    length: fc.integer({ min: 1, max: 300 }),
    from: fc.nat(),
    to: fc.nat(),
    segmentLength: fc.integer({ min: 1, max: 70 }),
    initiatorTaskTag: fc.nat({ max: 0xffffffff }),
    targetTransferTag: fc.nat({ max: 0xffffffff }),
    expStatSn: fc.nat({ max: 0xffffffff }),
  })
  .map((r): DataOutSequence => {
    const a = r.from % (r.length + 1);
    const b = r.to % (r.length + 1);
    return {
      lun: lun1,
      initiatorTaskTag: r.initiatorTaskTag,
      targetTransferTag: r.targetTransferTag,
      expStatSn: r.expStatSn,
      data: new Uint8Array(r.length).map((_, i) => (i * 13 + 7) & 0xff),
      offset: Math.min(a, b),
      end: Math.max(a, b),
      segmentLength: r.segmentLength,
    };
  });

/** The Data-Out PDUs of `seq` as the pump used to build them: the independent reference. */
function sequencePdus(seq: DataOutSequence): DataOutPdu[] {
  const pdus: DataOutPdu[] = [];
  for (let off = seq.offset, dataSn = 0; off < seq.end; off += seq.segmentLength, dataSn++) {
    const n = Math.min(seq.segmentLength, seq.end - off);
    pdus.push({
      type: 'data-out',
      final: off + n === seq.end,
      lun: seq.lun,
      initiatorTaskTag: seq.initiatorTaskTag,
      targetTransferTag: seq.targetTransferTag,
      expStatSn: seq.expStatSn,
      dataSn,
      bufferOffset: off,
      data: seq.data.subarray(off, off + n),
    });
  }
  return pdus;
}

describe('iSCSI staging buffer: a Data-Out sequence from its fields', () => {
  for (const d of DIGESTS) {
    it(`stages byte for byte what the PDUs of the sequence are on the wire (${label(d)})`, () => {
      fc.assert(
        fc.property(anySequence, (seq) => {
          // After a staged PDU, in memory that held other bytes and must grow.
          const s = new StagingBuffer(64, 64 * 1024);
          s.add(dataOut(0, new Uint8Array(9).fill(0xee)), d);
          const first = s.view().slice();
          s.clear();
          s.add(dataOut(0, new Uint8Array(9).fill(0xee)), d);
          assert.equal(s.addDataOutSequence(seq, d), true);
          assert.deepEqual(s.view(), cat(first, ...sequencePdus(seq).map((p) => wireBytes(p, d))));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('stages a 56 KiB burst in 8 KiB segments as seven Data-Out PDUs, the F bit on the last', () => {
    const data = new Uint8Array(65536).map((_, i) => (i * 7) & 0xff);
    const seq: DataOutSequence = {
      lun: lun1,
      initiatorTaskTag: 0x11,
      targetTransferTag: 0x22,
      expStatSn: 0x33,
      data,
      offset: 8192,
      end: 65536,
      segmentLength: 8192,
    };
    const expected = Array.from({ length: 7 }, (_, k) =>
      dataOut(k, data.subarray(8192 * (k + 1), 8192 * (k + 2)), k === 6),
    );
    const s = new StagingBuffer(96 * 1024, 1024 * 1024);
    assert.equal(s.addDataOutSequence(seq, DIGESTS[0]!), true);
    assert.deepEqual(s.view(), cat(...expected.map((p) => wireBytes(p))));
  });

  it('refuses a sequence beyond maxBytes and throws for a field out of range, keeping what was staged', () => {
    const d = DIGESTS[3]!;
    const s = new StagingBuffer(64, 400);
    s.add(dataOut(0, h('01 02')), d);
    const before = s.view().slice();
    const seq: DataOutSequence = {
      lun: lun1,
      initiatorTaskTag: 1,
      targetTransferTag: 2,
      expStatSn: 3,
      data: new Uint8Array(300),
      offset: 0,
      end: 300,
      segmentLength: 100,
    };
    assert.equal(s.addDataOutSequence(seq, d), false, 'three PDUs of 100 bytes exceed 400');
    assert.deepEqual(s.view(), before);
    for (const wrong of [
      { lun: h('00 01') },
      { targetTransferTag: 2 ** 32 },
      { initiatorTaskTag: -1 },
      { expStatSn: 1.5 },
      { segmentLength: 0 },
      { offset: 10, end: 5 },
      { end: 301 },
    ]) {
      assert.throws(() => s.addDataOutSequence({ ...seq, ...wrong }, d), DwError);
      assert.deepEqual(s.view(), before, JSON.stringify(wrong));
    }
    assert.equal(s.addDataOutSequence({ ...seq, offset: 7, end: 7 }, d), true, 'empty');
    assert.deepEqual(s.view(), before);
  });

  for (const d of DIGESTS) {
    it(`restampDataOutSequence gives a staged sequence another TTT and ExpStatSN, data untouched (${label(d)})`, () => {
      fc.assert(
        fc.property(anySequence, u32, u32, (seq, ttt, expStatSn) => {
          const s = new StagingBuffer(64, 64 * 1024);
          s.addDataOutSequence(seq, d);
          const renewed = { ...seq, targetTransferTag: ttt, expStatSn };
          s.restampDataOutSequence(renewed, d);
          assert.deepEqual(s.view(), cat(...sequencePdus(renewed).map((p) => wireBytes(p, d))));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('restampDataOutSequence refuses another sequence than the staged one, changing nothing', () => {
    const d = DIGESTS[3]!;
    const seq: DataOutSequence = {
      lun: lun1,
      initiatorTaskTag: 1,
      targetTransferTag: 2,
      expStatSn: 3,
      data: new Uint8Array(300).fill(0x5a),
      offset: 20,
      end: 300,
      segmentLength: 100,
    };
    const s = new StagingBuffer(64, 4096);
    s.addDataOutSequence(seq, d);
    const before = s.view().slice();
    for (const wrong of [
      { offset: 21 },
      { end: 299 },
      { segmentLength: 90 },
      { segmentLength: 280 },
      { targetTransferTag: 2 ** 32 },
    ]) {
      assert.throws(() => s.restampDataOutSequence({ ...seq, ...wrong }, d), DwError);
      assert.deepEqual(s.view(), before, JSON.stringify(wrong));
    }
    const other = new StagingBuffer(64, 4096);
    other.add(dataOut(0, new Uint8Array(100)), d);
    assert.throws(() => other.restampDataOutSequence({ ...seq, offset: 200 }, d), DwError);
  });
});
