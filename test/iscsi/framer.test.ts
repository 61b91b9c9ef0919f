import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { frameParts, PduFramer, wireLength } from '../../src/transport/iscsi/framer.js';
import type { PduFrame } from '../../src/transport/iscsi/pdu-layout.js';
import type { Pdu } from '../../src/transport/iscsi/pdu-types.js';
import { decodePdu } from '../../src/transport/iscsi/pdu.js';
import { MalformedDataError } from '../../src/errors.js';
import { cat, h } from '../helpers/bytes.js';
import { bhsBytes, wireBytes } from '../helpers/iscsi-pdus.js';

const lun = new Uint8Array(8);
const nopIn = (data: Uint8Array, itt: number): Pdu => ({
  type: 'nop-in',
  lun,
  initiatorTaskTag: itt,
  targetTransferTag: 0xffffffff,
  statSn: 1,
  expCmdSn: 2,
  maxCmdSn: 3,
  data,
});
// Data lengths 0, 5 (3 bytes of padding), 4 and 1: header-only, padded and aligned segments.
const pdus: Pdu[] = [
  nopIn(new Uint8Array(0), 1),
  nopIn(h('01 02 03 04 05'), 2),
  nopIn(h('0A 0B 0C 0D'), 3),
  nopIn(h('FF'), 4),
];

function drain(framer: PduFramer): PduFrame[] {
  const out: PduFrame[] = [];
  for (;;) {
    const r = framer.next();
    if (r.kind === 'incomplete') return out;
    out.push(r.frame);
  }
}

describe('PDU framing', () => {
  for (const digests of [
    { headerDigest: false, dataDigest: false },
    { headerDigest: true, dataDigest: true },
    { headerDigest: true, dataDigest: false },
  ]) {
    const label = `header digest ${digests.headerDigest}, data digest ${digests.dataDigest}`;
    const stream = cat(...pdus.map((p) => wireBytes(p, digests)));

    it(`frames the same PDUs whatever the chunking (${label})`, () => {
      assert.equal(
        stream.length,
        pdus.reduce((n, p) => n + wireLength(0, 'data' in p ? p.data.length : 0, digests), 0),
      );
      for (let cut = 0; cut <= stream.length; cut++) {
        for (const second of [cut, Math.min(stream.length, cut + 7)]) {
          const framer = new PduFramer(digests);
          const got: PduFrame[] = [];
          framer.push(stream.subarray(0, cut));
          got.push(...drain(framer));
          framer.push(stream.subarray(cut, second));
          got.push(...drain(framer));
          framer.push(stream.subarray(second));
          got.push(...drain(framer));
          assert.deepEqual(
            got.map((f) => decodePdu(f)),
            pdus,
            `cut at ${cut}/${second}`,
          );
          assert.equal(framer.bufferedBytes, 0);
        }
      }
      // One byte at a time.
      const framer = new PduFramer(digests);
      const got: PduFrame[] = [];
      for (let i = 0; i < stream.length; i++) {
        framer.push(stream.subarray(i, i + 1));
        got.push(...drain(framer));
      }
      assert.deepEqual(
        got.map((f) => decodePdu(f)),
        pdus,
      );
    });
  }

  for (const digests of [
    { headerDigest: false, dataDigest: false },
    { headerDigest: true, dataDigest: true },
  ]) {
    it(`frames PDUs read into one reused buffer, with detach() after each read (digests ${digests.headerDigest})`, () => {
      // How the connection reads: every read lands at the start of the same memory, frames are
      // consumed during the read, and detach() saves the rest before the next read overwrites it.
      const stream = cat(...pdus.map((p) => wireBytes(p, digests)));
      for (const readSize of [1, 3, 17, 48, 55, 64, stream.length]) {
        const memory = new Uint8Array(readSize);
        const framer = new PduFramer(digests);
        const got: Pdu[] = [];
        for (let at = 0; at < stream.length; at += readSize) {
          const n = Math.min(readSize, stream.length - at);
          memory.set(stream.subarray(at, at + n));
          framer.push(memory.subarray(0, n));
          for (let f = framer.nextFrame(); f !== undefined; f = framer.nextFrame()) {
            got.push(decodePdu({ bhs: f.bhs.slice(), ahs: f.ahs.slice(), data: f.data.slice() }));
          }
          framer.detach();
          memory.fill(0xee);
        }
        assert.deepEqual(got, pdus, `reads of ${readSize}`);
        assert.equal(framer.bufferedBytes, 0);
      }
    });
  }

  it('a frame inside one chunk is a view of it; a frame that spans chunks outlives them', () => {
    const wire = pdus.map((p) => wireBytes(p));
    const framer = new PduFramer();
    // PDUs 0 and 1 whole, then the first 30 bytes of PDU 2.
    const first = cat(wire[0]!, wire[1]!, wire[2]!.subarray(0, 30));
    framer.push(first);
    const f0 = framer.nextFrame()!;
    const f1 = framer.nextFrame()!;
    assert.equal(f0.bhs.buffer, first.buffer);
    assert.equal(f1.data.buffer, first.buffer);
    assert.equal(f1.data.byteOffset, first.byteOffset + wire[0]!.length + 48);
    assert.equal(framer.nextFrame(), undefined);
    assert.equal(framer.bytesNeeded, 48 - 30); // the BHS is not complete yet
    framer.detach();
    first.fill(0xee);
    // The rest of PDU 2, then PDU 3 whole.
    const second = cat(wire[2]!.subarray(30), wire[3]!);
    framer.push(second);
    const f2 = framer.nextFrame()!;
    const f3 = framer.nextFrame()!;
    assert.notEqual(f2.bhs.buffer, second.buffer);
    assert.equal(f3.bhs.buffer, second.buffer);
    framer.detach();
    second.fill(0xee);
    // More traffic through the framer must not write over a frame it handed out.
    framer.push(wire[1]!.subarray(0, 50));
    framer.detach();
    framer.push(wire[1]!.subarray(50));
    assert.deepEqual(decodePdu(framer.nextFrame()!), pdus[1]);
    assert.deepEqual(decodePdu(f2), pdus[2]);
  });

  it('reports how many bytes are missing', () => {
    const framer = new PduFramer();
    assert.deepEqual(framer.next(), { kind: 'incomplete', bytesNeeded: 48 });
    const wire = wireBytes(pdus[1]!);
    framer.push(wire.subarray(0, 50));
    // 48 header + 5 data + 3 padding = 56
    assert.deepEqual(framer.next(), { kind: 'incomplete', bytesNeeded: 6 });
  });

  it('pads the data segment with zeroes and appends CRC32C digests least-significant byte first', () => {
    const d = { headerDigest: true, dataDigest: true };
    const parts = frameParts(bhsBytes(pdus[1]!), h('01 02 03 04 05'), d);
    assert.equal(parts.length, 3);
    assert.equal(parts[0]!.length, 52);
    assert.deepEqual(parts[1], h('01 02 03 04 05'));
    assert.deepEqual(parts[2]!.subarray(0, 3), h('00 00 00'));
    assert.equal(parts[2]!.length, 7);
    // The data part is the caller's bytes, not a copy.
    const payload = new Uint8Array(8);
    assert.equal(frameParts(bhsBytes(pdus[0]!), payload, d)[1], payload);
  });

  it('rejects a corrupted header or data digest', () => {
    const d = { headerDigest: true, dataDigest: true };
    const wire = wireBytes(pdus[1]!, d);
    for (const at of [10, 48, 53, wire.length - 1]) {
      const bad = Uint8Array.from(wire);
      bad[at]! ^= 0x01;
      const framer = new PduFramer(d);
      framer.push(bad);
      assert.throws(() => framer.next(), MalformedDataError, `byte ${at}`);
    }
  });
});
