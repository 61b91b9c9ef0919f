// libiscsi's command-line tools (Debian libiscsi-bin) against discwright's iSCSI target, as a
// second, independent initiator: iscsi-ls -s finds the target through a discovery session and
// lists every LUN as MMC, iscsi-inq reads the standard INQUIRY, and iscsi-readcapacity16 is
// refused the way tgt's MMC LUN refuses it (READ CAPACITY(16) is not an MMC command). Skipped
// with one line when the tools are not installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { openVirtualDrive, type VirtualDrive } from '../../../src/transport/emulated/index.js';
import { IscsiTarget } from '../../../src/transport/iscsi/target/index.js';

const IQN = 'iqn.2026-01.dev.discwright:libiscsi';
const present =
  spawnSync('sh', [
    '-c',
    'command -v iscsi-inq && command -v iscsi-ls && command -v iscsi-readcapacity16',
  ]).status === 0;

function tool(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(args[0]!, args.slice(1), { timeout: 20_000 }, (e, stdout, stderr) =>
      resolve({ code: e === null ? 0 : Number(e.code ?? 1), out: `${stdout}${stderr}` }),
    );
  });
}

if (!present) {
  describe('iSCSI target: libiscsi tools', () => {
    it('skipped', (t) => t.skip('libiscsi-bin (iscsi-inq, iscsi-ls) is not installed'));
  });
} else {
  describe('iSCSI target: libiscsi tools', () => {
    const drives: VirtualDrive[] = [];
    let target: IscsiTarget;
    before(async () => {
      drives.push(await openVirtualDrive('virtual:dvd+r'), await openVirtualDrive('virtual:bd-re'));
      target = new IscsiTarget({ luns: drives, targetName: IQN, port: 0 });
      await target.listen();
    });
    after(async () => {
      await target.close();
      for (const d of drives) await d.close();
    });

    it('iscsi-ls -s discovers the target and lists both LUNs as MMC', async () => {
      const r = await tool(['iscsi-ls', '-s', `iscsi://${target.portal}`]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`Target:${IQN} Portal:${target.portal},1`));
      assert.match(r.out, /Lun:0\s+Type:MMC/);
      assert.match(r.out, /Lun:1\s+Type:MMC/);
    });

    it('iscsi-inq reads the standard INQUIRY of each LUN', async () => {
      const r0 = await tool(['iscsi-inq', `iscsi://${target.portal}/${IQN}/0`]);
      assert.equal(r0.code, 0, r0.out);
      assert.match(r0.out, /Peripheral Device Type:MMC/);
      assert.match(r0.out, /Removable:1/);
      assert.match(r0.out, /Product:VIRTUAL DVD\+R/);
      const r1 = await tool(['iscsi-inq', `iscsi://${target.portal}/${IQN}/1`]);
      assert.equal(r1.code, 0, r1.out);
      assert.match(r1.out, /Product:VIRTUAL BD-RE/);
    });

    it('iscsi-readcapacity16 gets a SCSI answer (refused, as from tgt), not a dropped session', async () => {
      const r = await tool(['iscsi-readcapacity16', `iscsi://${target.portal}/${IQN}/0`]);
      assert.match(r.out, /failed to send readcapacity command/);
      // The target still serves afterwards.
      const again = await tool(['iscsi-inq', `iscsi://${target.portal}/${IQN}/0`]);
      assert.equal(again.code, 0, again.out);
    });
  });
}
