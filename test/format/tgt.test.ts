// DiscFormat2Data against tgt's emulated DVD+R over iSCSI (test/helpers/tgt.ts starts a private
// tgtd): burn a real ISO, close, verify by reading back (tgt reads only after the close), and
// compare tgt's backing file; what the closed disc is then. DiscFormat2RawCD refuses tgt's drive,
// which has no CD Mastering feature. Skipped with a message when tgt is not installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DiscRecorder } from '../../src/device/recorder.js';
import { BurnVerificationLevel, Format2DataMediaState as F } from '../../src/device/types.js';
import { DwError, HR } from '../../src/errors.js';
import { DiscFormat2Data, DiscFormat2RawCD } from '../../src/format/index.js';
import { openIscsiTransport } from '../../src/transport/iscsi/index.js';
import { isoImage } from '../helpers/iso.js';
import { Tgt, tgtAvailability } from '../helpers/tgt.js';

const availability = tgtAvailability();
const skip = availability.run ? false : availability.message;

/** The first command after login meets tgt's power-on unit attention (06/29/00). */
async function settle(recorder: DiscRecorder): Promise<void> {
  try {
    await recorder.testUnitReady();
  } catch (e) {
    if (!(e instanceof DwError)) throw e;
  }
}

describe('DiscFormat2Data over iSCSI against tgt', { skip }, () => {
  let tgt: Tgt;

  before(async () => {
    tgt = await Tgt.start();
    await tgt.addDvdTarget(1, undefined, { writeCache: true });
  });

  after(async () => {
    await tgt?.stop();
  });

  for (const closing of ['session', 'finalize-compatible'] as const) {
    it(`burns an ISO to the DVD+R (${closing}) with FULL verification`, async () => {
      await tgt.blank(1);
      const { bytes: iso } = await isoImage();
      const recorder = await DiscRecorder.fromTransport(await openIscsiTransport(tgt.url(1)));
      try {
        await settle(recorder);
        const data = new DiscFormat2Data();
        await data.setRecorder(recorder);
        data.clientName = 'discwright test';
        data.burnVerificationLevel = BurnVerificationLevel.FULL;
        data.disableConsumerDvdCompatibilityMode = closing === 'session';
        assert.equal(await data.getCurrentMediaStatus(), F.BLANK);
        const r = await data.write(iso);
        assert.equal(r.closing, closing);
        assert.equal(r.startLba, 0);
        const image = readFileSync(tgt.targets.get(1)!.image);
        assert.ok(image.subarray(0, iso.length).equals(Buffer.from(iso)), 'backing file differs');
        // tgt turns a closed DVD+R into a DVD-ROM (profile 0010h), whatever the close function:
        // read-only media, which the data writer reports and refuses as unsupported.
        assert.equal(await recorder.getCurrentProfile(), 0x0010);
        assert.equal(await data.getCurrentMediaStatus(), F.UNSUPPORTED_MEDIA);
        assert.equal(r.mediaStateAfter, F.UNSUPPORTED_MEDIA);
        await assert.rejects(data.write(iso), { hr: HR.E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED });
      } finally {
        await recorder.close();
      }
    });
  }

  it('DiscFormat2RawCD.setRecorder refuses the drive: no CD Mastering with Raw', async () => {
    const recorder = await DiscRecorder.fromTransport(await openIscsiTransport(tgt.url(1)));
    try {
      await settle(recorder);
      const raw = new DiscFormat2RawCD();
      assert.equal(await raw.isRecorderSupported(recorder), false);
      await assert.rejects(raw.setRecorder(recorder), {
        hr: HR.E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED,
      });
      assert.equal(raw.recorder, null, 'the recorder was not taken');
      await assert.rejects(raw.prepareMedia(), { hr: HR.E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED });
    } finally {
      await recorder.close();
    }
  });
});
