// CUE sheets whose pregaps are not the plain case, read into RawCDImageCreator images and compared
// byte for byte: INDEX 00 in the FILE before INDEX 01's (a ripper that cut its files at each
// INDEX 01) against the same album as one BIN — and, with bchunk, that splitting that one BIN by
// its sheet gives exactly those two files; a first pregap over 2 s from the file (INDEX 01 past
// 00:02:00) and generated (PREGAP on track 1): track 1's index 1 moves past LBA 0, its pause (P
// set, Q index 0 counting down) runs on from −150.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cueImageCreator } from '../../src/format/index.js';
import { decodeQ, unpackRawPW } from '../../src/scsi/cd/index.js';
import { imageBytes } from '../helpers/raw-image.js';

const bchunk = spawnSync('sh', ['-c', 'command -v bchunk']).status === 0;

const pcm = (sectors: number, seed: number) =>
  Uint8Array.from({ length: sectors * 2352 }, (_, i) => (i * seed + (i >> 10)) & 0xff);

/** The whole image from −150 as one buffer of 2,448-byte sectors. */
async function imageOf(sheet: string) {
  const { creator } = await cueImageCreator(sheet);
  const bytes = await imageBytes(creator.createResultImage());
  const sector = (lba: number) => bytes.subarray((lba + 150) * 2448, (lba + 151) * 2448);
  return { creator, bytes, main: (lba: number) => sector(lba).subarray(0, 2352), sector };
}

describe('CUE pregaps', () => {
  let dir = '';
  const a = pcm(500, 3); // track 1 (400 sectors), then track 2's pregap (100)
  const b = pcm(350, 7); // track 2 from its index 1
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-cue-pregaps-'));
    await writeFile(join(dir, 'a.bin'), a);
    await writeFile(join(dir, 'b.bin'), b);
    await writeFile(join(dir, 'one.bin'), Buffer.concat([a, b]));
    // Track 2's INDEX 00 at 400 sectors (00:05:25) of a.bin; its INDEX 01 at the start of b.bin.
    await writeFile(
      join(dir, 'split.cue'),
      'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n' +
        '    INDEX 00 00:05:25\nFILE "b.bin" BINARY\n    INDEX 01 00:00:00\n',
    );
    await writeFile(
      join(dir, 'one.cue'),
      'FILE "one.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n' +
        '    INDEX 00 00:05:25\n    INDEX 01 00:06:50\n',
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('INDEX 00 in the FILE before INDEX 01: the image equals the one-BIN album', async () => {
    const split = await imageOf(join(dir, 'split.cue'));
    const one = await imageOf(join(dir, 'one.cue'));
    assert.deepEqual(
      split.creator.expectedTableOfContents.descriptors.map((d) => d.trackStartAddress),
      [0, 500, 850],
    );
    assert.ok(Buffer.from(split.bytes).equals(Buffer.from(one.bytes)));
    // The pregap is a.bin's tail, index 0 of track 2; index 1 is b.bin's first sector.
    assert.deepEqual(split.main(400), a.subarray(400 * 2352, 401 * 2352));
    assert.deepEqual(split.main(500), b.subarray(0, 2352));
    const q = decodeQ(unpackRawPW(split.sector(450).subarray(2352))[1]!);
    assert.deepEqual([q.fields[0], q.fields[1]], [2, 0], 'track 2, index 0');
  });

  it(
    "bchunk's split of the one-BIN sheet is the two files' tracks",
    { skip: !bchunk },
    async () => {
      await new Promise<void>((resolve, reject) => {
        execFile(
          'bchunk',
          ['-w', join(dir, 'one.bin'), join(dir, 'one.cue'), join(dir, 'part')],
          { timeout: 60_000 },
          (e) => (e === null ? resolve() : reject(new Error(`bchunk failed: ${e.message}`))),
        );
      });
      // bchunk ends a track at the next one's first INDEX and starts it at its last: its files are
      // track 1 up to track 2's INDEX 00 (a.bin without the pregap) and b.bin.
      const one = (await readFile(join(dir, 'part01.wav'))).subarray(44);
      const two = (await readFile(join(dir, 'part02.wav'))).subarray(44);
      assert.ok(one.equals(a.subarray(0, 400 * 2352)));
      assert.ok(two.equals(b));
    },
  );

  it('a first pregap over 2 s from the file: index 1 past LBA 0, the pause from −150', async () => {
    const sheet = join(dir, 'htoa.cue');
    await writeFile(
      sheet,
      'FILE "one.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 00 00:00:00\n    INDEX 01 00:05:00\n',
    );
    const img = await imageOf(sheet);
    const toc = img.creator.expectedTableOfContents.descriptors;
    assert.deepEqual(
      toc.map((d) => d.trackStartAddress),
      [225, 850 - 150],
    );
    // LBA −150 is one.bin's first sector; LBA 224 its 375th, still track 1's pause.
    const all = Buffer.concat([a, b]);
    assert.deepEqual(img.main(-150), new Uint8Array(all.subarray(0, 2352)));
    assert.deepEqual(img.main(224), new Uint8Array(all.subarray(374 * 2352, 375 * 2352)));
    assert.deepEqual(img.main(225), new Uint8Array(all.subarray(375 * 2352, 376 * 2352)));
    for (const [lba, index, relative] of [
      [-150, 0, 374],
      [0, 0, 224],
      [224, 0, 0],
      [225, 1, 0],
    ] as const) {
      const sub = img.sector(lba).subarray(2352);
      const q = decodeQ(unpackRawPW(sub)[1]!);
      assert.equal(q.fields[1], index, `index at ${lba}`);
      const rel = (q.fields[2] ?? 0) * 4500 + (q.fields[3] ?? 0) * 75 + (q.fields[4] ?? 0);
      assert.equal(rel, relative, `relative time at ${lba}`);
      assert.equal((sub[0]! & 0x80) !== 0, index === 0, `P at ${lba}`);
    }
  });

  it('PREGAP on track 1 over 2 s: generated silence, index 1 past LBA 0', async () => {
    const sheet = join(dir, 'pregap.cue');
    await writeFile(
      sheet,
      'FILE "b.bin" BINARY\n  TRACK 01 AUDIO\n    PREGAP 00:03:00\n    INDEX 01 00:00:00\n',
    );
    const img = await imageOf(sheet);
    assert.equal(img.creator.expectedTableOfContents.descriptors[0]!.trackStartAddress, 75);
    assert.deepEqual(img.main(74), new Uint8Array(2352));
    assert.deepEqual(img.main(75), b.subarray(0, 2352));
  });
});
