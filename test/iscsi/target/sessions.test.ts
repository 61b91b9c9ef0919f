// Several sessions on the iSCSI target: two initiators work on one LUN at once (their commands
// serialised on the drive), and with maxSessions 1 a second login is refused with "out of
// resources" (0302h) until the first session logs out.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openIscsiTransport } from '../../../src/transport/iscsi/index.js';
import { IscsiTarget } from '../../../src/transport/iscsi/target/index.js';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { inquiry } from '../../../src/scsi/spc/inquiry.js';
import { testUnitReady } from '../../../src/scsi/spc/test-unit-ready.js';

const IQN = 'iqn.2026-01.dev.discwright:sessions';

async function withTarget(
  maxSessions: number | undefined,
  body: (url: string) => Promise<void>,
): Promise<void> {
  const drive = await openVirtualDrive('virtual:dvd-ram');
  const target = new IscsiTarget({
    luns: [drive],
    targetName: IQN,
    port: 0,
    ...(maxSessions === undefined ? {} : { maxSessions }),
  });
  await target.listen();
  try {
    await body(`iscsi://127.0.0.1:${target.port}/${IQN}/0`);
  } finally {
    await target.close();
    await drive.close();
  }
}

describe('iSCSI target: sessions', () => {
  it('serves two sessions on one LUN at once', async () => {
    await withTarget(undefined, async (url) => {
      const a = await openIscsiTransport(url, { autoReconnect: false });
      const b = await openIscsiTransport(url, { autoReconnect: false });
      try {
        // Each transport runs one command at a time (its contract); the two run side by side.
        const loop = async (t: typeof a, command: () => ReturnType<typeof inquiry>) => {
          const statuses: number[] = [];
          for (let i = 0; i < 8; i++) statuses.push((await t.execute(command())).status);
          return statuses;
        };
        const [fromA, fromB] = await Promise.all([loop(a, inquiry), loop(b, testUnitReady)]);
        assert.deepEqual(fromA, new Array<number>(8).fill(0));
        // TEST UNIT READY answers GOOD or a unit attention, never a transport failure.
        for (const s of fromB) assert.ok(s === 0 || s === 2);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  it('refuses a login beyond maxSessions with 0302h until a session logs out', async () => {
    await withTarget(1, async (url) => {
      const a = await openIscsiTransport(url, { autoReconnect: false });
      await assert.rejects(openIscsiTransport(url, { autoReconnect: false }), /out of resources/);
      await a.close();
      const b = await openIscsiTransport(url, { autoReconnect: false });
      assert.equal((await b.execute(inquiry())).status, 0);
      await b.close();
    });
  });
});
