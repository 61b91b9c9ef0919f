// The iSCSI target shutting down (Ctrl-C in `discwright serve`): each logged-in initiator gets
// an Async Message asking it to log out; discwright's initiator does, and the target records the
// logout before the connection closes; a connection still in login is simply closed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openIscsiTransport } from '../../../src/transport/iscsi/index.js';
import { IscsiTarget, type ConnectionEvent } from '../../../src/transport/iscsi/target/index.js';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { inquiry } from '../../../src/scsi/spc/inquiry.js';

const IQN = 'iqn.2026-01.dev.discwright:shutdown';

describe('iSCSI target: shutting down', () => {
  it('asks a logged-in initiator to log out, which it does, before closing', async () => {
    const drive = await openVirtualDrive('virtual:bd-r');
    const events: ConnectionEvent[] = [];
    const target = new IscsiTarget({
      luns: [drive],
      targetName: IQN,
      port: 0,
      onEvent: (e) => events.push(e),
    });
    await target.listen();
    const t = await openIscsiTransport(`iscsi://127.0.0.1:${target.port}/${IQN}/0`, {
      autoReconnect: false,
    });
    // A connection that never logs in is closed without being asked.
    const idle = net.connect(target.port, '127.0.0.1');
    idle.on('error', () => undefined);
    await new Promise((resolve) => idle.on('connect', resolve));
    const idleClosed = new Promise((resolve) => idle.on('close', resolve));
    try {
      assert.equal((await t.execute(inquiry())).status, 0);
      await target.close(10_000);
      await idleClosed;
      const kinds = events.map((e) => e.kind);
      const logout = kinds.indexOf('logout');
      assert.ok(logout >= 0, JSON.stringify(events));
      assert.ok(
        events.slice(logout).some((e) => e.kind === 'closed' && e.reason === 'logged out'),
        JSON.stringify(events),
      );
    } finally {
      await t.close();
      await drive.close();
    }
  });
});
