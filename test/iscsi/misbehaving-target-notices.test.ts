// The iSCSI initiator against a scripted target (docs/iscsi.md, "What the initiator checks and
// refuses", "Async Messages"): a SCSI Response whose ExpDataSN says more Data-In PDUs were sent
// than arrived (data lost), and a connection drop notice whose Time2Wait (Parameter2) must pass
// before the next login, bounded by the login timeout whatever the target asks.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError, HR } from '../../src/errors.js';
import { scsiCommand, type ScsiCommand } from '../../src/scsi/command.js';
import { openIscsiTransport, type IscsiTransport } from '../../src/transport/iscsi/index.js';
import { dataIn, FakeTarget, lun0, type TargetScript } from '../helpers/fake-iscsi-target.js';
import { scsiResponsePdu } from '../helpers/iscsi-pdus.js';
import { h } from '../helpers/bytes.js';

const COMMAND_TIMEOUT_MS = 5000;

const targets: FakeTarget[] = [];
const transports: IscsiTransport[] = [];
after(async () => {
  for (const t of transports) await t.close();
  for (const t of targets) await t.close();
});

async function setup(
  script: TargetScript,
  loginTimeoutMs = 5000,
): Promise<{ target: FakeTarget; t: IscsiTransport }> {
  const target = new FakeTarget(script);
  targets.push(target);
  const port = await target.listen();
  const t = await openIscsiTransport(target.url(port), {
    keepAliveIntervalMs: 0,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    loginTimeoutMs,
  });
  transports.push(t);
  return { target, t };
}

const LENGTH = 8192;
const source = Uint8Array.from({ length: LENGTH }, (_, i) => (i * 5 + 3) & 0xff);
const read10 = (): ScsiCommand =>
  scsiCommand('READ(10)', h('28 00 00000000 00 0004 00'), 'in', { allocationLength: LENGTH });
const tur = (): ScsiCommand => scsiCommand('TEST UNIT READY', new Uint8Array(6), 'none');

/** A READ answered by two 4 KiB Data-In PDUs, then a SCSI Response GOOD with `expDataSn`. */
function readTarget(expDataSn: number): TargetScript {
  return {
    onPdu(p, c) {
      if (p.type !== 'scsi-command') return;
      for (const at of [0, 4096]) {
        dataIn(c, p, { dataSn: at / 4096, bufferOffset: at, data: source.subarray(at, at + 4096) });
      }
      c.send({
        ...scsiResponsePdu({
          initiatorTaskTag: p.initiatorTaskTag,
          status: 0,
          ...c.sn(),
          data: new Uint8Array(0),
        }),
        expDataSn,
      });
      c.statSn++;
    },
  };
}

describe("a SCSI Response's ExpDataSN is counted against the Data-In that arrived", () => {
  it('ExpDataSN 3 after two Data-In PDUs: data lost, a protocol violation', async () => {
    const { t } = await setup(readTarget(3));
    const started = performance.now();
    const e = await t.execute(read10()).then(
      () => assert.fail('the READ succeeded'),
      (e: unknown) => e,
    );
    assert.ok(e instanceof DwError, String(e));
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    assert.match(e.message, /ExpDataSN 3 says 3 Data-In PDUs were sent, but 2 arrived/);
    assert.ok(performance.now() - started < COMMAND_TIMEOUT_MS);
  });

  for (const expDataSn of [2, 0]) {
    it(`ExpDataSN ${expDataSn} after two Data-In PDUs: the data`, async () => {
      const { t } = await setup(readTarget(expDataSn));
      const r = await t.execute(read10());
      assert.equal(r.status, 0);
      assert.deepEqual(r.dataIn, source);
    });
  }
});

/** A target whose first TEST UNIT READY brings a connection drop notice asking `seconds`. */
function dropNotice(seconds: number, noticeAt: { ms: number }): TargetScript {
  let first = true;
  return {
    onPdu(p, c) {
      if (p.type !== 'scsi-command') return;
      if (first) {
        first = false;
        noticeAt.ms = performance.now();
        c.send({
          type: 'async-message',
          lun: lun0,
          ...c.sn(),
          asyncEvent: 2,
          asyncVCode: 0,
          parameter1: 0,
          parameter2: seconds,
          parameter3: 0,
          data: new Uint8Array(0),
        });
      }
      c.send(
        scsiResponsePdu({
          initiatorTaskTag: p.initiatorTaskTag,
          status: 0,
          ...c.sn(),
          data: new Uint8Array(0),
        }),
      );
      c.statSn++;
    },
  };
}

describe('Time2Wait of a connection drop notice (Async event 2)', () => {
  it('Parameter2 = 1: the next login waits a second after the notice, then the command runs', async () => {
    const noticeAt = { ms: 0 };
    const { target, t } = await setup(dropNotice(1, noticeAt));
    assert.equal((await t.execute(tur())).status, 0);
    assert.equal((await t.execute(tur())).status, 0);
    const elapsed = performance.now() - noticeAt.ms;
    assert.equal(target.logins, 2);
    assert.equal(t.stats.logins, 2);
    assert.ok(elapsed >= 1000, `logged in again ${elapsed.toFixed(0)} ms after the notice`);
  });

  it('Parameter2 = 3600: waited only up to the login timeout (1.5 s), never an hour', async () => {
    const noticeAt = { ms: 0 };
    const { t } = await setup(dropNotice(3600, noticeAt), 1500);
    assert.equal((await t.execute(tur())).status, 0);
    assert.equal((await t.execute(tur())).status, 0);
    const elapsed = performance.now() - noticeAt.ms;
    assert.equal(t.stats.logins, 2);
    assert.ok(elapsed >= 1500, `logged in again after ${elapsed.toFixed(0)} ms`);
    // The bound a hang would pass: the cap plus the login itself.
    assert.ok(elapsed < 1500 + 2 * 1500, `logged in again after ${elapsed.toFixed(0)} ms`);
  });
});
