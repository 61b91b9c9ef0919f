// RawCDImageCreator's refusals, each with its IMAPI2 code (E_IMAPI_RAW_IMAGE_* or E_INVALIDARG
// naming the field), and a source that changes after addTrack.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CdSectorType,
  Format2RawCdDataSectorType,
  RawCDImageCreator,
} from '../../src/format/index.js';
import { DwError, HR } from '../../src/errors.js';

const isHr = (hr: number, text?: RegExp) => (e: unknown) =>
  e instanceof DwError && e.hr === hr && (text === undefined || text.test(e.message));

const AUDIO = CdSectorType.AUDIO;
const silence = (sectors: number) => new Uint8Array(sectors * 2352);

/** A WAVE header (hand-built) with the given fmt fields, then `dataBytes` of zeros claimed. */
function wavHeader(o: {
  channels?: number;
  rate?: number;
  bits?: number;
  format?: number;
  dataBytes?: number;
  actualBytes?: number;
}): Uint8Array {
  const dataBytes = o.dataBytes ?? 300 * 2352;
  const actual = o.actualBytes ?? dataBytes;
  const b = new Uint8Array(44 + actual);
  const dv = new DataView(b.buffer);
  const ascii = (s: string, at: number) => b.set(new TextEncoder().encode(s), at);
  ascii('RIFF', 0);
  dv.setUint32(4, 36 + dataBytes, true);
  ascii('WAVEfmt ', 8);
  dv.setUint32(16, 16, true);
  const channels = o.channels ?? 2;
  const bits = o.bits ?? 16;
  dv.setUint16(20, o.format ?? 1, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, o.rate ?? 44100, true);
  dv.setUint32(28, (o.rate ?? 44100) * channels * (bits / 8), true);
  dv.setUint16(32, channels * (bits / 8), true);
  dv.setUint16(34, bits, true);
  ascii('data', 36);
  dv.setUint32(40, dataBytes, true);
  return b;
}

describe('RawCDImageCreator refusals', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-rawcd-refuse-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('no tracks: createResultImage and expectedTableOfContents fail with NO_TRACKS', () => {
    const c = new RawCDImageCreator();
    assert.throws(() => c.createResultImage(), isHr(HR.E_IMAPI_RAW_IMAGE_NO_TRACKS));
    assert.throws(() => c.expectedTableOfContents, isHr(HR.E_IMAPI_RAW_IMAGE_NO_TRACKS));
  });

  it('startingTrackNumber: 1..99, and only before the first track (TRACKS_ALREADY_ADDED)', async () => {
    const c = new RawCDImageCreator();
    assert.throws(() => (c.startingTrackNumber = 0), isHr(HR.E_INVALIDARG));
    assert.throws(() => (c.startingTrackNumber = 100), isHr(HR.E_INVALIDARG));
    c.startingTrackNumber = 98;
    await c.addTrack(AUDIO, silence(300));
    assert.throws(
      () => (c.startingTrackNumber = 1),
      isHr(HR.E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED),
    );
    await c.addTrack(AUDIO, silence(300));
    assert.equal(c.trackInfo(2).trackNumber, 99);
    await assert.rejects(
      c.addTrack(AUDIO, silence(300)),
      isHr(HR.E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS),
    );
    assert.equal(c.numberOfExistingTracks, 2);
  });

  it('sector types not built: MODE_ZERO tracks; result types outside the enumeration', async () => {
    const c = new RawCDImageCreator();
    await assert.rejects(
      c.addTrack(CdSectorType.MODE_ZERO, silence(300)),
      isHr(HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED),
    );
    assert.throws(() => (c.resultingImageType = 7 as never), isHr(HR.E_INVALIDARG));
    assert.equal(c.resultingImageType, Format2RawCdDataSectorType.SUBCODE_IS_RAW);
  });

  it('track sizes: under 4 s, data not in whole 2048-byte sectors, empty', async () => {
    const c = new RawCDImageCreator();
    await assert.rejects(c.addTrack(AUDIO, silence(299)), isHr(HR.E_INVALIDARG, /at least 4 s/));
    await assert.rejects(
      c.addTrack(CdSectorType.MODE1, new Uint8Array(300 * 2048 + 1)),
      isHr(HR.E_INVALIDARG, /whole number of 2048-byte sectors/),
    );
    await assert.rejects(c.addTrack(AUDIO, new Uint8Array(0)), isHr(HR.E_INVALIDARG, /no data/));
    assert.equal(c.numberOfExistingTracks, 0);
  });

  it('pregaps: at least 2 s where audio follows data; the default adds them', async () => {
    const c = new RawCDImageCreator();
    await c.addTrack(CdSectorType.MODE1, new Uint8Array(300 * 2048));
    await assert.rejects(
      c.addTrack(AUDIO, silence(300), { pregapSectors: 149 }),
      isHr(HR.E_INVALIDARG, /at least 150/),
    );
    await c.addTrack(AUDIO, silence(300));
    await c.addTrack(AUDIO, silence(300), { pregapSectors: 33 });
    assert.deepEqual(
      [2, 3].map((n) => c.trackInfo(n).startingLba),
      [450, 783],
    );
  });

  it('WAVE headers that are not CD-DA are refused naming the field', async () => {
    const c = new RawCDImageCreator();
    const cases: [Parameters<typeof wavHeader>[0], RegExp][] = [
      [{ channels: 1 }, /1 channel/],
      [{ rate: 48000 }, /48000 Hz/],
      [{ bits: 24 }, /24-bit/],
      [{ format: 3 }, /format tag 0x3 is not PCM/],
      [{ dataBytes: 400 * 2352, actualBytes: 300 * 2352 }, /runs past the end of the file/],
    ];
    for (const [o, text] of cases) {
      await assert.rejects(c.addTrack(AUDIO, wavHeader(o)), isHr(HR.E_INVALIDARG, text));
    }
    const noData = wavHeader({}).subarray(0, 36);
    await assert.rejects(c.addTrack(AUDIO, noData), isHr(HR.E_INVALIDARG, /no "data" chunk/));
    await c.addTrack(AUDIO, wavHeader({}));
    assert.equal(c.trackInfo(1).sectorCount, 300);
  });

  it('index points: range, spacing, duplicates, offset 0, unknown offsets, at most 99', async () => {
    const c = new RawCDImageCreator();
    await c.addTrack(AUDIO, silence(1000));
    const t = c.trackInfo(1);
    assert.throws(() => t.addTrackIndex(1000), isHr(HR.E_INVALIDARG));
    assert.throws(() => t.addTrackIndex(-1), isHr(HR.E_INVALIDARG));
    assert.throws(
      () => t.addTrackIndex(9),
      isHr(HR.E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX),
    );
    assert.equal(t.addTrackIndex(10), HR.S_OK);
    assert.equal(t.addTrackIndex(10), HR.S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS);
    assert.throws(
      () => t.clearTrackIndex(0),
      isHr(HR.E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED),
    );
    assert.throws(() => t.clearTrackIndex(11), isHr(HR.E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND));
    t.clearTrackIndex(10);
    for (let off = 10; off <= 980; off += 10) t.addTrackIndex(off);
    assert.equal(t.trackIndexes.length, 99);
    assert.throws(() => t.addTrackIndex(995), isHr(HR.E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES));
  });

  it('ISRC and MCN must be well formed', async () => {
    const c = new RawCDImageCreator();
    assert.throws(() => (c.mediaCatalogNumber = '123'), isHr(HR.E_INVALIDARG));
    await c.addTrack(AUDIO, silence(300));
    assert.throws(() => (c.trackInfo(1).isrc = 'US-RC1-76-07839'), isHr(HR.E_INVALIDARG));
    assert.throws(() => c.trackInfo(2), isHr(HR.E_INVALIDARG));
  });

  it('startOfLeadoutLimit: a track that would pass it fails with INSUFFICIENT_SPACE', async () => {
    const c = new RawCDImageCreator();
    c.startOfLeadoutLimit = 500;
    await c.addTrack(AUDIO, silence(300));
    await assert.rejects(
      c.addTrack(AUDIO, silence(300)),
      isHr(HR.E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE),
    );
    assert.equal(c.startOfLeadout, 300);
  });

  it('a file that shrinks after addTrack fails the image (E_FAIL) instead of being padded', async () => {
    const path = join(dir, 'shrinks.iso');
    await writeFile(path, new Uint8Array(400 * 2048));
    const c = new RawCDImageCreator();
    await c.addTrack(CdSectorType.MODE1, path);
    await truncate(path, 350 * 2048);
    const image = c.createResultImage();
    await assert.rejects(
      (async () => {
        for await (const _ of image) void _;
      })(),
      isHr(HR.E_FAIL, /changed after addTrack/),
    );
  });
});
