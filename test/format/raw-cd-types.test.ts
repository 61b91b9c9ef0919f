// The three IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPEs written raw from the lead-in on the virtual
// CD-R, at the CDB level: the mixed-mode CUE/BIN of test/helpers/cue-bin.ts (a data track, two
// audio tracks with ISRC, an index, MCN and CD-TEXT) built as PQ_ONLY (2,368-byte sectors: Data
// Block Type 1), IS_COOKED (2,448, packed R-W: type 2) and IS_RAW (2,448, raw P-W: type 3), the
// cooked and raw ones with R-W from addSubcodeRWGenerator. Read back with READ CD, they hold the
// same main channel and Q; R-W are the generator's where the type carries them, zero for
// PQ_ONLY, whose lead-in has no CD-TEXT either.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DiscFormat2RawCD,
  Format2RawCdDataSectorType as T,
  cueImageCreator,
  type RawCDImage,
} from '../../src/format/index.js';
import { HR } from '../../src/errors.js';
import { unpackRawPW } from '../../src/scsi/cd/index.js';
import {
  decodeFormattedToc,
  decodeRawToc,
  readTocPmaAtip,
} from '../../src/scsi/mmc/read-toc-pma-atip.js';
import { decodeCdTextTocData } from '../../src/scsi/mmc/read-toc-cd-text.js';
import { decodeCdText } from '../../src/scsi/cd/cd-text.js';
import { decodeWriteParametersPage } from '../../src/scsi/mmc/mode-pages/write-parameters.js';
import { scratchImages } from '../helpers/images.js';
import { writeMixedCueBin } from '../helpers/cue-bin.js';
import { readWholeSector } from '../helpers/raw-image.js';
import { cdbBlocks, rig, throwsWith, writes, type Rig } from '../helpers/recorder.js';

const { filePath } = scratchImages('discwright-raw-cd-types-');

/** The generator's R-W symbol `i` of sector `lba`: zero in the lead-in (CD-TEXT is there). */
const rwByte = (lba: number, i: number): number => (lba < -150 ? 0 : (lba * 7 + i * 5) & 0x3f);

/** R-W for every sector from `first` to `end`, as chunks of 1,000 bytes (not whole sectors). */
function rwStream(first: number, end: number): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const all = new Uint8Array((end - first) * 96);
      for (let lba = first; lba < end; lba++) {
        for (let i = 0; i < 96; i++) all[(lba - first) * 96 + i] = rwByte(lba, i);
      }
      for (let at = 0; at < all.length; at += 1000) yield all.subarray(at, at + 1000);
    },
  };
}

interface Written {
  readonly r: Rig;
  readonly image: RawCDImage;
  /** The image's sectors at the sampled LBAs, as the creator built them. */
  readonly built: Map<number, Uint8Array>;
}

async function burn(type: T, sample: readonly number[]): Promise<Written> {
  const r = await rig('virtual:cd-r');
  const raw = new DiscFormat2RawCD({ clock: r.clock });
  await raw.setRecorder(r.recorder);
  raw.requestedSectorType = type;
  await raw.prepareMedia();
  const first = raw.startOfNextSession;
  const { sheet, creator } = await cueImageCreator(await writeMixedCueBin(filePath));
  // The sheet's titles as CD-TEXT, as burn --cue sets them.
  creator.cdText = {
    album: { ...sheet.cdText },
    tracks: sheet.tracks.map((t) => ({ ...t.cdText })),
  };
  if (type === T.SUBCODE_PQ_ONLY) {
    // CD-TEXT needs R-W: PQ_ONLY is refused until it goes.
    const e = throwsWith(() => (creator.resultingImageType = type));
    assert.equal(e.hr, HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
    creator.cdText = undefined;
  } else {
    const end = creator.startOfLeadout + 6750;
    creator.addSubcodeRWGenerator(rwStream(first, end));
  }
  creator.resultingImageType = type;
  const image = creator.createResultImage({ leadInStartLba: first });
  const built = new Map<number, Uint8Array>();
  let lba = first;
  for await (const chunk of image) {
    for (let at = 0; at < chunk.length; at += image.bytesPerSector, lba++) {
      if (sample.includes(lba)) built.set(lba, chunk.slice(at, at + image.bytesPerSector));
    }
  }
  await raw.writeMedia2(image, -150 - first);
  await raw.releaseMedia();
  return { r, image, built };
}

describe('raw DAO of each sector type (PQ_ONLY, IS_COOKED, IS_RAW)', () => {
  it('writes Data Block Type 1, 2, 3 and reads back the same main channel and Q; R-W where carried', async () => {
    // First pregap, track 1, the pregap of track 2 (P set), track 2 with its MCN/ISRC frames
    // and index 2, track 3, the lead-out's first sectors.
    const sample = [-150, -1, 0, 1, 299, 300, 449, 450, 475, 500, 750, 800, 1100, 1125];
    const out = new Map<T, Written>();
    for (const type of [T.SUBCODE_PQ_ONLY, T.SUBCODE_IS_COOKED, T.SUBCODE_IS_RAW]) {
      out.set(type, await burn(type, sample));
    }
    const leadOut = out.get(T.SUBCODE_IS_RAW)!.image.layout.startOfLeadout;
    assert.ok(sample.includes(leadOut) || sample.some((l) => l >= leadOut));
    const blockType = { 1: 1, 2: 2, 3: 3 } as const;
    const bytesOf = { 1: 2368, 2: 2448, 3: 2448 } as const;
    for (const [type, { r }] of out) {
      // Page 05h as the drive holds it: Write Type raw and the type's Data Block Type.
      const page = decodeWriteParametersPage(await r.recorder.getModePage(0x05, 0));
      assert.equal(page.writeType, 3);
      assert.equal(page.dataBlockType, blockType[type]);
      const sent = writes(r.log);
      assert.ok(sent.length > 0);
      for (const w of sent) {
        assert.equal(w.dataOutBytes, cdbBlocks(w) * bytesOf[type], `type ${type}: WRITE data-out`);
      }
    }
    const rawRig = out.get(T.SUBCODE_IS_RAW)!;
    for (const lba of sample) {
      const want = rawRig.built.get(lba)!;
      const wantCh = unpackRawPW(want.subarray(2352));
      for (const [type, w] of out) {
        const got = await readWholeSector(w.r.recorder, lba, 1, 2448);
        assert.deepEqual(got.subarray(0, 2352), want.subarray(0, 2352), `main, ${type} @${lba}`);
        const ch = unpackRawPW(got.subarray(2352));
        assert.deepEqual(ch[0], wantCh[0], `P, type ${type} @${lba}`);
        assert.deepEqual(ch[1], wantCh[1], `Q, type ${type} @${lba}`);
        if (type === T.SUBCODE_PQ_ONLY) {
          for (let i = 0; i < 96; i++) assert.equal(got[2352 + i]! & 0x3f, 0, `R-W @${lba}`);
          // The 16-byte block the host sent is what READ CD's formatted Q returns (12 bytes).
          const sent = w.built.get(lba)!;
          const q = await readWholeSector(w.r.recorder, lba, 2, 2368);
          assert.deepEqual(q.subarray(2352, 2364), sent.subarray(2352, 2364), `Q16 @${lba}`);
          assert.equal(sent[2352 + 15], ch[0]![0] === 0xff ? 0x80 : 0, `P in byte 15 @${lba}`);
        } else {
          assert.deepEqual(got, w.built.get(lba), `type ${type} @${lba}: as built`);
          for (let i = 0; i < 96; i++) {
            assert.equal(got[2352 + i]! & 0x3f, rwByte(lba, i), `R-W ${i}, type ${type} @${lba}`);
          }
        }
      }
    }
    // The TOC from the lead-in's Q is the same for all; CD-TEXT only where R-W were written.
    const toc = async (r: Rig, format: number) =>
      (await r.recorder.executeCommand(readTocPmaAtip({ format, allocationLength: 2000 }))).dataIn;
    const fullToc = decodeRawToc(await toc(rawRig.r, 2)).descriptors;
    assert.ok(fullToc.some((d) => d.point === 0xa2));
    for (const [type, { r }] of out) {
      const x = (format: number) => toc(r, format);
      const formatted = decodeFormattedToc(await x(0));
      assert.equal(formatted.descriptors.at(-1)!.trackStartAddress, leadOut);
      assert.deepEqual(decodeRawToc(await x(2)).descriptors, fullToc, `full TOC, type ${type}`);
      const packs = decodeCdTextTocData(await x(5));
      if (type === T.SUBCODE_PQ_ONLY) assert.equal(packs.length, 0, 'no CD-TEXT without R-W');
      else assert.equal(decodeCdText(packs).album.title, 'Album');
    }
  });
});
