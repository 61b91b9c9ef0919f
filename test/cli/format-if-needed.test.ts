// `discwright burn --format-if-needed` (docs/burning.md, "Formatting in a burn"), spawned as a
// user runs it over image-backed virtual drives: unformatted BD-RE is formatted only with the
// flag and refused without it (exit 1, nothing sent after the refusal is recorded); a blank
// DVD+RW is formatted either way; the flag changes nothing on media that need no format; a
// malformed flag is a usage error (exit 2).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { jsonLines, run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { isoImage } from '../helpers/iso.js';

const { imagePath: image, filePath } = scratchImages('discwright-format-if-needed-');

async function isoFile(): Promise<{ path: string; bytes: Uint8Array }> {
  const { bytes } = await isoImage();
  const path = filePath('test.iso');
  await writeFile(path, bytes);
  return { path, bytes };
}

function phases(stdout: Buffer): unknown[] {
  return jsonLines(stdout)
    .filter((l) => l.event === 'update')
    .map((l) => l.phase);
}

describe('discwright burn --format-if-needed', () => {
  it('refuses an unformatted BD-RE without the flag, then formats it with the flag', async () => {
    const iso = await isoFile();
    const img = image();
    const address = `virtual:bd-re?image=${img}`;
    const refused = await run(['burn', address, iso.path, '--json', '--trace']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED/);
    assert.match(refused.stderr, /--format-if-needed/);
    assert.match(refused.stderr, /discwright format/);
    assert.doesNotMatch(
      refused.stderr,
      /FORMAT UNIT|WRITE\(10\)/,
      'the refusal sent a format or write',
    );
    assert.ok(!phases(refused.stdout).includes('formatting'));
    const result = jsonLines(refused.stdout).at(-1)!;
    const discNow = result.discNow as { mediaState: string[] };
    assert.deepEqual(discNow.mediaState, ['overwrite-only', 'blank']);

    const burned = await run(['burn', address, iso.path, '--json', '--format-if-needed']);
    assert.equal(burned.code, 0, burned.stderr);
    assert.ok(phases(burned.stdout).includes('formatting'));
    const r = jsonLines(burned.stdout).at(-1)!;
    assert.equal(r.formatted, true);
    assert.deepEqual(r.mediaState, ['overwrite-only']);
    const disc = await readFile(img);
    assert.ok(disc.subarray(0, iso.bytes.length).equals(Buffer.from(iso.bytes)));
  });

  it('formats nothing on a formatted BD-RE or a CD-R when the flag is given', async () => {
    const iso = await isoFile();
    for (const address of [
      `virtual:bd-re?image=${image()}&formatted=on`,
      `virtual:cd-r?image=${image()}`,
    ]) {
      const r = await run(['burn', address, iso.path, '--json', '--format-if-needed', '--trace']);
      assert.equal(r.code, 0, `${address}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /FORMAT UNIT/, address);
      assert.ok(!phases(r.stdout).includes('formatting'), address);
      assert.equal(jsonLines(r.stdout).at(-1)!.formatted, false, address);
    }
  });

  it('formats a blank DVD+RW with or without the flag, as IMAPI2 and other burners do', async () => {
    const iso = await isoFile();
    for (const flag of [[], ['--format-if-needed']]) {
      const img = image();
      const r = await run(['burn', `virtual:dvd+rw?image=${img}`, iso.path, '--json', ...flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(phases(r.stdout).includes('formatting'), flag.join(' '));
      assert.equal(jsonLines(r.stdout).at(-1)!.formatted, true);
      const disc = await readFile(img);
      assert.ok(disc.subarray(0, iso.bytes.length).equals(Buffer.from(iso.bytes)));
    }
  });

  it('a value given to the flag is a usage error (exit 2), before any drive is opened', async () => {
    const iso = await isoFile();
    const img = image();
    const r = await run(['burn', `virtual:bd-re?image=${img}`, iso.path, '--format-if-needed=yes']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /format-if-needed/);
    await assert.rejects(stat(img), 'the drive was opened');
  });
});
