// Target-initiated NOP-In pings on discwright's iSCSI target (RFC 7143 §11.19), on a manual
// VirtualClock: an idle initiator is pinged after the interval with a NOP-In whose Target
// Transfer Tag asks for an answer; one that answers (or sends anything) stays connected, one
// that stays silent for the timeout after a ping is disconnected.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/transport/clock.js';
import { LUN0, loggedIn, nopOut, servedDvdR, type Raw } from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:ping';

/** The next PDU is a ping: NOP-In, ITT FFFFFFFFh, a TTT other than FFFFFFFFh. Its TTT. */
async function ping(raw: Raw): Promise<number> {
  const a = await raw.next();
  assert.equal(a.bhs[0]! & 0x3f, 0x20);
  assert.equal(a.bhs.readUInt32BE(16), 0xffffffff);
  const ttt = a.bhs.readUInt32BE(20);
  assert.notEqual(ttt, 0xffffffff);
  return ttt;
}

describe('iSCSI target: NOP-In pings', () => {
  const clock = new VirtualClock({ auto: false });
  const target = servedDvdR(IQN, {
    ping: { intervalMs: 1000, timeoutMs: 500 },
    clock,
    logoutWaitMs: 0,
  });

  it(
    'pings an idle initiator, keeps one that answers, drops one that does not',
    { timeout: 10_000 },
    async () => {
      const raw = await loggedIn(target.port, IQN);
      clock.advance(1000);
      const ttt = await ping(raw);
      raw.send({
        type: 'nop-out',
        immediate: true,
        lun: LUN0,
        initiatorTaskTag: 0xffffffff,
        targetTransferTag: ttt,
        cmdSn: 10,
        expStatSn: 0,
        data: new Uint8Array(0),
      });
      // An answered NOP-Out of ours shows the target has taken the answer to its ping.
      raw.send(nopOut(5, 10));
      assert.equal((await raw.next()).bhs.readUInt32BE(16), 5);
      // The answer restarted the interval: the first ping's timeout passes unnoticed.
      clock.advance(999);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(raw.buffered, 0);
      assert.equal(target.closed.length, 0);
      clock.advance(1);
      const second = await ping(raw);
      assert.notEqual(second, ttt);
      clock.advance(500); // silent
      await raw.closed;
      assert.equal(target.closed.at(-1), 'no answer to a NOP-In ping');
    },
  );
});
