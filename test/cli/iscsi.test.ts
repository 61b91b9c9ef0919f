// The built discwright command against Debian tgt's emulated DVD+R over iSCSI: `info`,
// `write-section` and `read` with an iscsi:// address, checked against tgt's backing files.
// Skipped with a message when tgt is not installed (fails instead under CI=true).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/cli.js';
import { Tgt, tgtAvailability, TGT_IQN } from '../helpers/tgt.js';

const availability = tgtAvailability();
const skip = availability.run ? false : availability.message;

describe('discwright command over iSCSI (tgt)', { skip }, () => {
  let tgt: Tgt;
  let dir: string;
  // Target 2 starts as a finalized disc: tgt treats a non-empty backing file as a DVD-ROM.
  const recorded = randomBytes(64 * 2048);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'discwright-cli-iscsi-'));
    tgt = await Tgt.start();
    await tgt.addDvdTarget(1, TGT_IQN, { writeCache: true });
    writeFileSync(join(tgt.dir, 'dvdr-2.img'), recorded);
    await tgt.addDvdTarget(2, `${TGT_IQN}-rom`, { keepImage: true });
  });

  after(async () => {
    await tgt?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('info shows the drive and the blank DVD+R', async () => {
    const r = await run(['info', tgt.url(1), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout.toString('utf8')) as {
      vendorId: string;
      productId: string;
      profiles: { code: number; current: boolean }[];
    };
    assert.equal(info.vendorId, 'TGTTEST');
    assert.equal(info.productId, 'DVDR-EMU');
    assert.deepEqual(
      info.profiles.filter((p) => p.current).map((p) => p.code),
      [0x1b],
    );
  });

  it('write-section writes the source byte for byte into the target', async () => {
    const source = randomBytes(512 * 2048);
    const file = join(dir, 'source.bin');
    await writeFile(file, source);
    const r = await run(['write-section', tgt.url(1), file, '--lba', '0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.toString('utf8').trim().split('\n');
    const result = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    assert.equal(result.result, 'ok');
    assert.equal(result.lastWrittenLba, 511);
    const backing = readFileSync(tgt.targets.get(1)!.image);
    assert.ok(backing.subarray(0, source.length).equals(source));
  });

  it('read returns the recorded blocks', async () => {
    const out = join(dir, 'read.bin');
    const r = await run(['read', tgt.url(2), '--lba', '8', '--blocks', '32', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await readFile(out)).equals(recorded.subarray(8 * 2048, 40 * 2048)));
  });

  it('devices --iscsi lists the portal’s targets as addresses the other commands take', async () => {
    const r = await run(['devices', '--iscsi', `127.0.0.1:${tgt.port}`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout.toString('utf8')) as { iscsi: { address: string }[] };
    const addresses = list.iscsi.map((e) => e.address).sort();
    assert.deepEqual(addresses, [tgt.url(1), tgt.url(2)].sort());
  });

  it('a write the drive refuses reports the mapped HRESULT, tgt’s sense and the LBA', async () => {
    // Target 2 holds a closed disc (tgt's DVD-ROM): WRITE is refused with 05/30/05.
    const file = join(dir, 'small.bin');
    await writeFile(file, randomBytes(16 * 2048));
    const r = await run(['write-section', tgt.url(2), file, '--lba', '64', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const result = JSON.parse(r.stdout.toString('utf8').trim().split('\n').at(-1)!) as {
      result: string;
      hresult: string;
      code: string;
      lba: number;
      sense: { key: number; asc: number; ascq: number };
      lastWrittenLba: number;
    };
    assert.equal(result.result, 'error');
    assert.equal(result.hresult, '0xC0AA0203');
    assert.equal(result.code, 'E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE');
    assert.deepEqual([result.sense.key, result.sense.asc, result.sense.ascq], [5, 0x30, 5]);
    assert.equal(result.lba, 64);
    assert.equal(result.lastWrittenLba, 63, 'nothing was written');
  });

  it('a refused read reports the mapped HRESULT and tgt’s sense', async () => {
    // tgt refuses READ on a DVD+R that is not closed: 05/21/00 → ERROR_INVALID_ADDRESS.
    const r = await run(['read', tgt.url(1), '--lba', '0', '--blocks', '1', '-o', join(dir, 'x')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /0x800701E7/);
    assert.match(r.stderr, /05\/21\/00/);
  });
});
