// RawCDImageCreator's special pregap (addSpecialPregap: audio in track 1's whole pregap, a hidden
// track) and the disc type in the lead-in's A0 (20h CD-ROM XA when a track is Mode 2), checked
// in the image's sectors (Q decoded here from its fixed byte positions) and, written raw on the
// virtual CD-R, through READ CD and READ TOC.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { truncate, writeFile } from 'node:fs/promises';
import { CdSectorType, DiscFormat2RawCD, RawCDImageCreator } from '../../src/format/index.js';
import type { RawCDImage } from '../../src/format/index.js';
import { HR } from '../../src/errors.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';
import { unpackRawPW } from '../../src/scsi/cd/index.js';
import {
  decodeFormattedToc,
  decodeRawToc,
  readTocPmaAtip,
} from '../../src/scsi/mmc/read-toc-pma-atip.js';
import { scratchImages } from '../helpers/images.js';
import { rejectsWith, rig } from '../helpers/recorder.js';

const { filePath } = scratchImages('discwright-raw-cd-pregap-');

const pcm = (sectors: number, seed: number) =>
  Uint8Array.from({ length: sectors * 2352 }, (_, i) => (i * seed + (i >> 10)) & 0xff);

/** The image's sectors from its first, `limit` of them at most. */
async function sectorsOf(image: RawCDImage, limit = Infinity): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of image) {
    for (let at = 0; at < chunk.length; at += image.bytesPerSector) {
      out.push(chunk.subarray(at, at + image.bytesPerSector));
    }
    if (out.length >= limit) break;
  }
  return out;
}

const bcd = (n: number) => ((n / 10) | 0) * 16 + (n % 10);

describe('addSpecialPregap', () => {
  it('fills track 1 pregap from -150 with its audio; track 1 starts after it', async () => {
    const hidden = pcm(300, 7);
    const track = pcm(300, 3);
    const c = new RawCDImageCreator();
    await c.addSpecialPregap(hidden);
    await c.addTrack(CdSectorType.AUDIO, track);
    assert.equal(c.trackInfo(1).startingLba, 150);
    assert.equal(c.expectedTableOfContents.descriptors[0]!.trackStartAddress, 150);
    assert.equal(c.startOfLeadout, 450);
    const image = c.createResultImage();
    const sectors = await sectorsOf(image);
    for (const lba of [-150, -1, 0, 149]) {
      const s = sectors[lba + 150]!;
      assert.deepEqual(
        s.subarray(0, 2352),
        hidden.subarray((lba + 150) * 2352, (lba + 151) * 2352),
      );
      const [p, q] = unpackRawPW(s.subarray(2352));
      assert.equal(p![0], 0xff, `P set in the pregap @${lba}`);
      // Q mode 1: TNO 01, INDEX 00, relative time counting down to 00:00:00 at LBA 149.
      const rel = 149 - lba;
      const want = [
        0x01,
        0x01,
        0x00,
        bcd((rel / 4500) | 0),
        bcd(((rel / 75) | 0) % 60),
        bcd(rel % 75),
      ];
      assert.deepEqual([...q!.subarray(0, 6)], want, `Q @${lba}`);
    }
    const first = sectors[150 + 150]!;
    assert.deepEqual(first.subarray(0, 2352), track.subarray(0, 2352));
    assert.deepEqual([...unpackRawPW(first.subarray(2352))[1]!.subarray(0, 3)], [1, 1, 1]);

    const r = await rig('virtual:cd-r');
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    await raw.prepareMedia();
    await raw.writeMedia(image);
    const x = async (cmd: Parameters<typeof r.recorder.executeCommand>[0]) =>
      (await r.recorder.executeCommand(cmd)).dataIn;
    const toc = decodeFormattedToc(await x(readTocPmaAtip({ format: 0, allocationLength: 100 })));
    assert.deepEqual(toc, c.expectedTableOfContents);
    const lba0 = await x(
      readCd({ lba: 0, transferLength: 1, userData: true, bytesPerSector: 2352 }),
    );
    assert.deepEqual(lba0, hidden.subarray(150 * 2352, 151 * 2352), 'the hidden audio reads back');
    await raw.releaseMedia();
  });

  it('refuses: after a track, shorter than 2 s, past 88:25:74, a data track 1', async () => {
    const c = new RawCDImageCreator();
    assert.equal(
      (await rejectsWith(c.addSpecialPregap(pcm(149, 1)))).hr,
      HR.E_INVALIDARG,
      'at least 150 sectors',
    );
    // A sparse file one sector too long: its last sector would be LBA 397,800.
    const big = filePath('big.pcm');
    await writeFile(big, new Uint8Array(0));
    await truncate(big, (397_800 + 151) * 2352);
    assert.equal(
      (await rejectsWith(c.addSpecialPregap(big))).hr,
      HR.E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE,
    );
    await truncate(big, (397_799 + 151) * 2352);
    await c.addSpecialPregap(big);
    assert.equal(
      (await rejectsWith(c.addTrack(CdSectorType.MODE1, new Uint8Array(300 * 2048)))).hr,
      HR.E_INVALIDARG,
      'track 1 after a special pregap is audio',
    );
    await c.addTrack(CdSectorType.AUDIO, pcm(300, 1));
    assert.equal(c.trackInfo(1).startingLba, 397_800);
    assert.equal(
      (await rejectsWith(c.addSpecialPregap(pcm(150, 1)))).hr,
      HR.E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED,
    );
    const d = new RawCDImageCreator();
    await d.addSpecialPregap(pcm(200, 1));
    await d.addSpecialPregap(undefined);
    await d.addTrack(CdSectorType.MODE1, new Uint8Array(300 * 2048));
    assert.equal(d.trackInfo(1).startingLba, 0, 'removed: the usual 2 s pregap');
  });
});

describe('disc type in A0', () => {
  /** PSEC of the lead-in's A0 entries (Q byte 2 = POINT, byte 8 = PSEC). */
  const a0Psec = (sectors: Uint8Array[]) => {
    const seen = new Set<number>();
    for (const s of sectors) {
      const q = unpackRawPW(s.subarray(2352))[1]!;
      if (q[1] === 0 && q[2] === 0xa0) seen.add(q[8]!);
    }
    return [...seen];
  };

  it('is 20h (CD-ROM XA) with a Mode 2 track, 00h otherwise; READ TOC format 2 agrees', async () => {
    const r = await rig('virtual:cd-r');
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    await raw.prepareMedia();
    const xa = new RawCDImageCreator();
    await xa.addTrack(CdSectorType.MODE2FORM1, new Uint8Array(300 * 2048).fill(5));
    await xa.addTrack(CdSectorType.AUDIO, pcm(300, 3));
    const image = xa.createResultImage({ leadInStartLba: raw.startOfNextSession });
    assert.deepEqual(a0Psec(await sectorsOf(image, 400)), [0x20]);
    await raw.writeMedia2(image, -150 - raw.startOfNextSession);
    const full = decodeRawToc(
      (await r.recorder.executeCommand(readTocPmaAtip({ format: 2, allocationLength: 500 })))
        .dataIn,
    );
    assert.equal(full.descriptors.find((d) => d.point === 0xa0)!.psec, 0x20);
    await raw.releaseMedia();

    const rom = new RawCDImageCreator();
    await rom.addTrack(CdSectorType.MODE1, new Uint8Array(300 * 2048));
    await rom.addTrack(CdSectorType.AUDIO, pcm(300, 3));
    assert.deepEqual(
      a0Psec(await sectorsOf(rom.createResultImage({ leadInStartLba: -11634 }), 400)),
      [0],
    );
  });
});
