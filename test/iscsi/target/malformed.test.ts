// The iSCSI target against initiators that misbehave: garbage instead of a Login Request, a
// header announcing more data than the login's 8192-byte limit, a Login Request with a wrong
// target name. Each time that connection is closed (or the login refused) and the target goes
// on serving a good session, which discwright's own initiator opens alongside.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openIscsiTransport } from '../../../src/transport/iscsi/index.js';
import { inquiry, decodeInquiryData } from '../../../src/scsi/spc/inquiry.js';
import { wireBytes } from '../../helpers/iscsi-pdus.js';
import { servedDvdR } from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:malformed';

/** Opens a raw connection, sends `bytes`, and resolves with what came back once it closes. */
function sendRaw(port: number, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const got: Buffer[] = [];
    s.on('data', (b: Buffer) => got.push(b));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got)));
    s.setTimeout(5000, () => {
      s.destroy();
      reject(new Error('the target kept a malformed connection open'));
    });
  });
}

describe('iSCSI target: malformed PDUs', () => {
  const target = servedDvdR(IQN);
  const { events } = target;

  const goodSession = async () => {
    const t = await openIscsiTransport(`iscsi://127.0.0.1:${target.port}/${IQN}/0`);
    try {
      const r = await t.execute(inquiry());
      assert.equal(r.status, 0);
      assert.equal(decodeInquiryData(r.dataIn).peripheralDeviceType, 0x05);
    } finally {
      await t.close();
    }
  };

  it('closes a connection that sends garbage, and serves a good session afterwards', async () => {
    const garbage = new Uint8Array(96).fill(0xa5);
    const answer = await sendRaw(target.port, garbage);
    assert.equal(answer.length, 0);
    await goodSession();
  });

  it('closes a connection whose header announces more than 8192 data bytes during login', async () => {
    const bhs = new Uint8Array(48);
    bhs[0] = 0x43; // Login Request, I
    bhs[5] = 0x01; // DataSegmentLength 65536: refused before any data byte is buffered
    const answer = await sendRaw(target.port, bhs);
    assert.equal(answer.length, 0);
    assert.ok(events.some((e) => e.kind === 'closed' && /DataSegmentLength 65536/.test(e.reason)));
    await goodSession();
  });

  it('refuses a login to another target name with 0203h and closes', async () => {
    const login = wireBytes({
      type: 'login-request',
      transit: true,
      continue: false,
      csg: 0,
      nsg: 1,
      versionMax: 0,
      versionMin: 0,
      isid: new Uint8Array([0x80, 0, 0, 0, 0, 1]),
      tsih: new Uint8Array(2),
      initiatorTaskTag: 1,
      cid: 0,
      cmdSn: 1,
      expStatSn: 0,
      data: new TextEncoder().encode(
        'InitiatorName=iqn.2026-01.test:i\0TargetName=iqn.2026-01.test:nobody\0AuthMethod=None\0',
      ),
    });
    const answer = await sendRaw(target.port, login);
    assert.equal(answer.length, 48);
    assert.equal(answer[0]! & 0x3f, 0x23); // Login Response
    assert.equal(answer[36], 0x02); // Status-Class: initiator error
    assert.equal(answer[37], 0x03); // Status-Detail: target not found
    await goodSession();
  });

  it('keeps a good session working while a garbage connection is closed beside it', async () => {
    const t = await openIscsiTransport(`iscsi://127.0.0.1:${target.port}/${IQN}/0`);
    try {
      assert.equal((await t.execute(inquiry())).status, 0);
      await sendRaw(target.port, new Uint8Array(200).fill(0xff));
      assert.equal((await t.execute(inquiry())).status, 0);
    } finally {
      await t.close();
    }
    assert.ok(events.some((e) => e.kind === 'login'));
    assert.ok(events.some((e) => e.kind === 'logout'));
  });
});
