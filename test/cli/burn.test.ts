// `discwright burn`, spawned as a user runs it, over image-backed virtual drives: the phases and
// the summary read from the drive, the JSON stream, multisession, refusals and usage errors.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { jsonLines, run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { isoImage } from '../helpers/iso.js';

const { imagePath: image, filePath } = scratchImages('discwright-burn-');

async function isoFile(): Promise<{ path: string; bytes: Uint8Array }> {
  const { bytes } = await isoImage();
  const path = filePath('test.iso');
  await writeFile(path, bytes);
  return { path, bytes };
}

describe('discwright burn', () => {
  it('burns an ISO to a DVD+R with FULL verification, showing the phases, and finalizes', async () => {
    const iso = await isoFile();
    const img = image();
    const r = await run(['burn', `virtual:dvd+r?image=${img}`, iso.path, '--verify', 'full']);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    for (const phase of ['validating', 'initializing', 'writing', 'finalizing', 'verifying']) {
      assert.match(text, new RegExp(`^${phase}…$`, 'm'));
    }
    assert.match(text, /verified 100% \(331 blocks\)|verified 100% \(\d+ blocks\)/);
    assert.match(text, /closing: finalize-compatible; verification: full/);
    assert.match(text, /disc now: finalized; next writable address \d+, 0 sectors free/);
    const disc = await readFile(img);
    assert.ok(
      disc.subarray(0, iso.bytes.length).equals(iso.bytes),
      'the image differs from the ISO',
    );

    const again = await run(['burn', `virtual:dvd+r?image=${img}`, iso.path]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /E_IMAPI_DF2DATA_MEDIA_NOT_BLANK/);
    assert.match(again.stderr, /disc now: finalized/);
  });

  it('--json prints updates with their phase and a result; --multisession appends on CD-R', async () => {
    const iso = await isoFile();
    const img = image();
    const address = `virtual:cd-r?image=${img}`;
    const first = await run(['burn', address, iso.path, '--json', '--multisession']);
    assert.equal(first.code, 0, first.stderr);
    const lines = jsonLines(first.stdout);
    const phases = [...new Set(lines.filter((l) => l.event === 'update').map((l) => l.phase))];
    assert.deepEqual(phases, [
      'validating',
      'initializing',
      'writing',
      'finalizing',
      'verifying',
      'completed',
    ]);
    const result = lines.at(-1)!;
    assert.equal(result.result, 'ok');
    assert.equal(result.startLba, 0);
    assert.equal(result.closing, 'session');
    assert.deepEqual(result.mediaState, ['appendable']);

    const second = await run([
      'burn',
      address,
      iso.path,
      '--json',
      '--speed',
      '8x',
      '--eject',
      '--trace',
    ]);
    assert.match(second.stderr, /START STOP UNIT/, 'no eject was sent');
    assert.equal(second.code, 0, second.stderr);
    const r2 = jsonLines(second.stdout).at(-1)!;
    assert.ok((r2.startLba as number) > 331, 'the second session starts after the first');
    // 8x CD is 600 sectors/s; the drive reports it in whole kB/s (8 × 176), read back as 599.
    assert.ok(Math.abs((r2.writeSpeedSectorsPerSecond as number) - 600) <= 2);
  });

  it('burns standard input of --size bytes to BD-RE, formatting it first (--format-if-needed)', async () => {
    const { bytes } = await isoImage();
    const img = image();
    const r = await run(
      [
        'burn',
        `virtual:bd-re?image=${img}`,
        '-',
        '--size',
        String(bytes.length),
        '--json',
        '--format-if-needed',
      ],
      bytes,
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.ok(lines.some((l) => l.phase === 'formatting'));
    const result = lines.at(-1)!;
    assert.equal(result.formatted, true);
    assert.equal(result.closing, 'open');
    assert.deepEqual(result.mediaState, ['overwrite-only']);
    const disc = await readFile(img);
    assert.ok(disc.subarray(0, bytes.length).equals(Buffer.from(bytes)));
  });

  it('--also burns one image to several drives; one failing does not stop the others', async () => {
    const iso = await isoFile();
    const [a, b, c] = [image(), image(), image()];
    const r = await run([
      'burn',
      `virtual:dvd+r?image=${a}`,
      iso.path,
      '--also',
      `virtual:bd-r?image=${b}`,
      `virtual:dvd+r?image=${c}&capacity=100`,
      '--verify',
      'full',
      '--json',
    ]);
    assert.equal(r.code, 1, 'one drive failed');
    const results = jsonLines(r.stdout).filter((l) => l.result !== undefined);
    assert.deepEqual(
      results.map((x) => [x.recorder, x.result, x.code]),
      [
        [`virtual:dvd+r?image=${a}`, 'ok', 'S_OK'],
        [`virtual:bd-r?image=${b}`, 'ok', 'S_OK'],
        [
          `virtual:dvd+r?image=${c}&capacity=100`,
          'error',
          'E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA',
        ],
      ],
    );
    for (const img of [a, b]) {
      const disc = await readFile(img);
      assert.ok(disc.subarray(0, iso.bytes.length).equals(iso.bytes), img);
    }
    const updates = jsonLines(r.stdout).filter((l) => l.event === 'update');
    assert.ok(
      updates.some((u) => u.recorder === `virtual:bd-r?image=${b}` && u.phase === 'verifying'),
    );
    const stdin = await run([
      'burn',
      `virtual:dvd+r?image=${a}`,
      '-',
      '--size',
      '2048',
      '--also',
      `virtual:bd-r?image=${b}`,
    ]);
    assert.equal(stdin.code, 2, 'standard input goes to one drive only');
  });

  it('refuses a too large image with exit 1 and sends no WRITE', async () => {
    const iso = await isoFile();
    const r = await run([
      'burn',
      `virtual:dvd+r?image=${image()}&capacity=100`,
      iso.path,
      '--json',
    ]);
    assert.equal(r.code, 1);
    const result = jsonLines(r.stdout).at(-1)!;
    assert.equal(result.code, 'E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA');
  });

  it('exits 2 for contradicting or malformed options, before opening the drive', async () => {
    const iso = await isoFile();
    const img = image();
    const both = await run([
      'burn',
      `virtual:dvd+r?image=${img}`,
      iso.path,
      '--finalize',
      '--multisession',
    ]);
    assert.equal(both.code, 2);
    const verify = await run(['burn', `virtual:dvd+r?image=${img}`, iso.path, '--verify', 'some']);
    assert.equal(verify.code, 2);
    const speed = await run(['burn', `virtual:dvd+r?image=${img}`, iso.path, '--speed', 'fast']);
    assert.equal(speed.code, 2);
    const stdin = await run(['burn', `virtual:dvd+r?image=${img}`, '-']);
    assert.equal(stdin.code, 2);
  });
});
