// A mixed-mode CUE/BIN for the CD burn tests, written by hand: one Mode 1 data track in its own
// file, two audio tracks in another, with a catalogue number, an ISRC, an INDEX 00 pregap, a
// second index and CD-TEXT titles (docs/cd.md, "CUE sheets").

import { writeFile } from 'node:fs/promises';

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
