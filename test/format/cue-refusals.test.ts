// CUE sheets that are malformed or ask for what is not supported: each refusal is an error
// naming the sheet and the line (`<sheet>:<line>: …`), with the IMAPI2 code the creator gives
// where it is the creator that refuses.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CUE_LIMITS, cueImageCreator, parseCueSheet } from '../../src/format/index.js';
import { DwError, HR } from '../../src/errors.js';

const refused =
  (line: number, text: RegExp, hr: number = HR.E_INVALIDARG) =>
  (e: unknown) => {
    assert.ok(e instanceof DwError, String(e));
    assert.equal(e.code, new DwError(hr).code, e.message);
    assert.match(e.message, new RegExp(`^[^ ]*\\.cue:${line}: `), e.message);
    assert.match(e.message, text);
    return true;
  };

const HEAD = 'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n';

/** [what, sheet, line, message] — parser refusals. */
const SYNTAX: [string, string, number, RegExp][] = [
  [
    'unknown keyword',
    `${HEAD}    INDEX 01 00:00:00\nARRANGER "x"\n`,
    4,
    /unknown keyword ARRANGER/,
  ],
  ['TRACK before FILE', 'TRACK 01 AUDIO\n', 1, /TRACK before any FILE/],
  ['a FILE type not read', 'FILE "a.mp3" MP3\n', 1, /FILE type MP3/],
  ['a track type not read', 'FILE "a.bin" BINARY\nTRACK 01 CDG\n', 2, /track type CDG/],
  ['data in a WAVE file', 'FILE "a.wav" WAVE\nTRACK 01 MODE1/2352\n', 2, /holds audio only/],
  ['track numbers skip', `${HEAD}INDEX 01 00:00:00\nTRACK 03 AUDIO\n`, 4, /follows track 1/],
  ['track 0', 'FILE "a.bin" BINARY\nTRACK 00 AUDIO\n', 2, /track number 0/],
  ['track number not a number', 'FILE "a.bin" BINARY\nTRACK one AUDIO\n', 2, /not 1\.\.99/],
  ['first index 02', `${HEAD}INDEX 02 00:00:00\n`, 3, /start at 00 or 01/],
  ['index numbers skip', `${HEAD}INDEX 01 00:00:00\nINDEX 03 00:10:00\n`, 4, /go up by one/],
  ['index times go back', `${HEAD}INDEX 00 00:10:00\nINDEX 01 00:05:00\n`, 4, /not after/],
  [
    'index before the previous track',
    `${HEAD}INDEX 01 00:10:00\nTRACK 02 AUDIO\nINDEX 01 00:05:00\n`,
    5,
    /not after track 1/,
  ],
  ['seconds 60', `${HEAD}INDEX 01 00:60:00\n`, 3, /seconds run 0\.\.59/],
  ['frame 75', `${HEAD}INDEX 01 00:00:75\n`, 3, /frames 0\.\.74/],
  ['not a time', `${HEAD}INDEX 01 1:2\n`, 3, /not a time/],
  [
    'INDEX 02 in another file than INDEX 01',
    `${HEAD}INDEX 01 00:00:00\nFILE "b.bin" BINARY\nINDEX 02 00:00:00\n`,
    5,
    /two FILEs; only INDEX 00/,
  ],
  [
    'PREGAP after INDEX',
    `${HEAD}INDEX 01 00:00:00\nPREGAP 00:02:00\n`,
    4,
    /before the track's INDEX/,
  ],
  ['PREGAP twice', `${HEAD}PREGAP 00:02:00\nPREGAP 00:02:00\n`, 4, /PREGAP is given twice/],
  ['POSTGAP before INDEX 01', `${HEAD}POSTGAP 00:02:00\n`, 3, /after INDEX 01/],
  [
    'INDEX after POSTGAP',
    `${HEAD}INDEX 01 00:00:00\nPOSTGAP 00:02:00\nINDEX 02 00:10:00\n`,
    5,
    /INDEX after POSTGAP/,
  ],
  ['ISRC malformed', `${HEAD}ISRC US-ABC-12\n`, 3, /ISRC "US-ABC-12"/],
  ['ISRC outside a track', 'ISRC USABC1234567\n', 1, /inside a TRACK/],
  ['CATALOG malformed', 'CATALOG 12345\n', 1, /not 13 digits/],
  [
    'CATALOG after a TRACK',
    `${HEAD}INDEX 01 00:00:00\nCATALOG 0123456789012\n`,
    4,
    /before the first TRACK/,
  ],
  [
    'CDTEXTFILE after a TRACK',
    `${HEAD}INDEX 01 00:00:00\nCDTEXTFILE "x.cdt"\n`,
    4,
    /before the first TRACK/,
  ],
  ['unknown flag', `${HEAD}FLAGS DCP XYZ\n`, 3, /flag XYZ/],
  ['FLAGS 4CH', `${HEAD}FLAGS 4CH\n`, 3, /four-channel audio is not supported/],
  ['FLAGS SCMS', `${HEAD}FLAGS SCMS\n`, 3, /SCMS copy setting is not supported/],
  ['FLAGS empty', `${HEAD}FLAGS\n`, 3, /without a flag/],
  ['TITLE too long', `TITLE "${'x'.repeat(81)}"\n`, 1, /at most 80/],
  ['TITLE twice', 'TITLE "a"\nTITLE "b"\n', 2, /given twice/],
  ['no closing quote', 'TITLE "abc\n', 1, /no closing quote/],
  ['wrong arity', 'FILE "a.bin"\n', 1, /FILE takes 2 value/],
  ['a track without INDEX 01', `${HEAD}TRACK 02 AUDIO\n`, 3, /track 1 \(line 2\) has no INDEX 01/],
  ['the last track without INDEX 01', `${HEAD}INDEX 00 00:00:00\n`, 2, /track 1 has no INDEX 01/],
  ['no TRACK', 'REM nothing\n', 2, /no TRACK/],
  ['a line too long', `REM ${'x'.repeat(5000)}\n`, 1, /longer than 4096/],
];

describe('CUE sheet refusals', () => {
  for (const [what, text, line, message] of SYNTAX) {
    it(`${what}: line ${line}`, () => {
      assert.throws(() => parseCueSheet(text, 'x.cue'), refused(line, message));
    });
  }
});

describe('CUE/BIN refusals once the files are read', () => {
  let dir = '';
  const cue = async (text: string) => {
    await writeFile(join(dir, 's.cue'), text);
    return cueImageCreator(join(dir, 's.cue'));
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-cue-bad-'));
    await writeFile(join(dir, 'a.bin'), new Uint8Array(700 * 2352));
    await writeFile(join(dir, 'odd.bin'), new Uint8Array(300 * 2048 + 10));
    await writeFile(join(dir, 'odd-audio.bin'), new Uint8Array(400 * 2352 + 100));
    await writeFile(join(dir, 'bad.wav'), new TextEncoder().encode('RIFF\0\0\0\0WAVEjunk'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a FILE that is not there', async () => {
    await assert.rejects(
      cue('REM\nFILE "none.bin" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n'),
      refused(2, /cannot be read/),
    );
  });
  it('a sheet that is not there, or larger than CUE_LIMITS.maxBytes, before any of it is parsed', async () => {
    await assert.rejects(cueImageCreator(join(dir, 'none.cue')), refused(0, /cannot be read/));
    const big = new Uint8Array(CUE_LIMITS.maxBytes + 1).fill(0x0a);
    await assert.rejects(
      cue(new TextDecoder().decode(big)),
      refused(
        0,
        new RegExp(`${big.length} bytes; a CUE sheet holds at most ${CUE_LIMITS.maxBytes}`),
      ),
    );
  });
  it('an INDEX past the end of its file', async () => {
    await assert.rejects(
      cue(`${HEAD}INDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 01 09:00:00\n`),
      refused(5, /past the end of .*a\.bin/),
    );
  });
  it('two sector sizes in one FILE', async () => {
    await assert.rejects(
      cue(`${HEAD}INDEX 01 00:00:00\nTRACK 02 MODE1/2048\nINDEX 01 00:05:00\n`),
      refused(2, /different sector sizes/),
    );
  });
  it('a track under 4 seconds (the creator refuses it; the line is the TRACK)', async () => {
    await assert.rejects(
      cue(`${HEAD}INDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 01 00:06:00\n`),
      refused(4, /250 sectors from index 1.*at least 4 s/),
    );
  });
  it('audio after data without a 2-second pregap', async () => {
    await assert.rejects(
      cue(
        'FILE "a.bin" BINARY\nTRACK 01 MODE1/2352\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 00 00:05:00\nINDEX 01 00:06:00\n',
      ),
      refused(4, /needs at least 150/),
    );
  });
  it('a pregap ending a FILE that is not whole sectors (INDEX 00 in the FILE before)', async () => {
    await assert.rejects(
      cue(
        'FILE "odd-audio.bin" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nINDEX 00 00:04:00\nFILE "a.bin" BINARY\nINDEX 01 00:00:00\n',
      ),
      refused(5, /pregap ends .*odd-audio\.bin, which is not whole 2352-byte sectors/),
    );
  });
  it('indexes closer than 10 sectors (IMAPI2 code)', async () => {
    await assert.rejects(
      cue(`${HEAD}INDEX 01 00:00:00\nINDEX 02 00:00:05\n`),
      refused(
        4,
        /sectors from the one at 0/,
        HR.E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX,
      ),
    );
  });
  it('a data file not in whole sectors', async () => {
    await assert.rejects(
      cue('FILE "odd.bin" BINARY\nTRACK 01 MODE1/2048\nINDEX 01 00:00:00\n'),
      refused(2, /not a whole number of 2048-byte sectors/),
    );
  });
  it('a WAVE file that is not CD-DA WAVE', async () => {
    await assert.rejects(
      cue('FILE "bad.wav" WAVE\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n'),
      refused(1, /bad\.wav/),
    );
  });
  it('a sheet over 1 MiB is not read', async () => {
    await assert.rejects(
      cue(`REM ${'x'.repeat(1000)}\n`.repeat(1100)),
      refused(0, /at most 1048576/),
    );
  });
});
