// RawCDImageCreator: the sectors of a mixed-mode image (a Mode 1 data track from an ISO, then
// audio from a WAVE file and from raw PCM) checked sector by sector against what ECMA-130 and
// IMAPI2 say they hold — positions, pregaps, indexes, ISRC and MCN frames, P flags, the lead-out —
// with expected MSF and BCD values computed here by plain arithmetic; and every IMAPI2 refusal.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CdSectorType, RawCDImageCreator, type RawCDImage } from '../../src/format/index.js';
import { computeEdc, decodeQ, unpackRawPW } from '../../src/scsi/cd/index.js';
import { DwError, HR } from '../../src/errors.js';
import { isoImage } from '../helpers/iso.js';

const isHr = (hr: number) => (e: unknown) => e instanceof DwError && e.hr === hr;

/** A WAVE file built by hand: RIFF header, a 16-byte "fmt " chunk, optional extra chunk, "data". */
function wav(pcm: Uint8Array, o: { channels?: number; rate?: number; format?: number } = {}) {
  const channels = o.channels ?? 2;
  const rate = o.rate ?? 44100;
  const head = new Uint8Array(12 + 24 + 12 + 8);
  const dv = new DataView(head.buffer);
  head.set(new TextEncoder().encode('RIFF'), 0);
  dv.setUint32(4, head.length - 8 + pcm.length, true);
  head.set(new TextEncoder().encode('WAVEfmt '), 8);
  dv.setUint32(16, 16, true);
  dv.setUint16(20, o.format ?? 1, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, rate, true);
  dv.setUint32(28, rate * channels * 2, true);
  dv.setUint16(32, channels * 2, true);
  dv.setUint16(34, 16, true);
  head.set(new TextEncoder().encode('LIST'), 36); // an unrelated chunk to skip
  dv.setUint32(40, 4, true);
  head.set(new TextEncoder().encode('INFO'), 44);
  head.set(new TextEncoder().encode('data'), 48);
  dv.setUint32(52, pcm.length, true);
  const out = new Uint8Array(head.length + pcm.length);
  out.set(head);
  out.set(pcm, head.length);
  return out;
}

const pcm = (sectors: number, seed: number) =>
  Uint8Array.from({ length: sectors * 2352 }, (_, i) => (i * seed + (i >> 12)) & 0xff);

/** BCD of n (0..99), computed independently of the codecs. */
const bcd = (n: number) => Math.floor(n / 10) * 16 + (n % 10);
/** Expected absolute MSF (LBA + 150) as decoded numbers. */
const msf = (lba: number) => {
  const f = lba + 150;
  return [Math.floor(f / 4500), Math.floor(f / 75) % 60, f % 75];
};

async function collect(image: RawCDImage): Promise<Uint8Array> {
  const out = new Uint8Array(image.sectorCount * image.bytesPerSector);
  let at = 0;
  for await (const chunk of image) {
    out.set(chunk, at);
    at += chunk.length;
  }
  assert.equal(at, out.length, 'the stream holds exactly sectorCount sectors');
  return out;
}

describe('RawCDImageCreator: a mixed-mode image from LBA -150', () => {
  let dir = '';
  let iso: Uint8Array;
  let audio2: Uint8Array;
  let audio3: Uint8Array;
  let image: RawCDImage;
  let bytes: Uint8Array;
  let creator: RawCDImageCreator;
  const sector = (lba: number) => bytes.subarray((lba + 150) * 2448, (lba + 151) * 2448);
  const q = (lba: number) => unpackRawPW(sector(lba).subarray(2352))[1] as Uint8Array;
  const p = (lba: number) => unpackRawPW(sector(lba).subarray(2352))[0] as Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-rawcd-'));
    const { bytes: isoBytes } = await isoImage();
    iso = new Uint8Array(300 * 2048); // padded to the 4-second minimum
    iso.set(isoBytes.subarray(0, iso.length));
    audio2 = pcm(400, 7);
    audio3 = pcm(300, 11).subarray(0, 300 * 2352 - 1000); // a partial last sector
    await writeFile(join(dir, 'track2.wav'), wav(audio2));
    creator = new RawCDImageCreator();
    creator.mediaCatalogNumber = '0123456789012';
    assert.equal(await creator.addTrack(CdSectorType.MODE1, iso), 1);
    assert.equal(await creator.addTrack(CdSectorType.AUDIO, join(dir, 'track2.wav')), 2);
    assert.equal(await creator.addTrack(CdSectorType.AUDIO, audio3), 3);
    const t2 = creator.trackInfo(2);
    t2.isrc = 'USRC17607839';
    assert.equal(t2.addTrackIndex(100), HR.S_OK);
    assert.equal(t2.addTrackIndex(250), HR.S_OK);
    image = creator.createResultImage();
    bytes = await collect(image);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lays out pregaps: 150 before track 1, 150 at the data→audio change, none between audio', () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => creator.trackInfo(n).startingLba),
      [0, 300 + 150, 450 + 400],
    );
    assert.equal(creator.startOfLeadout, 1150);
    assert.equal(image.startLba, -150);
    assert.equal(image.bytesPerSector, 2448);
    assert.equal(image.sectorCount, 150 + 1150 + 6750);
    assert.deepEqual(creator.expectedTableOfContents.descriptors, [
      { adr: 1, control: 4, trackNumber: 1, trackStartAddress: 0 },
      { adr: 1, control: 0, trackNumber: 2, trackStartAddress: 450 },
      { adr: 1, control: 0, trackNumber: 3, trackStartAddress: 850 },
      { adr: 1, control: 0, trackNumber: 0xaa, trackStartAddress: 1150 },
    ]);
  });

  it('data sectors: sync, BCD header, the ISO user data, a valid EDC; pregap sectors are Mode 1 zeros', () => {
    for (const lba of [-150, -1, 0, 16, 299]) {
      const s = sector(lba);
      const [m, sec, f] = msf(lba);
      assert.deepEqual(
        [...s.subarray(0, 16)],
        [0, ...Array<number>(10).fill(255), 0, bcd(m ?? 0), bcd(sec ?? 0), bcd(f ?? 0), 1],
      );
      const user = lba < 0 ? new Uint8Array(2048) : iso.subarray(lba * 2048, (lba + 1) * 2048);
      assert.deepEqual(s.subarray(16, 2064), user);
      const edc = new DataView(s.buffer, s.byteOffset + 2064, 4).getUint32(0, true);
      assert.equal(edc, computeEdc(s.subarray(0, 2064)));
    }
  });

  it('audio sectors carry the PCM (WAVE data chunk, raw PCM padded with silence), pregaps silence', () => {
    assert.deepEqual(sector(300).subarray(0, 2352), new Uint8Array(2352));
    assert.deepEqual(sector(450).subarray(0, 2352), audio2.subarray(0, 2352));
    assert.deepEqual(sector(849).subarray(0, 2352), audio2.subarray(399 * 2352));
    assert.deepEqual(sector(850).subarray(0, 2352), audio3.subarray(0, 2352));
    const last = sector(1149).subarray(0, 2352);
    assert.deepEqual(last.subarray(0, 1352), audio3.subarray(299 * 2352));
    assert.deepEqual(last.subarray(1352), new Uint8Array(1000));
  });

  it('Q mode 1 everywhere else: track, index, relative time, absolute time = LBA + 150, good CRC', () => {
    const expect = (lba: number, tno: number, index: number, rel: number) => {
      const d = decodeQ(q(lba));
      assert.equal(d.crcOk, true, `CRC at ${lba}`);
      assert.equal(d.adr, 1, `ADR at ${lba}`);
      const [m, s, f] = msf(lba);
      const r = [Math.floor(rel / 4500), Math.floor(rel / 75) % 60, rel % 75];
      assert.deepEqual(
        q(lba).subarray(1, 10),
        Uint8Array.from([tno, bcd(index), ...r.map(bcd), 0, ...[m, s, f].map((v) => bcd(v ?? 0))]),
        `Q at ${lba}`,
      );
    };
    expect(-150, 0x01, 0, 149); // the pause counts down ...
    expect(-1, 0x01, 0, 0); // ... to 00:00:00 on its last sector
    expect(0, 0x01, 1, 0);
    expect(299, 0x01, 1, 299);
    expect(300, 0x02, 0, 149);
    expect(450, 0x02, 1, 0);
    expect(549, 0x02, 1, 99);
    expect(550, 0x02, 2, 100);
    expect(700, 0x02, 3, 250);
    expect(850, 0x03, 1, 0);
    expect(1150, 0xaa, 1, 0);
    expect(1150 + 6749, 0xaa, 1, 6749);
  });

  it('one MCN frame (mode 2) and, inside track 2, one ISRC frame (mode 3) in every 100 sectors', () => {
    let mcn = 0;
    let isrc = 0;
    for (let lba = -150; lba < 1150; lba++) {
      const d = decodeQ(q(lba));
      assert.equal(d.crcOk, true);
      if (d.adr === 2) {
        mcn++;
        assert.equal(d.mediaCatalogNumber, '0123456789012');
        assert.equal((lba + 150) % 100, 50);
      }
      if (d.adr === 3) {
        isrc++;
        assert.equal(d.isrc, 'USRC17607839');
        assert.ok(lba >= 450 && lba < 850, `ISRC only in track 2 (at ${lba})`);
      }
    }
    // 13 slots (absolute frames 50, 150, ..., 1250); those at 150, 450 and 850 are index starts
    // (LBA 0, 300 and 700), which stay in mode 1.
    assert.equal(mcn, 10);
    assert.equal(isrc, 4);
  });

  it('P is set in the pauses, clear in the tracks, a 2 Hz square wave in the lead-out; R-W empty', () => {
    const on = (lba: number) => p(lba).every((b) => b === 0xff);
    const off = (lba: number) => p(lba).every((b) => b === 0);
    assert.ok(on(-150) && on(-1) && on(300) && on(449));
    assert.ok(off(0) && off(299) && off(450) && off(849) && off(850) && off(1149));
    // 18.75 frames per half period: frames 0..18 set, 19..37 clear, 38..56 set.
    assert.ok(on(1150) && on(1150 + 18) && off(1150 + 19) && off(1150 + 37) && on(1150 + 38));
    for (const lba of [-150, 0, 500, 1150]) {
      const rw = unpackRawPW(sector(lba).subarray(2352)).slice(2);
      assert.ok(rw.every((c) => c.every((b) => b === 0)));
    }
  });

  it('the lead-out after an audio track is silence', () => {
    assert.deepEqual(sector(1150).subarray(0, 2352), new Uint8Array(2352));
  });

  it('is read-only once built: every change fails with E_IMAPI_RAW_IMAGE_IS_READ_ONLY', async () => {
    const ro = isHr(HR.E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
    assert.throws(() => (creator.mediaCatalogNumber = ''), ro);
    assert.throws(() => creator.trackInfo(2).addTrackIndex(300), ro);
    assert.throws(() => (creator.trackInfo(2).isrc = ''), ro);
    await assert.rejects(creator.addTrack(CdSectorType.AUDIO, audio2), ro);
  });
});

describe('RawCDImageCreator: an image from the lead-in', () => {
  it('starts at the given lead-in LBA; its Q cycles the TOC (each entry 3 times), P clear, silence', async () => {
    const c = new RawCDImageCreator();
    const a = pcm(300, 3);
    const b = pcm(300, 5);
    await c.addTrack(CdSectorType.AUDIO, a);
    await c.addTrack(CdSectorType.AUDIO, b);
    const image = c.createResultImage({ leadInStartLba: -11634 });
    assert.equal(image.startLba, -11634);
    assert.equal(image.sectorCount, 11484 + 150 + 600 + 6750);
    const bytes = await collect(image);
    const sector = (lba: number) => bytes.subarray((lba + 11634) * 2448, (lba + 11635) * 2448);
    const q = (lba: number) => unpackRawPW(sector(lba).subarray(2352))[1] as Uint8Array;
    // TOC: track 1 at 00:02:00, track 2 at 00:06:00 (LBA 300), A0 first 01, A1 last 02,
    // A2 lead-out at 00:10:00 (LBA 600).
    const toc = [
      [0x01, 0x00, 0x02, 0x00],
      [0x02, 0x00, 0x06, 0x00],
      [0xa0, 0x01, 0x00, 0x00],
      [0xa1, 0x02, 0x00, 0x00],
      [0xa2, 0x00, 0x10, 0x00],
    ];
    for (let n = 0; n < 40; n++) {
      const lba = -11634 + n;
      const [point, pm, ps, pf] = toc[Math.floor(n / 3) % 5]!;
      const rel = [0, Math.floor(n / 75) % 60, n % 75].map(bcd);
      assert.deepEqual(
        q(lba).subarray(0, 10),
        Uint8Array.from([0x01, 0x00, point!, ...rel, 0, pm!, ps!, pf!]),
        `lead-in Q at ${lba}`,
      );
      assert.equal(decodeQ(q(lba)).crcOk, true);
      assert.ok(
        unpackRawPW(sector(lba).subarray(2352))[0]!.every((x) => x === 0),
        'P clear',
      );
      assert.deepEqual(sector(lba).subarray(0, 2352), new Uint8Array(2352));
    }
    // The last lead-in sector, then the pregap and the program area as before.
    const lastN = 11483;
    assert.equal(q(-151)[2], toc[Math.floor(lastN / 3) % 5]![0]);
    assert.deepEqual([...q(-150).subarray(0, 3)], [0x01, 0x01, 0x00]);
    assert.deepEqual(sector(0).subarray(0, 2352), a.subarray(0, 2352));
  });

  it('refuses a lead-in start outside the MSF range or after -150', async () => {
    const c = new RawCDImageCreator();
    await c.addTrack(CdSectorType.AUDIO, pcm(300, 3));
    assert.throws(() => c.createResultImage({ leadInStartLba: -149 }), isHr(HR.E_INVALIDARG));
    assert.throws(() => c.createResultImage({ leadInStartLba: -45151 }), isHr(HR.E_INVALIDARG));
  });
});
