// Refusals around the raw CD sector types and the caller's R-W: drives that list raw writing
// without R-W (virtual:cd-r?mastering=raw16) or none (mastering=sao), images of another type than
// the one prepared, SAO of a non-IS_RAW image, and addSubcodeRWGenerator's checks (PQ_ONLY, whole
// sectors, the image's length, the P/Q bits, a stream too short or too long, the CD-TEXT lead-in).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CdSectorType,
  DiscFormat2RawCD,
  Format2RawCdDataSectorType as T,
  RawCDImageCreator,
  type RawCDImage,
} from '../../src/format/index.js';
import { HR } from '../../src/errors.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';
import { rejectsWith, rig, setCdWriteMode, throwsWith, writes } from '../helpers/recorder.js';

const audio = (sectors: number) =>
  Uint8Array.from({ length: sectors * 2352 }, (_, i) => (i * 3 + (i >> 9)) & 0xff);

async function creator(type: T = T.SUBCODE_IS_RAW): Promise<RawCDImageCreator> {
  const c = new RawCDImageCreator();
  await c.addTrack(CdSectorType.AUDIO, audio(300));
  c.resultingImageType = type;
  return c;
}

async function drain(image: RawCDImage): Promise<number> {
  let n = 0;
  for await (const chunk of image) n += chunk.length / image.bytesPerSector;
  return n;
}

describe('raw CD sector types: what the drive lists', () => {
  it('a drive with Raw but no R-W lists PQ_ONLY only, refuses the others, writes raw16', async () => {
    const r = await rig('virtual:cd-r?mastering=raw16');
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    assert.deepEqual(await raw.getSupportedSectorTypes(), [T.SUBCODE_PQ_ONLY]);
    for (const type of [T.SUBCODE_IS_RAW, T.SUBCODE_IS_COOKED]) {
      raw.requestedSectorType = type;
      const e = await rejectsWith(raw.prepareMedia());
      assert.equal(e.hr, HR.E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED);
    }
    assert.equal(r.log.filter((e) => e.name.startsWith('MODE SELECT')).length, 0);
    // The drive itself refuses page 05h raw with R-W: 05/26/00.
    const e = await rejectsWith(setCdWriteMode(r.recorder, 3, 3));
    assert.equal(e.senseInfo?.asc, 0x26);
    raw.requestedSectorType = T.SUBCODE_PQ_ONLY;
    await raw.prepareMedia();
    // An image of another type than the one prepared is refused before anything is written.
    const wrong = (await creator(T.SUBCODE_IS_RAW)).createResultImage();
    const e2 = await rejectsWith(raw.writeMedia(wrong));
    assert.equal(e2.hr, HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED);
    assert.equal(writes(r.log).length, 0);
    const image = (await creator(T.SUBCODE_PQ_ONLY)).createResultImage();
    assert.equal(image.bytesPerSector, 2368);
    await raw.writeMedia(image);
    const res = await r.recorder.executeCommand(
      readCd({ lba: 0, transferLength: 1, userData: true, bytesPerSector: 2352 }),
    );
    assert.deepEqual(res.dataIn, audio(1));
    await raw.releaseMedia();
  });

  it('a drive without raw writing is refused, a raw16 drive lists PQ_ONLY only; SAO takes IS_RAW images only', async () => {
    const sao = await rig('virtual:cd-r?mastering=sao');
    const none = new DiscFormat2RawCD({ clock: sao.clock });
    assert.equal(await none.isRecorderSupported(sao.recorder), false);
    const e = await rejectsWith(none.setRecorder(sao.recorder));
    assert.equal(e.hr, HR.E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED);
    assert.equal((await rejectsWith(setCdWriteMode(sao.recorder, 3, 1))).senseInfo?.asc, 0x26);
    const pq = await rig('virtual:cd-r?mastering=raw16');
    const pqOnly = new DiscFormat2RawCD({ clock: pq.clock });
    await pqOnly.setRecorder(pq.recorder);
    assert.deepEqual(await pqOnly.getSupportedSectorTypes(), [T.SUBCODE_PQ_ONLY]);
    pqOnly.requestedSectorType = T.SUBCODE_IS_RAW;
    const e1 = await rejectsWith(pqOnly.prepareMedia());
    assert.equal(e1.hr, HR.E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED);
    assert.equal(writes(pq.log).length, 0);

    const r = await rig('virtual:cd-r');
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    raw.requestedSectorType = T.SUBCODE_IS_COOKED;
    await raw.prepareMedia();
    const cooked = (await creator(T.SUBCODE_IS_COOKED)).createResultImage();
    const e2 = await rejectsWith(raw.writeMediaSao(cooked));
    assert.equal(e2.hr, HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED);
    assert.equal(writes(r.log).length, 0);
    await raw.releaseMedia();
  });
});

describe('addSubcodeRWGenerator', () => {
  it('is refused with PQ_ONLY, and PQ_ONLY with a generator or CD-TEXT', async () => {
    const pq = await creator(T.SUBCODE_PQ_ONLY);
    const notRw = HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED;
    assert.equal(throwsWith(() => pq.addSubcodeRWGenerator(new Uint8Array(96))).hr, notRw);
    assert.equal(throwsWith(() => (pq.cdText = { album: { title: 'A' }, tracks: [{}] })).hr, notRw);
    const c = await creator();
    c.addSubcodeRWGenerator(new Uint8Array(96));
    assert.equal(throwsWith(() => (c.resultingImageType = T.SUBCODE_PQ_ONLY)).hr, notRw);
    c.addSubcodeRWGenerator(undefined);
    c.cdText = { album: { title: 'A' }, tracks: [{}] };
    assert.equal(throwsWith(() => (c.resultingImageType = T.SUBCODE_PQ_ONLY)).hr, notRw);
    c.cdText = undefined;
    c.resultingImageType = T.SUBCODE_PQ_ONLY;
  });

  it('checks whole sectors and the image length up front (the creator stays writable)', async () => {
    const c = await creator();
    const bad = HR.E_INVALIDARG;
    assert.equal(throwsWith(() => c.addSubcodeRWGenerator(new Uint8Array(95))).hr, bad);
    assert.equal(throwsWith(() => c.addSubcodeRWGenerator(new Uint8Array(0))).hr, bad);
    assert.equal(throwsWith(() => c.addSubcodeRWGenerator(42 as never)).hr, bad);
    const sectors = 150 + 300 + 6750;
    c.addSubcodeRWGenerator(new Uint8Array((sectors - 1) * 96));
    assert.equal(throwsWith(() => c.createResultImage()).hr, bad);
    c.addSubcodeRWGenerator(new Uint8Array((sectors + 1) * 96));
    assert.equal(throwsWith(() => c.createResultImage()).hr, bad);
    const rw = new Uint8Array(sectors * 96).map((_, i) => i % 64);
    c.addSubcodeRWGenerator(rw);
    const image = c.createResultImage();
    let lba = image.startLba;
    for await (const chunk of image) {
      for (let at = 0; at < chunk.length; at += 2448, lba++) {
        for (let i = 0; i < 96; i++) {
          const want = rw[(lba + 150) * 96 + i]!;
          if ((chunk[at + 2352 + i]! & 0x3f) !== want) assert.fail(`R-W ${i} of LBA ${lba}`);
        }
      }
    }
    assert.equal(lba, 300 + 6750);
  });

  it('fails a pass over the image at the sector where the stream is wrong', async () => {
    const sectors = 150 + 300 + 6750;
    const streamOf = (bytes: Uint8Array, chunk = 777): Iterable<Uint8Array> => ({
      *[Symbol.iterator]() {
        for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
      },
    });
    const run = async (rw: Uint8Array) => {
      const c = await creator(T.SUBCODE_IS_COOKED);
      c.addSubcodeRWGenerator(streamOf(rw));
      return rejectsWith(drain(c.createResultImage()));
    };
    const short = await run(new Uint8Array((sectors - 2) * 96 + 10));
    assert.equal(short.hr, HR.E_FAIL);
    assert.match(short.message, /ended at LBA 7048/);
    const long = await run(new Uint8Array(sectors * 96 + 1));
    assert.equal(long.hr, HR.E_FAIL);
    assert.match(long.message, /past the image's last sector/);
    const pBits = new Uint8Array(sectors * 96);
    pBits[(10 + 150) * 96 + 3] = 0x40;
    const e = await run(pBits);
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /byte 3 of LBA 10 /);
    // An iterable that yields something else than bytes.
    const c = await creator();
    c.addSubcodeRWGenerator([new Uint8Array(96), 'x' as never]);
    assert.equal((await rejectsWith(drain(c.createResultImage()))).hr, HR.E_INVALIDARG);
    // A complete stream passes, twice (each pass reads it afresh).
    const ok = await creator(T.SUBCODE_IS_COOKED);
    ok.addSubcodeRWGenerator(streamOf(new Uint8Array(sectors * 96)));
    const image = ok.createResultImage();
    assert.equal(await drain(image), sectors);
    assert.equal(await drain(image), sectors);
  });

  it('leaves the lead-in R-W to the CD-TEXT: the stream must be zero there', async () => {
    const c = await creator();
    c.cdText = { album: { title: 'Album' }, tracks: [{}] };
    const leadIn = -11634;
    const sectors = -150 - leadIn + 150 + 300 + 6750;
    const rw = new Uint8Array(sectors * 96);
    rw[5 * 96] = 1;
    c.addSubcodeRWGenerator(rw);
    const e = await rejectsWith(drain(c.createResultImage({ leadInStartLba: leadIn })));
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /lead-in LBA -11629 .*CD-TEXT/);
  });
});
