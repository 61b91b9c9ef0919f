// A mixed-mode CUE/BIN for the CD burn tests, written by hand: one Mode 1 data track in its own
// file, two audio tracks in another, with a catalogue number, an ISRC, an INDEX 00 pregap, a
// second index and CD-TEXT titles (docs/cd.md, "CUE sheets").

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { DiscRecorder } from '../../src/device/recorder.js';
import { decodeCdText, type CdText } from '../../src/scsi/cd/cd-text.js';
import { decodeCdTextTocData } from '../../src/scsi/mmc/read-toc-cd-text.js';
import {
  decodeFormattedToc,
  readTocPmaAtip,
  type FormattedToc,
} from '../../src/scsi/mmc/read-toc-pma-atip.js';
import { decodeReadSubChannelData, readSubChannel } from '../../src/scsi/mmc/read-sub-channel.js';

/** Deterministic bytes: `n` of them from `seed`. */
export const noise = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 11) * 7) & 0xff);

/** Writes data.bin, audio.bin and disc.cue with `filePath`; the path of disc.cue. */
export async function writeMixedCueBin(filePath: (name: string) => string): Promise<string> {
  await writeFile(filePath('data.bin'), noise(300 * 2352, 3));
  await writeFile(filePath('audio.bin'), noise(800 * 2352, 5));
  await writeFile(
    filePath('disc.cue'),
    `CATALOG 0123456789012
TITLE "Album"
PERFORMER "Band"
FILE "data.bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
FILE "audio.bin" BINARY
  TRACK 02 AUDIO
    TITLE "Song"
    ISRC USABC1234567
    INDEX 00 00:00:00
    INDEX 01 00:02:00
    INDEX 02 00:06:00
  TRACK 03 AUDIO
    TITLE "Other"
    INDEX 01 00:06:50
`,
  );
  return filePath('disc.cue');
}

/**
 * What a player sees of the mixed-mode disc burned from writeMixedCueBin: READ TOC format 0 equal
 * to the image creator's, the CD-TEXT (album "Album", track titles), the MCN and track 2's ISRC
 * from READ SUB-CHANNEL.
 */
export async function assertMixedCuePlayerView(
  rec: DiscRecorder,
  expected: FormattedToc,
): Promise<CdText> {
  const toc = decodeFormattedToc((await rec.executeCommand(readTocPmaAtip({ format: 0 }))).dataIn);
  assert.deepEqual(toc.descriptors, expected.descriptors);
  const text = decodeCdText(
    decodeCdTextTocData((await rec.executeCommand(readTocPmaAtip({ format: 5 }))).dataIn),
  );
  assert.equal(text.album.title, 'Album');
  assert.deepEqual(
    text.tracks.map((t) => t.title ?? ''),
    ['', 'Song', 'Other'],
  );
  const mcn = decodeReadSubChannelData(
    (await rec.executeCommand(readSubChannel({ subQ: true, format: 2 }))).dataIn,
  );
  assert.equal(mcn.data?.format === 2 ? mcn.data.mediaCatalogNumber : '', '0123456789012');
  const isrc = decodeReadSubChannelData(
    (await rec.executeCommand(readSubChannel({ subQ: true, format: 3, trackNumber: 2 }))).dataIn,
  );
  assert.equal(isrc.data?.format === 3 ? isrc.data.isrc : '', 'USABC1234567');
  return text;
}
