// DiscFormat2RawCD on the virtual CD-R, at the CDB level: prepareMedia selects raw writing with
// raw P-W (page 05h read back, bytes decoded here), writeMedia sends 2,448-byte sectors from LBA
// −150, and READ CD returns the main channel that was built; the E_IMAPI_DF2RAW_* refusals.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Format2RawCdDataSectorType } from '../../src/format/index.js';
import {
  DiscFormat2RawCD,
  CdSectorType,
  RawCDImageCreator,
  type RawCDImage,
} from '../../src/format/index.js';
import { HR } from '../../src/errors.js';
import { readWholeSector } from '../helpers/raw-image.js';
import { cdbBlocks, cdbLba, rejectsWith, rig, throwsWith, writes } from '../helpers/recorder.js';

async function mixedImage(): Promise<{ image: RawCDImage; bytes: Uint8Array }> {
  const c = new RawCDImageCreator();
  const data = Uint8Array.from({ length: 300 * 2048 }, (_, i) => (i * 5 + (i >> 11)) & 0xff);
  const audio = Uint8Array.from({ length: 300 * 2352 }, (_, i) => (i * 3 + (i >> 10)) & 0xff);
  await c.addTrack(CdSectorType.MODE1, data);
  await c.addTrack(CdSectorType.AUDIO, audio);
  const image = c.createResultImage();
  const bytes = new Uint8Array(image.sectorCount * image.bytesPerSector);
  let at = 0;
  for await (const chunk of image) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { image, bytes };
}

describe('DiscFormat2RawCD on the virtual CD-R', () => {
  it('writes the image raw from -150 and READ CD returns the main channel as built', async () => {
    const r = await rig('virtual:cd-r');
    const { image, bytes } = await mixedImage();
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    assert.deepEqual(await raw.getSupportedSectorTypes(), [1, 2, 3], 'CD Mastering: Raw, R-W');
    await raw.prepareMedia();
    const page = await r.recorder.getModePage(0x05, 0);
    assert.equal(page[0]! & 0x3f, 0x05);
    assert.equal(page[2]! & 0x0f, 3, 'Write Type raw');
    assert.equal(page[4]! & 0x0f, 3, 'Data Block Type 3: raw P-W, 2448 bytes');
    assert.ok(raw.startOfNextSession < -150, 'the lead-in lies before the pregap');
    assert.ok(raw.lastPossibleStartOfLeadout > 0);

    await raw.writeMedia(image);
    const w = writes(r.log);
    assert.equal(cdbLba(w[0]!), -150);
    assert.equal(
      w.reduce((n, e) => n + cdbBlocks(e), 0),
      image.sectorCount,
    );
    assert.equal(image.sectorCount, 150 + 300 + 150 + 300 + 6750);
    // The main channel from LBA 0 (raw-cd-readback.test.ts reads the pregap and sub-channel).
    for (const lba of [0, 299, 300, 450, 749]) {
      const main = await readWholeSector(r.recorder, lba);
      const at = (lba + 150) * 2448;
      assert.deepEqual(main, bytes.subarray(at, at + 2352), `main channel at LBA ${lba}`);
    }
    await raw.releaseMedia();
    const again = new DiscFormat2RawCD({ clock: r.clock });
    await again.setRecorder(r.recorder);
    assert.equal(
      (await rejectsWith(again.prepareMedia())).hr,
      HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK,
    );
  });

  it('writeMedia2 writes an image from the lead-in the ATIP gives (-11634)', async () => {
    const r = await rig('virtual:cd-r');
    const c = new RawCDImageCreator();
    const audio = Uint8Array.from({ length: 300 * 2352 }, (_, i) => (i * 9 + (i >> 8)) & 0xff);
    await c.addTrack(CdSectorType.AUDIO, audio);
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    await raw.prepareMedia();
    assert.equal(raw.startOfNextSession, -11634);
    const fromPregap = c.createResultImage();
    assert.equal(
      (await rejectsWith(raw.writeMedia2(fromPregap, 0))).hr,
      HR.E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT,
    );
    const early = c.createResultImage({ leadInStartLba: -12000 });
    assert.equal(
      (await rejectsWith(raw.writeMedia2(early, 11850))).hr,
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    const image = c.createResultImage({ leadInStartLba: raw.startOfNextSession });
    assert.equal((await rejectsWith(raw.writeMedia2(image, 100))).hr, HR.E_INVALIDARG);
    assert.equal(
      (await rejectsWith(raw.writeMedia(image))).hr,
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    assert.equal(writes(r.log).length, 0);
    await raw.writeMedia2(image, 11484);
    const w = writes(r.log);
    assert.equal(cdbLba(w[0]!), -11634);
    assert.equal(
      w.reduce((n, e) => n + cdbBlocks(e), 0),
      11484 + 150 + 300 + 6750,
    );
    assert.deepEqual(await readWholeSector(r.recorder, 0), audio.subarray(0, 2352));
    await raw.releaseMedia();
  });

  it('refuses: no recorder, a second prepareMedia, writeMedia unprepared, DVD media, unknown sector types', async () => {
    const raw = new DiscFormat2RawCD();
    assert.equal(
      (await rejectsWith(raw.prepareMedia())).hr,
      HR.E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED,
    );
    const r = await rig('virtual:cd-r');
    await raw.setRecorder(r.recorder);
    const { image } = await mixedImage();
    assert.equal(
      (await rejectsWith(raw.writeMedia(image))).hr,
      HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED,
    );
    assert.equal(
      throwsWith(() => raw.startOfNextSession).hr,
      HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED,
    );
    assert.equal(
      throwsWith(() => (raw.requestedSectorType = 4 as Format2RawCdDataSectorType)).hr,
      HR.E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED,
    );
    await raw.prepareMedia();
    assert.equal((await rejectsWith(raw.prepareMedia())).hr, HR.E_IMAPI_DF2RAW_MEDIA_IS_PREPARED);
    // Images that do not fit what was prepared (altered copies of a real one): nothing is sent.
    const fromLeadIn = { ...image, startLba: -11634 };
    const cooked = { ...image, bytesPerSector: 2352 };
    const tooLong = { ...image, layout: { ...image.layout, startOfLeadout: 360_000 } };
    assert.equal(
      (await rejectsWith(raw.writeMedia(fromLeadIn))).hr,
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    assert.equal(
      (await rejectsWith(raw.writeMedia(cooked))).hr,
      HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
    );
    assert.equal(
      (await rejectsWith(raw.writeMedia(tooLong))).hr,
      HR.E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE,
    );
    assert.equal(writes(r.log).length, 0);
    assert.equal(
      (await rejectsWith(raw.setRecorder(r.recorder))).hr,
      HR.E_IMAPI_DF2RAW_MEDIA_IS_PREPARED,
    );
    assert.equal(throwsWith(() => raw.cancelWrite()).hr, HR.E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS);
    await raw.releaseMedia();
    assert.equal(
      (await rejectsWith(raw.releaseMedia())).hr,
      HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED,
    );

    const dvd = await rig('virtual:dvd+r');
    const onDvd = new DiscFormat2RawCD();
    await onDvd.setRecorder(dvd.recorder);
    assert.equal(
      (await rejectsWith(onDvd.prepareMedia())).hr,
      HR.E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED,
    );
    assert.equal(writes(dvd.log).length, 0);
    assert.deepEqual(await onDvd.getSupportedSectorTypes(), [], 'CD Mastering is not current');
  });
});
