// Failed logins are rate-limited per source address on discwright's iSCSI target: after the
// configured number of failed logins within the window (here a wrong TargetName, refused with
// 0203h), the address's next connection is closed before any PDU is answered, even with a good
// login; once the failures leave the window (a VirtualClock moved on, no sleeping) it logs in
// again, and a completed login clears the record.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/transport/clock.js';
import { Raw, loggedIn, servedDvdR } from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:limit';

/** A login naming another target: refused (0203h), the connection closed by the target. */
async function failedLogin(port: number): Promise<void> {
  const raw = new Raw(port);
  raw.send({
    type: 'login-request',
    transit: true,
    continue: false,
    csg: 0,
    nsg: 3,
    versionMax: 0,
    versionMin: 0,
    isid: new Uint8Array([0x80, 0, 0, 0, 0, 9]),
    tsih: new Uint8Array(2),
    initiatorTaskTag: 1,
    cid: 0,
    cmdSn: 1,
    expStatSn: 0,
    data: new TextEncoder().encode(
      'InitiatorName=iqn.2026-01.test:x\0TargetName=iqn.2026-01.test:nobody\0SessionType=Normal\0AuthMethod=None\0',
    ),
  });
  const a = await raw.next();
  assert.equal(a.bhs[0]! & 0x3f, 0x23);
  assert.equal(a.bhs.readUInt16BE(36), 0x0203);
  await raw.closed;
}

describe('iSCSI target: failed logins rate-limited per address', () => {
  const clock = new VirtualClock({ auto: false });
  const target = servedDvdR(IQN, {
    loginLimit: { failures: 3, windowMs: 60_000 },
    clock,
    logoutWaitMs: 0,
  });

  it('refuses an address after 3 failures in a minute, and lets it in once they are older', async () => {
    // A good login clears the record: failures before it do not add up with later ones.
    await failedLogin(target.port);
    await failedLogin(target.port);
    (await loggedIn(target.port, IQN)).destroy();
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await failedLogin(target.port);
    }
    const refused = new Raw(target.port);
    await refused.closed;
    assert.equal(target.closed.at(-1), 'too many failed logins');
    await assert.rejects(refused.next(), /connection closed/);
    // At 60 s after the first of the three it leaves the window, not before.
    clock.advance(57_000);
    await new Raw(target.port).closed;
    assert.equal(target.closed.at(-1), 'too many failed logins');
    clock.advance(1000);
    (await loggedIn(target.port, IQN)).destroy();
  });
});
