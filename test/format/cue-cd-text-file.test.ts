// CDTEXTFILE: the binary CD-TEXT a CUE sheet names, read into the image creator's CD-TEXT. The
// packs here are built byte by byte (pack layout and size information of the CD-TEXT format,
// the CRC computed by a bitwise CRC-16 written in this test), saved bare, after READ TOC's 4-byte
// header, and with a trailing zero byte; a pack with a broken CRC, a file that is not whole
// packs, one too large, texts for more tracks than the sheet and a missing file are refused
// naming <sheet>:<line>. The image's lead-in then carries them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cueImageCreator } from '../../src/format/index.js';
import { HR } from '../../src/errors.js';

/** CRC-16 x^16+x^12+x^5+1, preset 0, inverted: bit by bit, the CD-TEXT pack's 16 bytes. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1);
      crc = (crc << 1) & 0xffff;
      if (top) crc ^= 0x1021;
    }
  }
  return crc ^ 0xffff;
}

function pack(type: number, track: number, seq: number, charPos: number, data: number[]) {
  const p = new Uint8Array(18);
  p.set([type, track, seq, charPos & 0x0f]); // block 0, single-byte
  p.set(data.slice(0, 12), 4);
  const crc = crc16(p.subarray(0, 16));
  p[16] = crc >> 8;
  p[17] = crc & 0xff;
  return p;
}

const text = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Album "Live", track 1 "Opening", track 2 "Closing", album performer "Us"; `tracks` in size. */
function packs(tracks = 2): Uint8Array {
  const titles = text('Live\0Opening\0Closing\0');
  const out: Uint8Array[] = [];
  let seq = 0;
  // Titles, 12 bytes a pack: "Live\0Opening", then "\0Closing\0" (track 1's 8th character on)
  out.push(pack(0x80, 0, seq++, 0, titles.slice(0, 12)));
  out.push(pack(0x80, 1, seq++, 7, [...titles.slice(12), ...new Array<number>(12).fill(0)]));
  out.push(pack(0x81, 0, seq++, 0, [...text('Us\0'), ...new Array<number>(12).fill(0)]));
  const size = new Array<number>(36).fill(0);
  size[0] = 0x00; // ISO 8859-1
  size[1] = 1; // first track
  size[2] = tracks; // last track
  size[4 + 0x0] = 2; // packs of type 0x80
  size[4 + 0x1] = 1; // 0x81
  size[4 + 0xf] = 3; // 0x8F
  size[20] = seq + 2; // last sequence number of block 0
  size[28] = 0x09; // English
  for (let i = 0; i < 3; i++) out.push(pack(0x8f, i, seq++, 0, size.slice(i * 12, i * 12 + 12)));
  return Buffer.concat(out);
}

const SHEET = (file: string) =>
  `FILE "a.bin" BINARY\nCDTEXTFILE "${file}"\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 01 00:05:00\n`;

describe('CUE CDTEXTFILE', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-cue-cdtext-'));
    await writeFile(join(dir, 'a.bin'), new Uint8Array(700 * 2352));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const sheet = async (file: string, bytes?: Uint8Array) => {
    if (bytes !== undefined) await writeFile(join(dir, file), bytes);
    const path = join(dir, `${file}.cue`);
    await writeFile(path, SHEET(file));
    return path;
  };

  it('reads the packs bare, after the READ TOC header, and with a trailing zero', async () => {
    const bare = packs();
    const header = new Uint8Array(4);
    header[0] = (bare.length + 2) >> 8;
    header[1] = (bare.length + 2) & 0xff;
    for (const [name, bytes] of [
      ['bare.cdt', bare],
      ['header.cdt', Buffer.concat([header, bare])],
      ['nul.cdt', Buffer.concat([header, bare, Uint8Array.of(0)])],
    ] as const) {
      const { creator } = await cueImageCreator(await sheet(name, bytes));
      const t = creator.cdText;
      assert.equal(t?.album.title, 'Live', name);
      assert.equal(t?.album.performer, 'Us', name);
      assert.deepEqual(
        t?.tracks.map((x) => x.title),
        ['Opening', 'Closing'],
        name,
      );
      // The lead-in carries them: an image from the lead-in can be built.
      const image = creator.createResultImage({ leadInStartLba: -11634 });
      assert.ok(image.sectorCount > 11634);
    }
  });

  it('refuses what is not CD-TEXT, naming the sheet and line', async () => {
    const good = packs();
    const broken = Uint8Array.from(good);
    broken[18 + 5]! ^= 0x01; // pack 2's data, CRC left as it was
    const cases: [string, Uint8Array | undefined, RegExp][] = [
      ['crc.cdt', broken, /pack 2 \(type 0x80\) fails its CRC/],
      ['short.cdt', good.subarray(0, good.length - 5), /not whole 18-byte packs/],
      ['big.cdt', new Uint8Array(4 + 2048 * 18 + 2), /bytes; CD-TEXT is at most/],
      ['empty.cdt', new Uint8Array(0), /holds no CD-TEXT packs/],
      ['three.cdt', packs(3), /texts for 3 tracks; the sheet has 2/],
      ['missing.cdt', undefined, /cannot be read/],
    ];
    for (const [name, bytes, why] of cases) {
      const path = await sheet(name, bytes);
      await assert.rejects(cueImageCreator(path), (e: { hr: number; message: string }) => {
        assert.equal(e.hr, HR.E_INVALIDARG, name);
        assert.match(e.message, new RegExp(`${name}\\.cue:2: CDTEXTFILE .*${name}`), name);
        assert.match(e.message, why, name);
        return true;
      });
    }
  });
});
