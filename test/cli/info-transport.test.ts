// `discwright info` when some of its commands fail in transport (issue 16, point 9): against a
// fake iSCSI target over the virtual drive that drops the connection at READ DISC INFORMATION,
// the output is marked partial and the exit status is 1; with every command answered, 0.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import { driveBacked, FakeTarget, type DriveHooks } from '../helpers/fake-iscsi-target.js';
import { run } from '../helpers/cli.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanups) await f().catch(() => undefined);
});

async function targetUrl(hooks: DriveHooks): Promise<string> {
  const drive: VirtualDrive = await openVirtualDrive('virtual:dvd+r');
  const target = new FakeTarget({ onPdu: driveBacked(drive, hooks) });
  const port = await target.listen();
  cleanups.push(
    () => target.close(),
    () => drive.close(),
  );
  return target.url(port);
}

describe('discwright info over a connection that fails', () => {
  it('exits 0 when every command was answered', async () => {
    const r = await run(['info', await targetUrl({})]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /status: +blank/);
  });

  it('marks the output partial and exits 1 when a command failed in transport', async () => {
    const url = await targetUrl({
      // READ DISC INFORMATION: the connection drops instead of an answer.
      onCommand: (p, c) => p.cdb[0] === 0x51 && (c.destroy(), true),
    });
    const r = await run(['info', url]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /info is partial: media could not be read/);
    assert.match(r.stderr, /0x80070037/);
    assert.match(r.stdout.toString(), /status: +unavailable/);
  });
});
