// Several sessions on one LUN of discwright's iSCSI target, PDU by PDU: commands of the LUN run
// one at a time across sessions (a second session's command waits for the first's on the
// drive), and SPC-2 RESERVE / RELEASE: while one I_T nexus holds the unit, another's commands
// get RESERVATION CONFLICT (18h) except INQUIRY, REQUEST SENSE and RELEASE (docs/decisions.md,
// "serve: reservations"); a RELEASE by a non-holder changes nothing; the reservation ends with
// the holder's RELEASE, its connection, or a LOGICAL UNIT RESET.

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/transport/clock.js';
import { openVirtualDrive, type VirtualDrive } from '../../../src/transport/emulated/index.js';
import { IscsiTarget } from '../../../src/transport/iscsi/target/index.js';
import {
  LUN0,
  command,
  loggedIn,
  nopOut,
  statusOf,
  taskManagement,
  type Raw,
} from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:reserve';
const TUR = [0x00, 0, 0, 0, 0, 0];
const INQUIRY = [0x12, 0, 0, 0, 36, 0];
const RESERVE_6 = [0x16, 0, 0, 0, 0, 0];
const RELEASE_6 = [0x17, 0, 0, 0, 0, 0];
const RESERVATION_CONFLICT = 0x18;

/** Waits until the drive sleeps on the clock (a command is executing). */
async function busy(clock: VirtualClock): Promise<void> {
  while (clock.pending === 0) await new Promise((r) => setImmediate(r));
}

describe('iSCSI target: sessions sharing a LUN', () => {
  const clock = new VirtualClock({ auto: false });
  let drive: VirtualDrive;
  let target: IscsiTarget;
  const open: Raw[] = [];
  const sn = new Map<Raw, number>();
  const session = async (isid: number) => {
    const raw = await loggedIn(target.port, IQN, {
      isid,
      initiatorName: `iqn.2026-01.test:i${isid}`,
    });
    open.push(raw);
    sn.set(raw, 10);
    return raw;
  };
  /** Sends `cdb` with the session's next CmdSN; resolves to its status and sense. */
  const run = async (raw: Raw, cdb: number[], edtl = 0) => {
    const cmdSn = sn.get(raw)!;
    sn.set(raw, cmdSn + 1);
    raw.send(command(cmdSn, cmdSn, cdb, edtl, LUN0));
    const a = await raw.next();
    assert.equal(a.bhs.readUInt32BE(16), cmdSn);
    return statusOf(a);
  };
  before(async () => {
    drive = await openVirtualDrive('virtual:dvd+r', { clock });
    target = new IscsiTarget({ luns: [drive], targetName: IQN, port: 0 });
    await target.listen();
  });
  beforeEach(() => {
    for (const r of open.splice(0)) r.destroy();
    drive.control.faults.latency(0);
  });
  after(async () => {
    for (const r of open) r.destroy();
    await target.close(0);
    await drive.close();
  });

  it("runs a second session's command after the first session's, on the drive", async () => {
    const a = await session(2);
    const b = await session(3);
    drive.control.faults.latency(1000);
    a.send(command(1, 10, TUR, 0));
    await busy(clock);
    b.send(command(1, 10, TUR, 0));
    // B's NOP-Out is answered while its TUR waits behind A's.
    b.send(nopOut(2, 11));
    assert.equal((await b.next()).bhs[0]! & 0x3f, 0x20);
    assert.equal(clock.pending, 1, 'only one command on the drive');
    clock.advance(1000);
    assert.equal(statusOf(await a.next()).status, 0);
    await busy(clock);
    clock.advance(1000);
    assert.equal(statusOf(await b.next()).status, 0);
  });

  it('refuses the commands of another nexus with RESERVATION CONFLICT while reserved', async () => {
    const a = await session(2);
    const b = await session(3);
    assert.equal((await run(a, RESERVE_6)).status, 0);
    assert.equal((await run(a, TUR)).status, 0);
    assert.equal((await run(b, TUR)).status, RESERVATION_CONFLICT);
    assert.equal((await run(b, RESERVE_6)).status, RESERVATION_CONFLICT);
    assert.equal((await run(b, INQUIRY, 36)).status, 0);
    // A RELEASE by a nexus that does not hold the reservation is GOOD and changes nothing.
    assert.equal((await run(b, RELEASE_6)).status, 0);
    assert.equal((await run(b, TUR)).status, RESERVATION_CONFLICT);
    assert.equal((await run(a, RELEASE_6)).status, 0);
    assert.equal((await run(b, TUR)).status, 0);
  });

  it('ends the reservation when its holder disconnects', async () => {
    const a = await session(2);
    const b = await session(3);
    assert.equal((await run(a, RESERVE_6)).status, 0);
    assert.equal((await run(b, TUR)).status, RESERVATION_CONFLICT);
    a.destroy();
    await a.closed;
    for (let i = 0; ; i++) {
      const r = await run(b, TUR);
      if (r.status === 0) break;
      assert.ok(i < 100, 'the reservation outlived its holder');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  it('ends the reservation at a LOGICAL UNIT RESET', async () => {
    const a = await session(2);
    const b = await session(3);
    assert.equal((await run(a, RESERVE_6)).status, 0);
    b.send(taskManagement(5, 99, sn.get(b)!));
    const tmf = await b.next();
    assert.equal(tmf.bhs[0]! & 0x3f, 0x22);
    assert.equal(tmf.bhs[2], 0);
    assert.deepEqual((await run(b, TUR)).sense, [6, 0x29, 0x03]);
    assert.equal((await run(b, TUR)).status, 0);
  });
});
