// Unit attention after a load commanded through discwright's iSCSI target, with two sessions
// (I_T nexuses), PDU by PDU (SPC-4 5.14, docs/decisions.md "serve: unit attention after a
// load"). LUN 0 is a drive with `loadAttention=off`: the session that loads (START STOP UNIT,
// LoEj and Start) gets GOOD from TEST UNIT READY at once and NewMedia from GET EVENT STATUS
// NOTIFICATION, the other session still gets 06/28/00 once. LUN 1 is a default drive: each
// session gets 06/28/00 once, whichever asks first.

import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  command,
  loggedIn,
  lunField,
  servedTarget,
  statusOf,
  type Raw,
} from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:load';
const TUR = [0x00, 0, 0, 0, 0, 0];
// START STOP UNIT byte 1 bit 0 Immed; byte 4 bit 1 LoEj, bit 0 Start.
const eject = (immed: number) => [0x1b, immed, 0, 0, 0x02, 0];
const load = (immed: number) => [0x1b, immed, 0, 0, 0x03, 0];
// GET EVENT STATUS NOTIFICATION, polled, media class (bit 4), 8 bytes.
const GESN_MEDIA = [0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0];
const NEW_MEDIA = 2;

describe('iSCSI target: unit attention after a load by START STOP UNIT', () => {
  const served = servedTarget(IQN, {
    addresses: ['virtual:dvd+rw?formatted=true&loadAttention=off', 'virtual:dvd+rw?formatted=true'],
    logoutWaitMs: 0,
  });
  const open: Raw[] = [];
  const sn = new Map<Raw, number>();
  const session = async (isid: number) => {
    const raw = await loggedIn(served.port, IQN, { isid });
    open.push(raw);
    sn.set(raw, 10);
    return raw;
  };
  /** Sends `cdb` to `lun` with the session's next CmdSN; its status, sense and data. */
  const run = async (raw: Raw, lun: number, cdb: number[], edtl = 0) => {
    const cmdSn = sn.get(raw)!;
    sn.set(raw, cmdSn + 1);
    raw.send(command(cmdSn, cmdSn, cdb, edtl, lunField(lun)));
    const a = await raw.next();
    assert.equal(a.bhs.readUInt32BE(16), cmdSn);
    return { ...statusOf(a), data: a.data };
  };
  /** `raw` gets 06/28/00 from TEST UNIT READY on `lun` once, then GOOD. */
  const attentionOnce = async (raw: Raw, lun: number) => {
    assert.deepEqual((await run(raw, lun, TUR)).sense, [6, 0x28, 0]);
    assert.equal((await run(raw, lun, TUR)).status, 0);
  };
  beforeEach(async () => {
    for (const r of open.splice(0)) r.destroy();
    // Let the target see those connections close (their nexuses leave).
    await new Promise((r) => setTimeout(r, 20));
  });

  for (const immed of [0, 1]) {
    it(`loadAttention=off, Immed ${immed}: GOOD at once for the loader, 06/28/00 once for the other session`, async () => {
      const a = await session(2);
      const b = await session(3);
      assert.equal((await run(a, 0, eject(immed))).status, 0);
      assert.deepEqual((await run(b, 0, TUR)).sense, [2, 0x3a, 0x02], 'tray open');
      assert.equal((await run(a, 0, load(immed))).status, 0);
      assert.equal((await run(a, 0, TUR)).status, 0);
      const event = await run(a, 0, GESN_MEDIA, 8);
      assert.equal(event.status, 0);
      assert.equal(event.data[4]! & 0x0f, NEW_MEDIA);
      assert.equal((await run(a, 0, TUR)).status, 0);
      await attentionOnce(b, 0);
    });
  }

  it('loadAttention=off: a disc put in through control.load reports 06/28/00 to both sessions', async () => {
    const a = await session(2);
    const b = await session(3);
    await served.drives[0]!.control.load('dvd-ram');
    await attentionOnce(a, 0);
    await attentionOnce(b, 0);
  });

  it('default drive: the loader and the other session each get 06/28/00 once, the other first', async () => {
    const a = await session(2);
    const b = await session(3);
    assert.equal((await run(a, 1, eject(0))).status, 0);
    assert.equal((await run(a, 1, load(0))).status, 0);
    assert.deepEqual((await run(b, 1, TUR)).sense, [6, 0x28, 0]);
    await attentionOnce(a, 1);
    assert.equal((await run(b, 1, TUR)).status, 0, 'the same change is not reported twice');
  });

  it('default drive: the loader and the other session each get 06/28/00 once, the loader first', async () => {
    const a = await session(2);
    const b = await session(3);
    assert.equal((await run(a, 1, eject(1))).status, 0);
    assert.equal((await run(a, 1, load(1))).status, 0);
    await attentionOnce(a, 1);
    await attentionOnce(b, 1);
  });
});
