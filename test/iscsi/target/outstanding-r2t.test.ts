// Several R2Ts outstanding per WRITE on the target (RFC 7143 §13.17 MaxOutstandingR2T, §11.8),
// PDU by PDU: MaxOutstandingR2T negotiated as the minimum; a WRITE of five bursts gets four R2Ts
// at once, a fifth once the first burst is in, the data read back; Data-Out answering a later
// R2T before the oldest fails the command with DATA PHASE ERROR and the connection goes on.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pdu } from '../../../src/transport/iscsi/pdu-types.js';
import {
  LUN0,
  command,
  loggedIn,
  nopOut,
  statusOf,
  type Answer,
  type Raw,
  servedDvdR,
} from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:outstanding-r2t';
const KEYS = ['InitialR2T=Yes', 'MaxOutstandingR2T=4', 'MaxBurstLength=8192'];

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + (i >> 9)) & 0xff);

const dataOut = (ttt: number, offset: number, data: Uint8Array): Pdu => ({
  type: 'data-out',
  final: true,
  lun: LUN0,
  initiatorTaskTag: 1,
  targetTransferTag: ttt,
  expStatSn: 0,
  dataSn: 0,
  bufferOffset: offset,
  data,
});

/** The next PDU as an R2T: its Target Transfer Tag, R2TSN, offset and length. */
async function r2t(raw: Raw): Promise<[number, number, number, number]> {
  const a: Answer = await raw.next();
  assert.equal(a.bhs[0]! & 0x3f, 0x31); // R2T
  const b = a.bhs;
  return [b.readUInt32BE(20), b.readUInt32BE(36), b.readUInt32BE(40), b.readUInt32BE(44)];
}

describe('iSCSI target: MaxOutstandingR2T above 1', () => {
  const target = servedDvdR(IQN);

  it('has up to MaxOutstandingR2T R2Ts outstanding, in offset order', async () => {
    const answers = new Map<string, string>();
    const raw = await loggedIn(target.port, IQN, { keys: KEYS, answers });
    try {
      assert.equal(answers.get('MaxOutstandingR2T'), '4');
      const data = pattern(20 * 2048);
      raw.send(
        command(1, 10, [0x2a, 0, 0, 0, 0, 0, 0, 0, 20, 0], data.length, LUN0, {
          immediate: new Uint8Array(0),
        }),
      );
      const r2ts = [await r2t(raw), await r2t(raw), await r2t(raw), await r2t(raw)];
      assert.deepEqual(
        r2ts.map(([, sn, offset, length]) => [sn, offset, length]),
        [0, 1, 2, 3].map((i) => [i, i * 8192, 8192]),
      );
      assert.equal(new Set(r2ts.map(([ttt]) => ttt)).size, 4);
      assert.equal(raw.buffered, 0); // no fifth before a burst is in
      raw.send(dataOut(r2ts[0]![0], 0, data.subarray(0, 8192)));
      const fifth = await r2t(raw);
      assert.deepEqual(fifth.slice(1), [4, 32768, 8192]);
      for (const [ttt, , offset] of [...r2ts.slice(1), fifth]) {
        raw.send(dataOut(ttt, offset, data.subarray(offset, offset + 8192)));
      }
      assert.deepEqual(statusOf(await raw.next()), { status: 0 });
      raw.send(command(2, 11, [0x28, 0, 0, 0, 0, 0, 0, 0, 20, 0], data.length));
      const read = Buffer.alloc(data.length);
      for (let got = 0; got < read.length;) {
        const d = await raw.next();
        assert.equal(d.bhs[0]! & 0x3f, 0x25); // Data-In
        d.data.copy(read, d.bhs.readUInt32BE(40));
        got += d.data.length;
      }
      assert.deepEqual(new Uint8Array(read), data);
    } finally {
      raw.destroy();
    }
  });

  it('fails a WRITE whose Data-Out answers a later R2T first, and goes on', async () => {
    const raw = await loggedIn(target.port, IQN, { keys: KEYS });
    try {
      const data = pattern(8 * 2048);
      raw.send(
        command(1, 10, [0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0], data.length, LUN0, {
          immediate: new Uint8Array(0),
        }),
      );
      await r2t(raw);
      const [ttt, , offset] = await r2t(raw);
      raw.send(dataOut(ttt, offset, data.subarray(offset)));
      assert.deepEqual(statusOf(await raw.next()), { status: 2, sense: [0x0b, 0x4b, 0x05] });
      raw.send(nopOut(9, 11));
      assert.equal((await raw.next()).bhs.readUInt32BE(16), 9);
    } finally {
      raw.destroy();
    }
  });
});
