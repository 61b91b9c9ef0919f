// The iSCSI target driven PDU by PDU (sent with the independent byte builder, answers read at
// their RFC 7143 byte offsets): a login straight to the full feature phase, NOP-Out echoed in a
// NOP-In, an unknown opcode answered with a Reject (and the connection still served), REPORT
// LUNS answered by the target, a LUN that does not exist refused with 05/25/00, and Data-Out
// for no R2T or a CmdSN out of order closing the connection.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LUN0,
  command,
  loggedIn as rawLogin,
  nopOut,
  servedDvdR,
} from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:raw';
const loggedIn = (port: number) => rawLogin(port, IQN);

describe('iSCSI target: PDU by PDU', () => {
  const target = servedDvdR(IQN);

  it('echoes a NOP-Out in a NOP-In, and rejects an unknown opcode without closing', async () => {
    const raw = await loggedIn(target.port);
    try {
      raw.send(nopOut(7, 10, new TextEncoder().encode('ping')));
      const nop = await raw.next();
      assert.equal(nop.bhs[0]! & 0x3f, 0x20);
      assert.equal(nop.bhs.readUInt32BE(16), 7);
      assert.equal(nop.data.toString(), 'ping');
      const unknown = new Uint8Array(48);
      unknown[0] = 0x1c; // no such initiator opcode
      unknown[16] = 0x42;
      raw.send(unknown);
      const reject = await raw.next();
      assert.equal(reject.bhs[0]! & 0x3f, 0x3f); // Reject
      assert.equal(reject.bhs[2], 0x04); // command not supported
      assert.deepEqual(new Uint8Array(reject.data), unknown);
      raw.send(nopOut(8, 10, new Uint8Array(0)));
      assert.equal((await raw.next()).bhs.readUInt32BE(16), 8);
    } finally {
      raw.destroy();
    }
  });

  it('answers REPORT LUNS itself and refuses a LUN that does not exist with 05/25/00', async () => {
    const raw = await loggedIn(target.port);
    try {
      raw.send(command(1, 10, [0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64], 64));
      const d = await raw.next();
      assert.equal(d.bhs[0]! & 0x3f, 0x25); // Data-In
      assert.equal(d.bhs[1]! & 0x01, 1); // status collapsed
      assert.deepEqual([...d.data], [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.equal(d.bhs[1]! & 0x02, 0x02); // underflow: 16 of 64
      assert.equal(d.bhs.readUInt32BE(44), 48);
      const lun3 = new Uint8Array(8);
      lun3[1] = 3;
      raw.send(command(2, 11, [0x00, 0, 0, 0, 0, 0], 0, lun3));
      const r = await raw.next();
      assert.equal(r.bhs[0]! & 0x3f, 0x21); // SCSI Response
      assert.equal(r.bhs[3], 0x02); // CHECK CONDITION
      const sense = r.data.subarray(2);
      assert.deepEqual([sense[2]! & 0x0f, sense[12], sense[13]], [5, 0x25, 0]);
    } finally {
      raw.destroy();
    }
  });

  it('closes the connection on Data-Out for no R2T', async () => {
    const raw = await loggedIn(target.port);
    raw.send({
      type: 'data-out',
      final: true,
      lun: LUN0,
      initiatorTaskTag: 9,
      targetTransferTag: 1,
      expStatSn: 0,
      dataSn: 0,
      bufferOffset: 0,
      data: new Uint8Array(512),
    });
    await raw.closed;
  });

  it('closes the connection on a CmdSN out of order', async () => {
    const raw = await loggedIn(target.port);
    raw.send(command(1, 12, [0x00, 0, 0, 0, 0, 0], 0)); // 10 expected
    await raw.closed;
  });
});
