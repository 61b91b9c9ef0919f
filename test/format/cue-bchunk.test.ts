// A second reading of the same CUE sheet: Debian's bchunk (binchunker) splits a BIN by its CUE
// sheet into an ISO of the Mode 1 track's user data and WAVE files of the audio tracks. Each of
// its files must equal what discwright's image holds for that track (the user bytes of the raw
// Mode 1 sectors, the audio sectors from index 1 to the next track's pregap): an independent
// check of where the INDEX points put each track. No INDEX 02: bchunk starts a track at its last
// INDEX line. Skipped with one line without bchunk.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cueImageCreator } from '../../src/format/index.js';
import { imageBytes } from '../helpers/raw-image.js';

const present = spawnSync('sh', ['-c', 'command -v bchunk']).status === 0;

const SHEET = `FILE "disc.bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    INDEX 00 00:04:00
    INDEX 01 00:06:00
  TRACK 03 AUDIO
    INDEX 00 00:10:00
    INDEX 01 00:10:10
  TRACK 04 AUDIO
    INDEX 01 00:16:00
`;

if (!present) {
  describe('CUE/BIN against bchunk', () => {
    it('skipped', (t) => t.skip('bchunk is not installed'));
  });
} else {
  describe('CUE/BIN against bchunk', () => {
    let dir = '';
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dw-bchunk-'));
      const bin = Uint8Array.from({ length: 1600 * 2352 }, (_, i) => (i * 31 + (i >> 9)) & 0xff);
      await writeFile(join(dir, 'disc.bin'), bin);
      await writeFile(join(dir, 'disc.cue'), SHEET);
      await new Promise<void>((resolve, reject) => {
        execFile(
          'bchunk',
          ['-w', join(dir, 'disc.bin'), join(dir, 'disc.cue'), join(dir, 'split')],
          { timeout: 60_000 },
          (e) => (e === null ? resolve() : reject(new Error(`bchunk failed: ${e.message}`))),
        );
      });
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it("bchunk's track files equal the image's tracks", async () => {
      const { creator } = await cueImageCreator(join(dir, 'disc.cue'));
      const bytes = await imageBytes(creator.createResultImage());
      const mainOf = (lba: number) => bytes.subarray((lba + 150) * 2448, (lba + 150) * 2448 + 2352);
      const track = (n: number) => creator.trackInfo(n);

      const iso = await readFile(join(dir, 'split01.iso'));
      const t1 = track(1);
      assert.equal(iso.length, t1.sectorCount * 2048);
      for (let s = 0; s < t1.sectorCount; s++) {
        assert.deepEqual(
          mainOf(t1.startingLba + s).subarray(16, 2064),
          new Uint8Array(iso.buffer, iso.byteOffset + s * 2048, 2048),
          `track 1 sector ${s}`,
        );
      }
      for (const n of [2, 3, 4]) {
        const wav = await readFile(join(dir, `split0${n}.wav`));
        const pcm = wav.subarray(44); // bchunk writes a 44-byte canonical header
        const t = track(n);
        assert.equal(pcm.length, t.sectorCount * 2352, `track ${n} length`);
        const ours = new Uint8Array(t.sectorCount * 2352);
        for (let s = 0; s < t.sectorCount; s++) ours.set(mainOf(t.startingLba + s), s * 2352);
        assert.ok(Buffer.from(ours).equals(pcm), `track ${n} audio`);
      }
    });
  });
}
