// CUE/BIN into a raw CD image: one hand-written sheet using every keyword discwright reads (REM,
// CATALOG, CDTEXTFILE, TITLE/PERFORMER/SONGWRITER, FILE BINARY/WAVE/MOTOROLA, TRACK of each
// supported type, INDEX 00/01/02, PREGAP, POSTGAP, ISRC, FLAGS), over BIN/WAVE files built here.
// Expected LBAs are worked out by hand from the sheet (the arithmetic is in the comments), and the
// image's sectors are compared with the files' bytes, Q bytes read by their ECMA-130 layout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cueImageCreator,
  type RawCDImage,
  type RawCDImageCreator,
} from '../../src/format/index.js';
import { encodeCdTextPacks, unpackRawPW } from '../../src/scsi/cd/index.js';
import { wavFile } from '../helpers/wav.js';

/** Bytes that differ from sector to sector and from file to file. */
const noise = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 11) * 13 + seed) & 0xff);

const bcd = (n: number) => Math.floor(n / 10) * 16 + (n % 10);

export const FULL_SHEET = `REM GENRE "Test"
REM COMMENT "every keyword"
CATALOG 0123456789012
CDTEXTFILE "disc.cdt"
TITLE "Album"
PERFORMER "Band"
SONGWRITER "Writer"
FILE "data.bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
FILE "audio.bin" BINARY
  TRACK 02 AUDIO
    TITLE "Song two"
    PERFORMER "Singer"
    SONGWRITER "Composer"
    FLAGS DCP PRE
    ISRC USABC1234567
    PREGAP 00:01:00
    INDEX 00 00:00:00
    INDEX 01 00:01:00
    INDEX 02 00:05:00
  track 03 audio
    INDEX 01 00:10:00
    POSTGAP 00:01:00
FILE "song.wav" WAVE
  TRACK 04 AUDIO
    INDEX 01 00:00:00
FILE "moto.bin" MOTOROLA
  TRACK 05 AUDIO
    INDEX 01 00:00:00
FILE "xa.bin" BINARY
  TRACK 06 MODE2/2352
    PREGAP 00:02:00
    INDEX 01 00:00:00
FILE "iso.bin" BINARY
  TRACK 07 MODE1/2048
    INDEX 01 00:00:00
FILE "form.bin" BINARY
  TRACK 08 MODE2/2336
    INDEX 01 00:00:00
`;

describe('CUE/BIN: every keyword into a raw image', () => {
  let dir = '';
  let creator: RawCDImageCreator;
  let image: RawCDImage;
  let bytes: Uint8Array;
  const files: Record<string, Uint8Array> = {};
  const sector = (lba: number) => bytes.subarray((lba + 150) * 2448, (lba + 151) * 2448);
  const main = (lba: number) => sector(lba).subarray(0, 2352);
  const q = (lba: number) => unpackRawPW(sector(lba).subarray(2352))[1] as Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-cue-'));
    files['data.bin'] = noise(300 * 2352, 3);
    files['audio.bin'] = noise(1100 * 2352, 5);
    files['song.pcm'] = noise(320 * 2352, 7);
    files['moto.bin'] = noise(310 * 2352 + 100, 9);
    files['xa.bin'] = noise(300 * 2352, 11);
    files['iso.bin'] = noise(300 * 2048, 13);
    files['form.bin'] = noise(300 * 2336, 15);
    for (const [n, b] of Object.entries(files)) {
      if (n !== 'song.pcm') await writeFile(join(dir, n), b);
    }
    await writeFile(join(dir, 'song.wav'), wavFile(files['song.pcm']));
    await writeFile(join(dir, 'disc.cue'), FULL_SHEET);
    // The CDTEXTFILE's packs (their reading is tested in cue-cd-text-file.test.ts).
    const cdt = encodeCdTextPacks({
      album: { title: 'From the file' },
      tracks: [{ title: 'One' }],
    });
    await writeFile(join(dir, 'disc.cdt'), cdt);
    const made = await cueImageCreator(join(dir, 'disc.cue'));
    creator = made.creator;
    assert.equal(made.sheet.cdText.title, 'Album');
    assert.equal(made.sheet.cdText.performer, 'Band');
    assert.equal(made.sheet.cdText.songwriter, 'Writer');
    assert.deepEqual(made.sheet.tracks[1]?.cdText, {
      title: 'Song two',
      performer: 'Singer',
      songwriter: 'Composer',
    });
    assert.equal(made.sheet.cdTextFile?.path, 'disc.cdt');
    assert.equal(made.creator.cdText?.album.title, 'From the file');
    assert.equal(made.creator.cdText?.tracks[0]?.title, 'One');
    image = creator.createResultImage();
    bytes = new Uint8Array(image.sectorCount * 2448);
    let at = 0;
    for await (const chunk of image) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    assert.equal(at, bytes.length);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lays the tracks out where the sheet puts them', () => {
    // T1 0..299; T2 pregap 75 generated + 75 in the file from 300, index 1 at 450, 675 sectors
    // (audio.bin 75..749); T3 1125, 350 + 75 postgap; T4 1550 (320); T5 1870 (310 + a partial
    // sector); T6 after 150 generated at 2181: 2331 (300); T7 2631; T8 2931; lead-out 3231.
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => creator.trackInfo(n).startingLba),
      [0, 450, 1125, 1550, 1870, 2331, 2631, 2931],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => creator.trackInfo(n).sectorCount),
      [300, 675, 425, 320, 311, 300, 300, 300],
    );
    assert.equal(creator.startOfLeadout, 3231);
    assert.equal(creator.mediaCatalogNumber, '0123456789012');
    const t2 = creator.trackInfo(2);
    assert.deepEqual(t2.trackIndexes, [0, 300]);
    assert.equal(t2.isrc, 'USABC1234567');
    assert.equal(t2.digitalAudioCopySetting, 0);
    assert.equal(t2.audioHasPreemphasis, true);
    assert.equal(creator.trackInfo(3).digitalAudioCopySetting, 1);
    // CONTROL: data 4; track 2 copy permitted (2) + pre-emphasis (1); other audio 0.
    assert.deepEqual(
      creator.expectedTableOfContents.descriptors.map((d) => [d.control, d.trackStartAddress]),
      [
        [4, 0],
        [3, 450],
        [0, 1125],
        [0, 1550],
        [0, 1870],
        [4, 2331],
        [4, 2631],
        [4, 2931],
        [4, 3231],
      ],
    );
  });

  it('raw tracks are the BIN bytes as they are; pregap and postgap sectors are generated', () => {
    const f = (n: string, s: number, size = 2352) =>
      (files[n] as Uint8Array).subarray(s * size, (s + 1) * size);
    assert.deepEqual(main(0), f('data.bin', 0));
    assert.deepEqual(main(299), f('data.bin', 299));
    assert.deepEqual(main(300), new Uint8Array(2352)); // PREGAP: generated silence
    assert.deepEqual(main(374), new Uint8Array(2352));
    assert.deepEqual(main(375), f('audio.bin', 0)); // INDEX 00 in the file
    assert.deepEqual(main(450), f('audio.bin', 75)); // INDEX 01
    assert.deepEqual(main(1124), f('audio.bin', 749));
    assert.deepEqual(main(1125), f('audio.bin', 750));
    assert.deepEqual(main(1474), f('audio.bin', 1099));
    assert.deepEqual(main(1475), new Uint8Array(2352)); // POSTGAP
    assert.deepEqual(main(1549), new Uint8Array(2352));
    assert.deepEqual(main(1550), f('song.pcm', 0)); // the WAVE's data chunk
    assert.deepEqual(main(1869), f('song.pcm', 319));
    assert.deepEqual(main(2331), f('xa.bin', 0));
    assert.deepEqual(main(2630), f('xa.bin', 299));
  });

  it('MOTOROLA samples are byte-swapped, the partial last sector padded with silence', () => {
    const moto = files['moto.bin'] as Uint8Array;
    const swapped = (from: number, to: number) => {
      const out = moto.slice(from, to);
      for (let i = 0; i + 1 < out.length; i += 2) [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
      return out;
    };
    assert.deepEqual(main(1870), swapped(0, 2352));
    const last = main(2180);
    assert.deepEqual(last.subarray(0, 100), swapped(310 * 2352, 310 * 2352 + 100));
    assert.deepEqual(last.subarray(100), new Uint8Array(2252));
  });

  it('cooked data tracks get sync and headers; a Mode 2 pregap is formless zeros', () => {
    const header = (lba: number, mode: number) => {
      const a = lba + 150;
      return [
        0,
        ...Array<number>(10).fill(255),
        0,
        bcd(Math.floor(a / 4500)),
        bcd(Math.floor(a / 75) % 60),
        bcd(a % 75),
        mode,
      ];
    };
    assert.deepEqual([...main(2181).subarray(0, 16)], header(2181, 2));
    assert.deepEqual(main(2181).subarray(16), new Uint8Array(2336));
    assert.deepEqual([...main(2631).subarray(0, 16)], header(2631, 1));
    assert.deepEqual(
      main(2631).subarray(16, 2064),
      (files['iso.bin'] as Uint8Array).subarray(0, 2048),
    );
    assert.deepEqual([...main(3230).subarray(0, 16)], header(3230, 2));
    assert.deepEqual(
      main(3230).subarray(16),
      (files['form.bin'] as Uint8Array).subarray(299 * 2336),
    );
  });

  it('Q carries the tracks, indexes, pregaps and the ISRC and MCN of the sheet', () => {
    // Q byte 0: CONTROL (high nibble) and ADR; mode 1: byte 1 TNO, byte 2 INDEX, both BCD.
    const pos = (lba: number) => [q(lba)[0], q(lba)[1], q(lba)[2]];
    assert.deepEqual(pos(300), [0x31, 0x02, 0x00]);
    assert.deepEqual(pos(449), [0x31, 0x02, 0x00]);
    assert.deepEqual(pos(450), [0x31, 0x02, 0x01]);
    assert.deepEqual(pos(750), [0x31, 0x02, 0x02]);
    assert.deepEqual(pos(1475), [0x01, 0x03, 0x01]); // the postgap is still track 3's
    assert.deepEqual(pos(2181), [0x41, 0x06, 0x00]);
    const adr = (lo: number, hi: number, a: number) => {
      const out: number[] = [];
      for (let l = lo; l < hi; l++) if (((q(l)[0] as number) & 0x0f) === a) out.push(l);
      return out;
    };
    assert.ok(adr(450, 1125, 3).length >= 6, 'ISRC frames in track 2');
    assert.deepEqual(adr(1125, 3231, 3), [], 'no ISRC outside track 2');
    assert.ok(adr(0, 3231, 2).length >= 30, 'MCN frames across the disc');
  });
});
