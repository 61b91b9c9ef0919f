// CD-TEXT packs (MMC-3 Annex J). Vectors and where they come from:
// - Size information packs with their CRCs published in two places: the comment block of
//   cdrecord's cdtext.c (a commercial CD: 13 tracks, ISO 646, copyright flags 3) and a cdrtfe
//   author's worked example on delphipraxis.net (post 1225201: 2 tracks, 5 title packs,
//   3 performer packs, last sequence number 0x0A, English). Their CRCs are checked with the codec
//   and with long division here; the second example's three size packs are reproduced exactly by
//   encoding texts of the same shape.
// - Text packs written by hand from the field table, CRC by BigInt long division
//   (x^16+x^12+x^5+1, inverted) independent of the codec's bitwise loop.
// - The lead-in's 6-bit symbols checked against the packs' bit string cut into 6-bit groups.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cdTextCrc,
  cdTextLeadInSector,
  cdTextLeadInSymbols,
  cdTextPacksFromSymbols,
  decodeCdText,
  decodeCdTextPacks,
  encodeCdTextPacks,
  packRawPW,
  pChannel,
  rwChannelsFromSymbols,
  unpackRawPW,
  type CdText,
} from '../../../src/scsi/cd/index.js';
import { DwError, HR } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h } from '../../helpers/bytes.js';

function crcByDivision(bytes: Uint8Array): number {
  let m = 0n;
  for (const b of bytes) m = (m << 8n) | BigInt(b);
  m <<= 16n;
  for (let bit = bytes.length * 8 + 15; bit >= 16; bit--) {
    if (m & (1n << BigInt(bit))) m ^= 0x11021n << BigInt(bit - 16);
  }
  return Number(m) ^ 0xffff;
}

/** A pack from its 16 bytes, with the CRC by long division. */
function pack(sixteen: Uint8Array): Uint8Array {
  assert.equal(sixteen.length, 16);
  const c = crcByDivision(sixteen);
  return cat(sixteen, [c >> 8, c & 0xff]);
}
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

const CDRECORD_SIZE_PACKS = h(`
  8F 00 2B 00 01 01 0D 03 0C 0C 00 00 00 00 01 00 7B 3D
  8F 01 2C 00 00 00 00 00 00 00 12 03 2D 00 00 00 DA B7
  8F 02 2D 00 00 00 00 00 09 00 00 00 00 00 00 00 6A 24`);
const CDRTFE_SIZE_PACKS = h(`
  8F 00 08 00 00 01 02 00 05 03 00 00 00 00 00 00 F3 00
  8F 01 09 00 00 00 00 00 00 00 00 03 0A 00 00 00 36 1B
  8F 02 0A 00 00 00 00 00 09 00 00 00 00 00 00 00 87 ED`);

describe('CD-TEXT pack CRC', () => {
  it('matches the published size packs, by the codec and by long division', () => {
    for (const packs of [CDRECORD_SIZE_PACKS, CDRTFE_SIZE_PACKS]) {
      for (let at = 0; at < packs.length; at += 18) {
        const p = packs.subarray(at, at + 18);
        const expected = ((p[16] as number) << 8) | (p[17] as number);
        assert.equal(cdTextCrc(p), expected);
        assert.equal(crcByDivision(p.subarray(0, 16)), expected);
      }
      assert.ok(decodeCdTextPacks(packs).every((d) => d.crcOk));
    }
  });
});

describe('encodeCdTextPacks', () => {
  it('lays titles by hand-checked bytes: character position, track of the text in progress', () => {
    const packs = encodeCdTextPacks({
      album: { title: 'ABCDEFGHIJKLMN' },
      tracks: [{ title: 'X' }],
    });
    const expected = cat(
      pack(cat([0x80, 0x00, 0x00, 0x00], ascii('ABCDEFGHIJKL'))),
      // 'MN' ends the album title (12 characters already sent), then track 1's 'X'.
      pack(
        cat(
          [0x80, 0x00, 0x01, 0x0c],
          ascii('MN'),
          [0],
          ascii('X'),
          [0],
          new Array<number>(7).fill(0),
        ),
      ),
      pack(cat([0x8f, 0x00, 0x02, 0x00], [0x00, 0x01, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0])),
      pack(cat([0x8f, 0x01, 0x03, 0x00], [0, 0, 0, 0, 0, 0, 0, 0x03, 0x04, 0, 0, 0])),
      pack(cat([0x8f, 0x02, 0x04, 0x00], [0, 0, 0, 0, 0x09, 0, 0, 0, 0, 0, 0, 0])),
    );
    assert.deepEqual(packs, expected);
  });

  it('a new track starting a pack has position 0 and its own track number; 15 caps the position', () => {
    const long = 'L'.repeat(30);
    const packs = decodeCdTextPacks(
      encodeCdTextPacks({ album: { performer: 'P'.repeat(11) }, tracks: [{ performer: long }] }),
    );
    // Album "PPPPPPPPPPP\0" fills pack 0 exactly; track 1 starts pack 1.
    assert.deepEqual(
      packs
        .slice(0, 4)
        .map((p) => [p.packType, p.trackNumber, p.sequenceNumber, p.characterPosition]),
      [
        [0x81, 0, 0, 0],
        [0x81, 1, 1, 0],
        [0x81, 1, 2, 12],
        [0x81, 1, 3, 15],
      ],
    );
  });

  it('reproduces the published size information of a 2-track block (cdrtfe example)', () => {
    const packs = encodeCdTextPacks({
      album: { title: 'Album Title Number One', performer: 'The Performer' },
      tracks: [
        { title: 'First Song Title', performer: 'Singer A' },
        { title: 'Second Song', performer: 'Singer B' },
      ],
    });
    assert.equal(packs.length, 11 * 18);
    assert.deepEqual(packs.subarray(8 * 18), CDRTFE_SIZE_PACKS);
  });

  it('writes disc id, genre, UPC and ISRC packs album-first; empty texts as a lone NUL', () => {
    const packs = decodeCdTextPacks(
      encodeCdTextPacks({
        album: { discId: 'ID1', genre: { code: 0x0102, text: 'Rock' }, upcCode: '0123456789012' },
        tracks: [{ isrc: 'USABC9912345' }, {}],
      }),
    );
    const byType = (t: number) => packs.filter((p) => p.packType === t);
    assert.deepEqual(
      [...(byType(0x86)[0]?.data ?? [])],
      [...ascii('ID1'), 0, ...new Array<number>(8).fill(0)],
    );
    assert.deepEqual(
      [...(byType(0x87)[0]?.data ?? [])],
      [1, 2, ...ascii('Rock'), 0, 0, 0, 0, 0, 0],
    );
    const upc = byType(0x8e).flatMap((p) => [...p.data]);
    assert.deepEqual(upc.slice(0, 28), [
      ...ascii('0123456789012'),
      0,
      ...ascii('USABC9912345'),
      0,
      0,
    ]);
  });

  it('refuses what it cannot encode', () => {
    const bad: CdText[] = [
      { album: { title: 'snow ☃' }, tracks: [{}] },
      { album: {}, tracks: [] },
      { album: {}, tracks: [{}], firstTrackNumber: 99 + 1 },
      { album: { upcCode: '12' }, tracks: [{}] },
      { album: {}, tracks: [{ isrc: 'nope' }] },
      { album: { genre: { code: 0x10000 } }, tracks: [{}] },
      { album: { title: 'T'.repeat(3100) }, tracks: [{}] },
    ];
    for (const text of bad) {
      assert.throws(
        () => encodeCdTextPacks(text),
        (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
      );
    }
  });
});

describe('decodeCdText', () => {
  const text = fc.string({
    unit: fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c)),
    maxLength: 40,
  });
  const strings = fc.record(
    {
      title: text,
      performer: text,
      songwriter: text,
      composer: text,
      arranger: text,
      message: text,
    },
    { requiredKeys: [] },
  );
  it('decode(encode(x)) = x (empty texts are absent)', () => {
    fc.assert(
      fc.property(
        strings,
        fc.array(strings, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 90 }),
        (album, tracks, first) => {
          const clean = (o: Record<string, string>) =>
            Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== '\t'));
          const input: CdText = {
            album: clean(album),
            tracks: tracks.map(clean),
            firstTrackNumber: first,
          };
          let packs: Uint8Array;
          try {
            packs = encodeCdTextPacks(input);
          } catch {
            return; // too many packs for one block
          }
          assert.deepEqual(decodeCdText(packs), { ...input, languageCode: 9 });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('round-trips the album-only fields and reads TAB as "same as the previous track"', () => {
    const input: CdText = {
      album: {
        title: 'A',
        discId: 'XY',
        genre: { code: 7, text: 'Jazz' },
        upcCode: '0000000000017',
      },
      tracks: [{ isrc: 'GBAAA0000001', title: 'B' }, { title: 'C' }],
      firstTrackNumber: 3,
      languageCode: 0x08,
    };
    assert.deepEqual(decodeCdText(encodeCdTextPacks(input)), input);
    const tab = cat(
      pack(
        cat([0x80, 0, 0, 0], ascii('A'), [0], ascii('B'), [0, 9, 0], new Array<number>(6).fill(0)),
      ),
      CDRTFE_SIZE_PACKS,
    );
    assert.deepEqual(decodeCdText(tab).tracks, [{ title: 'B' }, { title: 'B' }]);
  });

  it('refuses a CRC error, a missing size block and other character codes; survives noise', () => {
    const good = encodeCdTextPacks({ album: { title: 'Hello' }, tracks: [{ title: 'World' }] });
    const broken = Uint8Array.from(good);
    broken[5] = (broken[5] as number) ^ 1;
    assert.throws(() => decodeCdText(broken), /CRC/);
    assert.throws(() => decodeCdText(good.subarray(0, 18)), /size information/);
    assert.throws(() => decodeCdText(CDRECORD_SIZE_PACKS), /character code/);
    assert.throws(() => decodeCdTextPacks(good.subarray(0, 20)), /18-byte/);
    assertDecoderRobust(decodeCdText, [good], 400);
  });
});

describe('CD-TEXT in the lead-in R-W', () => {
  const packs = encodeCdTextPacks({ album: { title: 'Lead-in text' }, tracks: [{ title: 'One' }] });

  it('cuts the packs into 6-bit symbols, repeating the list to whole sectors of 4 packs', () => {
    const n = packs.length / 18; // 5 packs: repeated 4 times to 20 packs = 5 sectors
    assert.equal(n, 5);
    const symbols = cdTextLeadInSymbols(packs);
    assert.equal(symbols.length, 4 * n * 24);
    let bits = '';
    for (const b of packs) bits += b.toString(2).padStart(8, '0');
    const expected = Array.from({ length: bits.length / 6 }, (_, i) =>
      parseInt(bits.slice(i * 6, i * 6 + 6), 2),
    );
    for (let r = 0; r < 4; r++) {
      assert.deepEqual([...symbols.subarray(r * n * 24, (r + 1) * n * 24)], expected);
    }
    assert.deepEqual(cdTextPacksFromSymbols(symbols).subarray(0, packs.length), packs);
    assert.equal(cdTextLeadInSymbols(cat(packs.subarray(0, 72))).length, 96);
    assert.equal(cdTextLeadInSymbols(cat(packs.subarray(0, 36))).length, 96);
  });

  it("puts sector k's 96 symbols in bits 5..0 of the raw P-W bytes, cycling through the lead-in", () => {
    const symbols = cdTextLeadInSymbols(packs);
    const sectors = symbols.length / 96;
    const q = new Uint8Array(12).fill(0xa5);
    for (const k of [0, 1, sectors, sectors + 3]) {
      const rw = cdTextLeadInSector(symbols, k);
      assert.deepEqual(rw, symbols.subarray((k % sectors) * 96, (k % sectors) * 96 + 96));
      const raw = packRawPW(pChannel(false), q, rwChannelsFromSymbols(rw));
      assert.deepEqual(
        Uint8Array.from(raw, (b) => b & 0x3f),
        rw,
      );
      assert.deepEqual(unpackRawPW(raw)[1], q);
    }
  });
});
