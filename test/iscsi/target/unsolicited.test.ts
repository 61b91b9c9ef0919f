// The target's unsolicited data (RFC 7143 §13.10-§13.14), PDU by PDU: InitialR2T=No answered
// No, FirstBurstLength the minimum; a WRITE's immediate data and one unsolicited burst of
// Data-Out PDUs (Target Transfer Tag FFFFFFFFh, ended short of FirstBurstLength by the F bit)
// taken, the rest solicited with R2Ts from where the burst ended, the block read back; a DataSN
// out of order failing the command with DATA PHASE ERROR (the connection goes on); a burst
// beyond FirstBurstLength, and one announced in a session with InitialR2T=Yes, close the
// connection.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pdu } from '../../../src/transport/iscsi/pdu-types.js';
import {
  LUN0,
  command,
  loggedIn,
  nopOut,
  statusOf,
  type Raw,
  servedDvdR,
} from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:unsolicited';
const KEYS = [
  'InitialR2T=No',
  'ImmediateData=Yes',
  'FirstBurstLength=16384',
  'MaxBurstLength=16384',
];
const UNSOLICITED = 0xffffffff;

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 11)) & 0xff);

const dataOut = (
  ttt: number,
  dataSn: number,
  offset: number,
  data: Uint8Array,
  final: boolean,
): Pdu => ({
  type: 'data-out',
  final,
  lun: LUN0,
  initiatorTaskTag: 1,
  targetTransferTag: ttt,
  expStatSn: 0,
  dataSn,
  bufferOffset: offset,
  data,
});

/** WRITE(10) of `blocks` 2048-byte blocks at LBA 0, with F 0 (a burst follows) unless `final`. */
const write = (blocks: number, immediate: Uint8Array, final = false): Pdu =>
  ({
    ...command(1, 10, [0x2a, 0, 0, 0, 0, 0, 0, 0, blocks, 0], blocks * 2048, LUN0, { immediate }),
    final,
  }) as Pdu;

describe('iSCSI target: unsolicited Data-Out (InitialR2T=No)', () => {
  const target = servedDvdR(IQN);

  it('takes immediate data and an unsolicited burst, then solicits the rest', async () => {
    const answers = new Map<string, string>();
    const raw = await loggedIn(target.port, IQN, { keys: KEYS, answers });
    try {
      assert.equal(answers.get('InitialR2T'), 'No');
      assert.equal(answers.get('ImmediateData'), 'Yes');
      assert.equal(answers.get('FirstBurstLength'), '16384');
      const data = pattern(16 * 2048);
      raw.send(write(16, data.subarray(0, 4096)));
      // The burst ends at 12288, short of FirstBurstLength, with the F bit.
      raw.send(dataOut(UNSOLICITED, 0, 4096, data.subarray(4096, 8192), false));
      raw.send(dataOut(UNSOLICITED, 1, 8192, data.subarray(8192, 12288), true));
      let offset = 12288;
      for (const [r2tSn, length] of [
        [0, 16384],
        [1, 4096],
      ] as const) {
        const r2t = await raw.next();
        assert.equal(r2t.bhs[0]! & 0x3f, 0x31); // R2T
        assert.equal(r2t.bhs.readUInt32BE(16), 1);
        assert.equal(r2t.bhs.readUInt32BE(36), r2tSn);
        assert.equal(r2t.bhs.readUInt32BE(40), offset);
        assert.equal(r2t.bhs.readUInt32BE(44), length);
        const ttt = r2t.bhs.readUInt32BE(20);
        raw.send(dataOut(ttt, 0, offset, data.subarray(offset, offset + length), true));
        offset += length;
      }
      assert.deepEqual(statusOf(await raw.next()), { status: 0 });
      raw.send(command(2, 11, [0x28, 0, 0, 0, 0, 0, 0, 0, 16, 0], 16 * 2048));
      const read = Buffer.alloc(16 * 2048);
      for (let got = 0; got < read.length;) {
        const d = await raw.next();
        assert.equal(d.bhs[0]! & 0x3f, 0x25); // Data-In
        d.data.copy(read, d.bhs.readUInt32BE(40));
        got += d.data.length;
        if (got === read.length) assert.equal(d.bhs[3], 0); // GOOD collapsed
      }
      assert.deepEqual(new Uint8Array(read), data);
    } finally {
      raw.destroy();
    }
  });

  it('fails a WRITE whose unsolicited DataSN is out of order with 0B/4B/00 and goes on', async () => {
    const raw = await loggedIn(target.port, IQN, { keys: KEYS });
    try {
      const data = pattern(4 * 2048);
      raw.send(write(4, data.subarray(0, 2048)));
      raw.send(dataOut(UNSOLICITED, 1, 2048, data.subarray(2048, 4096), false)); // DataSN 0 due
      raw.send(dataOut(UNSOLICITED, 2, 4096, data.subarray(4096, 8192), true)); // dropped
      assert.deepEqual(statusOf(await raw.next()), { status: 2, sense: [0x0b, 0x4b, 0] });
      raw.send(nopOut(9, 11));
      assert.equal((await raw.next()).bhs.readUInt32BE(16), 9);
    } finally {
      raw.destroy();
    }
  });

  it('closes the connection on an unsolicited burst beyond FirstBurstLength', async () => {
    const raw = await loggedIn(target.port, IQN, { keys: KEYS });
    const data = pattern(16 * 2048);
    raw.send(write(16, data.subarray(0, 8192)));
    raw.send(dataOut(UNSOLICITED, 0, 8192, data.subarray(8192, 16384 + 2048), true));
    await raw.closed;
  });

  it('closes the connection on unsolicited Data-Out announced with InitialR2T=Yes', async () => {
    const answers = new Map<string, string>();
    const raw: Raw = await loggedIn(target.port, IQN, { keys: ['InitialR2T=Yes'], answers });
    assert.equal(answers.get('InitialR2T'), 'Yes');
    raw.send(write(1, new Uint8Array(0)));
    await raw.closed;
  });
});
