// `discwright msinfo | blank | format | verify`, spawned as a user runs them, over image-backed
// virtual drives.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { jsonLines, run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { isoImage } from '../helpers/iso.js';

const { imagePath: image, filePath } = scratchImages('discwright-disc-tools-');

async function isoFile(): Promise<string> {
  const path = filePath('test.iso');
  await writeFile(path, (await isoImage()).bytes);
  return path;
}

describe('discwright msinfo, verify, blank, format, close', () => {
  it('close closes what write-section left open, and exits 2 for two kinds at once', async () => {
    const iso = await isoFile();
    const address = `virtual:dvd+r?image=${image()}`;
    assert.equal((await run(['write-section', address, iso, '--lba', '0'])).code, 0);
    const c = await run(['close', address, '--json']);
    assert.equal(c.code, 0, c.stderr);
    const r = jsonLines(c.stdout).at(-1)!;
    assert.deepEqual(r.closeFunctions, [1, 2]);
    assert.deepEqual(r.mediaState, ['appendable']);
    const f = await run(['close', address, '--finalize']);
    assert.match(f.stdout.toString(), /closed \(finalize\): CLOSE TRACK\/SESSION 101b/);
    assert.match(f.stdout.toString(), /disc now: finalized/);
    assert.equal((await run(['close', address, '--track', '--finalize'])).code, 2);
    assert.equal((await run(['close', address])).code, 1, 'nothing left to close');
  });

  it('msinfo prints start,nwa after a first session, which a second burn then starts at', async () => {
    const iso = await isoFile();
    const address = `virtual:cd-rw?image=${image()}`;
    const none = await run(['msinfo', address]);
    assert.equal(none.code, 1, 'a blank disc has no previous session');
    assert.match(none.stderr, /E_IMAPI_DF2DATA_INVALID_MEDIA_STATE/);

    assert.equal((await run(['burn', address, iso, '--multisession'])).code, 0);
    const m = await run(['msinfo', address]);
    assert.equal(m.code, 0, m.stderr);
    const match = /^0,(\d+)\n$/.exec(m.stdout.toString());
    assert.ok(match !== null, m.stdout.toString());
    const nwa = Number(match[1]);

    const second = await run(['burn', address, iso, '--json', '--finalize']);
    assert.equal(jsonLines(second.stdout).at(-1)!.startLba, nwa);
    const ok = await run(['verify', address, iso, '--lba', String(nwa), '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(jsonLines(ok.stdout).at(-1)!.blocks, (await isoImage()).bytes.length / 2048);
    const off = await run(['verify', address, iso, '--lba', String(nwa + 1)]);
    assert.equal(off.code, 1);
    assert.match(off.stderr, /E_IMAPI_BURN_VERIFICATION_FAILED/);

    const blank = await run(['blank', address]);
    assert.equal(blank.code, 0, blank.stderr);
    assert.match(blank.stdout.toString(), /blanked \(minimal\)/);
    const info = await run(['info', address]);
    assert.match(info.stdout.toString(), /status: +blank/);
  });

  it('format formats BD-RE without spares; contradicting options exit 2; DVD+R is refused', async () => {
    const bd = await run(['format', `virtual:bd-re?image=${image()}`, '--spare', 'none', '--json']);
    assert.equal(bd.code, 0, bd.stderr);
    const r = jsonLines(bd.stdout).at(-1)!;
    assert.equal(r.formatType, '0x31');
    assert.equal(r.numberOfBlocks, 12219392);
    const both = await run(['format', `virtual:bd-re?image=${image()}`, '--quick', '--full']);
    assert.equal(both.code, 2);
    const plus = await run(['format', `virtual:dvd+r?image=${image()}`]);
    assert.equal(plus.code, 1);
    assert.match(plus.stderr, /E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE/);
    const cd = await run(['blank', `virtual:cd-r?image=${image()}`]);
    assert.equal(cd.code, 1);
    assert.match(cd.stderr, /E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED/);
  });
});
