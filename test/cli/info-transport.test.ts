// The command line against a fake iSCSI target over the virtual drive that fails one command
// (issue 16): `info` whose READ DISC INFORMATION is lost to the transport marks its output
// partial and exits 1 (with every command answered, 0); `read` whose second READ(10) comes back
// half (a consistent residual) exits 1 with only the whole first chunk in the file, never a
// truncated or shifted file with exit 0.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import { dataIn, driveBacked, FakeTarget, type DriveHooks } from '../helpers/fake-iscsi-target.js';
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

describe('discwright read over a target that returns a short chunk', () => {
  it('exits 1 and keeps only the whole chunks before it: no zeros, no shift', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'discwright-short-read-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const url = await targetUrl({
      // READ(10): block k holds k & 0xff in every byte; the chunk at LBA 4096 comes back half.
      onCommand(p, c) {
        if (p.cdb[0] !== 0x28) return false;
        const lba = (p.cdb[2]! << 24) | (p.cdb[3]! << 16) | (p.cdb[4]! << 8) | p.cdb[5]!;
        const blocks = (p.cdb[7]! << 8) | p.cdb[8]!;
        const give = lba === 4096 ? blocks / 2 : blocks;
        const data = new Uint8Array(give * 2048);
        for (let k = 0; k < give; k++) data.fill((lba + k) & 0xff, k * 2048, (k + 1) * 2048);
        for (let at = 0, sn = 0; at < data.length; at += 65536, sn++) {
          const last = at + 65536 >= data.length;
          dataIn(c, p, {
            dataSn: sn,
            bufferOffset: at,
            data: data.subarray(at, at + 65536),
            ...(last
              ? { status: 0, underflow: give < blocks, residualCount: (blocks - give) * 2048 }
              : {}),
          });
        }
        return true;
      },
    });
    const out = join(dir, 'out.bin');
    const r = await run(['read', url, '--lba', '0', '--blocks', '8192', '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /0xC0AA02FF/i);
    assert.match(r.stderr, /4096 of 8192 blocks were read/);
    const file = await readFile(out);
    assert.equal(file.length, 4096 * 2048);
    for (let k = 0; k < 4096; k += 255) assert.equal(file[k * 2048 + 5], k & 0xff);
  });
});
