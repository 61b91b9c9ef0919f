// The connection's byte paths against a plain TCP peer on loopback: what leaves the socket is
// byte for byte the wire form of the PDUs sent as the independent builder lays it out (staged, or
// as views beyond the staging limit, with and without digests), staging memory is never reused while the socket still holds it, and
// received PDUs keep their data across later reads into the same receive buffer.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { HR, type DwError } from '../../src/errors.js';
import { IscsiConnection } from '../../src/transport/iscsi/connection.js';
import type { DigestSettings } from '../../src/transport/iscsi/framer.js';
import type { DataOutSequence } from '../../src/transport/iscsi/staging.js';
import type {
  DataInPdu,
  DataOutPdu,
  NopInPdu,
  Pdu,
  TargetPdu,
} from '../../src/transport/iscsi/pdu-types.js';
import { cat, h } from '../helpers/bytes.js';
import { scsiResponsePdu, wireBytes, write10CommandPdu } from '../helpers/iscsi-pdus.js';

const lun1 = h('00 01 00 00 00 00 00 00');
/** A NOP-Out ping that goes out between other PDUs. */
const ping: Pdu = {
  type: 'nop-out',
  immediate: true,
  lun: lun1,
  initiatorTaskTag: 8,
  targetTransferTag: 0xffffffff,
  cmdSn: 2,
  expStatSn: 3,
  data: h('01 02 03 04 05'),
};
const sn = { statSn: 5, expCmdSn: 6, maxCmdSn: 38 };

/** A TCP peer that keeps every byte it receives and can write raw bytes back. */
class Peer {
  readonly server = net.createServer((s) => this.accept(s));
  socket: net.Socket | undefined;
  readonly chunks: Buffer[] = [];
  received = 0;
  paused = false;

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(s: net.Socket): void {
    this.socket = s;
    s.on('error', () => undefined);
    if (this.paused) s.pause();
    s.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.received += c.length;
    });
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const peers: Peer[] = [];
const conns: IscsiConnection[] = [];
after(async () => {
  for (const c of conns) c.destroy();
  for (const p of peers) await p.close();
});

async function connect(paused = false): Promise<{ peer: Peer; conn: IscsiConnection }> {
  const peer = new Peer();
  peer.paused = paused;
  peers.push(peer);
  const port = await peer.listen();
  const conn = await IscsiConnection.open('127.0.0.1', port, 5000);
  conns.push(conn);
  await until(() => peer.socket !== undefined);
  return { peer, conn };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

const pattern = (n: number, seed: number) =>
  new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);

const dataOut = (dataSn: number, data: Uint8Array, offset: number, final: boolean): DataOutPdu => ({
  type: 'data-out',
  final,
  lun: lun1,
  initiatorTaskTag: 7,
  targetTransferTag: 0x100,
  expStatSn: 3,
  dataSn,
  bufferOffset: offset,
  data,
});

/** The Data-Out PDUs of one burst of `data`, `segment` bytes each. */
function burst(data: Uint8Array, segment: number): DataOutPdu[] {
  const out: DataOutPdu[] = [];
  for (let off = 0, k = 0; off < data.length; off += segment, k++) {
    const end = Math.min(data.length, off + segment);
    out.push(dataOut(k, data.subarray(off, end), off, end === data.length));
  }
  return out;
}

/** The Data-Out sequence of all of `data` in 8 KiB segments, as `burst(data, 8192)` has it. */
function sequenceOf(
  data: Uint8Array,
  o: { targetTransferTag?: number; expStatSn?: number },
): DataOutSequence {
  return {
    lun: lun1,
    initiatorTaskTag: 7,
    targetTransferTag: o.targetTransferTag ?? 0x100,
    expStatSn: o.expStatSn ?? 3,
    data,
    offset: 0,
    end: data.length,
    segmentLength: 8192,
  };
}

describe('iSCSI connection', () => {
  for (const d of [
    { headerDigest: false, dataDigest: false },
    { headerDigest: true, dataDigest: true },
  ] satisfies DigestSettings[]) {
    it(`sends the PDUs' wire bytes, staged and beyond the staging limit (digests ${d.headerDigest})`, async () => {
      const { peer, conn } = await connect();
      conn.setDigests(d);
      const write = pattern(65536, 1);
      const command = write10CommandPdu({
        initiatorTaskTag: 7,
        cmdSn: 1,
        expStatSn: 3,
        immediate: write.subarray(0, 8192),
      });
      const small = burst(write.subarray(8192), 8192);
      // 1.5 MiB in 5-byte-padded segments: more than the staging takes, so views go out.
      const large = burst(pattern(1536 * 1024 + 3, 2), 262143);
      conn.send(command);
      conn.sendAll(small);
      conn.sendAll(large);
      conn.send(ping);
      const expected = cat(...[command, ...small, ...large, ping].map((p) => wireBytes(p, d)));
      await until(() => peer.received >= expected.length);
      assert.equal(peer.received, expected.length);
      assert.ok(Buffer.from(peer.bytes()).equals(Buffer.from(expected)), 'bytes differ');
    });
  }

  it('never reuses staging memory the socket still holds, and copies the caller’s payload', async () => {
    // The peer does not read, so the kernel buffers fill and net queues the staged writes.
    const { peer, conn } = await connect(true);
    const slot = new Uint8Array(57344); // one engine slot, refilled for every burst
    const expected: Uint8Array[] = [];
    let queued = 0;
    for (let i = 0; i < 4000 && queued < 20; i++) {
      slot.set(pattern(slot.length, i));
      const pdus = burst(slot, 8192).map((p) => ({ ...p, initiatorTaskTag: i }));
      for (const p of pdus) expected.push(wireBytes(p));
      if (!conn.sendAll(pdus)) queued++;
    }
    assert.equal(queued, 20, 'the socket never pushed back');
    const all = cat(...expected);
    peer.socket!.resume();
    await until(() => peer.received >= all.length);
    assert.equal(peer.received, all.length);
    assert.ok(Buffer.from(peer.bytes()).equals(Buffer.from(all)), 'a PDU was torn');
  });

  it('Data-Out sequences staged from their fields: memory the socket held is reused only once it let go, across rounds of back-pressure', async () => {
    const { peer, conn } = await connect(true);
    const slot = new Uint8Array(65536); // one engine slot, refilled for every burst
    const expected: Uint8Array[] = [];
    let itt = 0;
    for (let round = 0; round < 3; round++) {
      // The peer stops reading: the kernel buffers fill and net queues the staged writes, each
      // in its own memory; spare memories reclaimed in the round before are used again.
      peer.socket!.pause();
      let queued = 0;
      for (let i = 0; i < 4000 && queued < 12; i++, itt++) {
        slot.set(pattern(slot.length, itt));
        const seq = {
          lun: lun1,
          initiatorTaskTag: itt,
          targetTransferTag: 0x100,
          expStatSn: 3,
          data: slot,
          offset: 8192,
          end: 65536,
          segmentLength: 8192,
        };
        const pdus = burst(slot.subarray(8192), 8192).map((p) => ({
          ...p,
          initiatorTaskTag: itt,
          bufferOffset: p.bufferOffset + 8192,
        }));
        for (const p of pdus) expected.push(wireBytes(p));
        const ok = conn.sendDataOut(seq);
        assert.notEqual(ok, undefined, 'staged');
        if (ok === false) queued++;
      }
      assert.equal(queued, 12, `round ${round}: the socket never pushed back`);
      const all = cat(...expected);
      peer.socket!.resume();
      await until(() => peer.received >= all.length && conn.sendBacklog === 0);
      assert.equal(peer.received, all.length);
      assert.ok(
        Buffer.from(peer.bytes()).equals(Buffer.from(all)),
        `round ${round}: a PDU was torn`,
      );
    }
  });

  for (const d of [
    { headerDigest: false, dataDigest: false },
    { headerDigest: true, dataDigest: true },
  ] satisfies DigestSettings[]) {
    it(`a prepared burst goes out later with the TTT and ExpStatSN given then (digests ${d.headerDigest})`, async () => {
      const { peer, conn } = await connect();
      conn.setDigests(d);
      const slot = pattern(57344 + 5, 9);
      const early = sequenceOf(slot, { targetTransferTag: 0xffffffff, expStatSn: 3 });
      const token = conn.prepareDataOut(early);
      assert.notEqual(token, 0);
      // The caller's memory may change once prepared; other PDUs may go out in between.
      const late = burst(slot.slice(), 8192).map((p) => ({ ...p, expStatSn: 4 }));
      slot.fill(0);
      conn.send(ping);
      const lateSeq = { ...early, targetTransferTag: 0x100, expStatSn: 4 };
      assert.equal(conn.sendPreparedDataOut(token, lateSeq), true);
      const expected = cat(wireBytes(ping, d), ...late.map((p) => wireBytes(p, d)));
      await until(() => peer.received >= expected.length);
      assert.equal(peer.received, expected.length);
      assert.ok(Buffer.from(peer.bytes()).equals(Buffer.from(expected)), 'bytes differ');
    });
  }

  it('sendPreparedDataOut sends nothing for a replaced or used-up preparation, or another sequence', async () => {
    const { peer, conn } = await connect();
    const data = pattern(20000, 1);
    const a = sequenceOf(data, {});
    const first = conn.prepareDataOut(a);
    const second = conn.prepareDataOut(a);
    assert.equal(conn.sendPreparedDataOut(first, a), undefined, 'replaced');
    assert.equal(conn.sendPreparedDataOut(second, { ...a, offset: 1 }), undefined, 'other bytes');
    assert.equal(conn.sendPreparedDataOut(second, a), undefined, 'used up');
    const third = conn.prepareDataOut(a);
    assert.equal(
      conn.sendPreparedDataOut(third, { ...a, segmentLength: 4096 }),
      undefined,
      'other segments',
    );
    const fourth = conn.prepareDataOut(a);
    assert.equal(conn.sendPreparedDataOut(fourth, { ...a, end: 19999 }), undefined, 'shorter');
    assert.equal(conn.sendPreparedDataOut(0, a), undefined, 'nothing prepared');
    const marker = wireBytes(burst(data, 8192)[0]!);
    conn.send(burst(data, 8192)[0]!);
    await until(() => peer.received >= marker.length);
    await new Promise((r) => setImmediate(r));
    assert.ok(Buffer.from(peer.bytes()).equals(Buffer.from(marker)), 'something else was sent');
  });

  const targetPdus: TargetPdu[] = [
    {
      type: 'r2t',
      lun: lun1,
      initiatorTaskTag: 7,
      targetTransferTag: 0x100,
      ...sn,
      r2tSn: 0,
      bufferOffset: 8192,
      desiredDataTransferLength: 57344,
    },
    {
      type: 'nop-in',
      lun: lun1,
      initiatorTaskTag: 0xffffffff,
      targetTransferTag: 9,
      ...sn,
      data: pattern(5, 3),
    },
    {
      type: 'data-in',
      final: true,
      acknowledge: false,
      overflow: false,
      underflow: false,
      statusPresent: true,
      status: 0,
      lun: lun1,
      initiatorTaskTag: 7,
      targetTransferTag: 0xffffffff,
      ...sn,
      dataSn: 0,
      bufferOffset: 0,
      residualCount: 0,
      // Larger than one read of the receive buffer.
      data: pattern(300_001, 4),
    },
    scsiResponsePdu({ initiatorTaskTag: 7, status: 2, ...sn, data: h('00 04 70 00 05 00') }),
  ];

  it('push mode: PDUs split anywhere across reads arrive whole, in order', async () => {
    const { peer, conn } = await connect();
    const got: TargetPdu[] = [];
    // Handlers copy what they keep: the data view is the receive buffer's.
    conn.start({
      pdu: (p) => got.push('data' in p ? { ...p, data: p.data.slice() } : p),
      closed: () => undefined,
    });
    const wire = cat(...targetPdus.map((p) => wireBytes(p)));
    for (const cut of [1, 47, 48, 49, 4096, 65536, 123_457]) {
      got.length = 0;
      for (let at = 0; at < wire.length; at += cut) {
        peer.socket!.write(wire.subarray(at, Math.min(wire.length, at + cut)));
        if (at % (cut * 4) === 0) await new Promise((r) => setImmediate(r));
      }
      await until(() => got.length === targetPdus.length);
      assert.deepEqual(got, targetPdus, `cut ${cut}`);
    }
  });

  it('pull mode: a received PDU keeps its data while later reads reuse the buffer', async () => {
    const { peer, conn } = await connect();
    const [, nopIn, dataIn] = targetPdus as [TargetPdu, NopInPdu, DataInPdu];
    // Two PDUs in one write: the second waits in the framer for the next receive().
    peer.socket!.write(cat(wireBytes(nopIn), wireBytes(dataIn)));
    const first = await conn.receive(5000);
    peer.socket!.write(wireBytes({ ...nopIn, data: new Uint8Array(5).fill(0xee) }));
    const second = await conn.receive(5000);
    const third = await conn.receive(5000);
    assert.deepEqual(first, nopIn);
    assert.deepEqual(second, dataIn);
    assert.deepEqual(third, { ...nopIn, data: new Uint8Array(5).fill(0xee) });
  });
});

describe('IscsiConnection.open tells connection failures apart', () => {
  it('a closed port: connection refused, with its own hint', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    await assert.rejects(IscsiConnection.open('127.0.0.1', port, 5000), (e: DwError) => {
      assert.equal(e.hr, HR.ERROR_DEV_NOT_EXIST);
      assert.match(e.message, /connection refused/);
      assert.match(e.hint ?? '', /target running.*port right/);
      assert.doesNotMatch(e.hint ?? '', /unplugged/);
      return true;
    });
  });

  it('an unresolvable name: name not resolved, with its own hint', async () => {
    // .invalid never resolves (RFC 6761); the resolver answers without the network.
    await assert.rejects(IscsiConnection.open('nonexistent.invalid', 3260, 5000), (e: DwError) => {
      assert.equal(e.hr, HR.ERROR_DEV_NOT_EXIST);
      assert.match(e.message, /name not resolved \(nonexistent\.invalid/);
      assert.match(e.hint ?? '', /check the host name/i);
      return true;
    });
  });
});
