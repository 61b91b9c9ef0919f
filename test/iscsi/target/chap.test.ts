// CHAP on the iSCSI target (RFC 7143 §12.1.3, MD5), checked with discwright's own initiator:
// the right secret logs in, a wrong one or none is refused with an authentication failure, and
// mutual CHAP works when the target proves the secret the initiator expects (and fails when it
// does not). Every refused login leaves the target serving.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openIscsiTransport } from '../../../src/transport/iscsi/index.js';
import { IscsiTarget } from '../../../src/transport/iscsi/target/index.js';
import { openVirtualDrive, type VirtualDrive } from '../../../src/transport/emulated/index.js';
import { inquiry } from '../../../src/scsi/spc/inquiry.js';
import { DwError } from '../../../src/errors.js';

const IQN = 'iqn.2026-01.dev.discwright:chap';

describe('iSCSI target: CHAP', () => {
  let drive: VirtualDrive;
  let target: IscsiTarget;
  before(async () => {
    drive = await openVirtualDrive('virtual:dvd+r');
    target = new IscsiTarget({
      luns: [drive],
      targetName: IQN,
      port: 0,
      chap: {
        user: 'burner',
        secret: 'initiator-secret-1',
        mutual: { user: 'the-target', secret: 'target-secret-22' },
      },
    });
    await target.listen();
  });
  after(async () => {
    await target.close();
    await drive.close();
  });

  const url = (auth: string, query = '') =>
    `iscsi://${auth}127.0.0.1:${target.port}/${IQN}/0${query}`;

  const works = async (address: string) => {
    const t = await openIscsiTransport(address, { autoReconnect: false });
    try {
      assert.equal((await t.execute(inquiry())).status, 0);
    } finally {
      await t.close();
    }
  };

  const refused = async (address: string, message: RegExp) => {
    await assert.rejects(openIscsiTransport(address, { autoReconnect: false }), (e: unknown) => {
      assert.ok(e instanceof DwError);
      assert.match(e.message, message);
      return true;
    });
  };

  it('logs in with the right secret (one-way)', async () => {
    await works(url('burner%initiator-secret-1@'));
  });

  it('refuses a wrong secret, a wrong user and no CHAP at all', async () => {
    await refused(url('burner%not-the-secret@'), /authentication failure/);
    await refused(url('someone%initiator-secret-1@'), /authentication failure/);
    await refused(url(''), /authentication failure/);
    await works(url('burner%initiator-secret-1@'));
  });

  it('proves its own secret for mutual CHAP, and fails the initiator check with another', async () => {
    await works(
      url('burner%initiator-secret-1@', '?target_user=the-target&target_password=target-secret-22'),
    );
    await refused(
      url('burner%initiator-secret-1@', '?target_user=the-target&target_password=another-secret-3'),
      /failed mutual CHAP/,
    );
  });
});
