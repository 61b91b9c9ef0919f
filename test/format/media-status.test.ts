// The rest of DiscFormat2Data's media state, through the virtual drive at the CDB level: write
// protection as the drive reports it (READ DISC STRUCTURE C0h, DATA PROTECT 07/27/xx),
// FINAL_SESSION on CD, DVD±R and BD-R, the multisession interfaces, and the DVD+R DL layer break in a burn's
// result and in `info`.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Format2DataMediaState as F, MediaWriteProtectState as W } from '../../src/device/types.js';
import { gatherInfo, infoText } from '../../src/cli/info.js';
import { isoImage } from '../helpers/iso.js';
import { writes } from '../helpers/recorder.js';
import { dataWriter } from '../helpers/format.js';

/** READ DISC STRUCTURE, media type 0, format C0h, 8 bytes: header + payload, built by hand. */
const READ_WP_STATUS = Uint8Array.of(0xad, 0, 0, 0, 0, 0, 0, 0xc0, 0, 8, 0, 0);
const WRITE10_LBA0 = Uint8Array.of(0x2a, 0, 0, 0, 0, 0, 0, 0, 16, 0);

describe('write protection reported by the drive', () => {
  it('maps C0h bits to IMAPI_MEDIA_WRITE_PROTECT_STATE, sets WRITE_PROTECTED and refuses a burn', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd+rw?formatted=on');
    assert.equal(await w.data.getWriteProtectStatus(), 0);
    w.drive.control.writeProtect({ cartridge: true });
    const raw = await w.recorder.sendCommandGetDataFromDevice(READ_WP_STATUS, 10, 8);
    assert.equal(raw.data[4]! & 0x0f, 0b0100, 'CWP alone');
    assert.equal(await w.data.getWriteProtectStatus(), W.BY_CARTRIDGE);
    assert.equal(await w.data.getCurrentMediaStatus(), F.OVERWRITE_ONLY | F.WRITE_PROTECTED);
    const before = writes(w.log).length;
    await assert.rejects(w.data.write(iso), { code: 'E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED' });
    assert.equal(writes(w.log).length, before, 'a WRITE reached a write-protected disc');
    const wr = await w.recorder.sendCommandSendDataToDevice(
      WRITE10_LBA0,
      10,
      new Uint8Array(16 * 2048),
    );
    assert.deepEqual([wr.sense[2]! & 0x0f, wr.sense[12], wr.sense[13]], [7, 0x27, 0x01]);

    w.drive.control.writeProtect({ software: true, persistent: true, media: true });
    assert.equal(
      await w.data.getWriteProtectStatus(),
      W.UNTIL_POWERDOWN | W.BY_SOFTWARE_WRITE_PROTECT | W.BY_MEDIA_SPECIFIC_REASON,
    );
    const sw = await w.recorder.sendCommandSendDataToDevice(
      WRITE10_LBA0,
      10,
      new Uint8Array(16 * 2048),
    );
    assert.deepEqual([sw.sense[2]! & 0x0f, sw.sense[12], sw.sense[13]], [7, 0x27, 0x02]);

    w.drive.control.writeProtect({});
    assert.equal(await w.data.getWriteProtectStatus(), 0);
    assert.equal(await w.data.getCurrentMediaStatus(), F.OVERWRITE_ONLY);
    await w.data.write(iso);
  });

  it('reports no protection where the media has no C0h structure (CD)', async () => {
    const w = await dataWriter('virtual:cd-r');
    assert.equal(await w.data.getWriteProtectStatus(), 0);
  });
});

describe('FINAL_SESSION on CD', () => {
  it('is set when one more session could not fit after this one, and not otherwise', async () => {
    const small = await dataWriter('virtual:cd-r?capacity=11000');
    assert.equal(await small.data.getCurrentMediaStatus(), F.BLANK | F.FINAL_SESSION);
    const big = await dataWriter('virtual:cd-r?capacity=60000');
    assert.equal(await big.data.getCurrentMediaStatus(), F.BLANK);
  });

  it('is set on an appendable disc whose second session is its last', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:cd-r?capacity=16000');
    assert.equal(await w.data.getCurrentMediaStatus(), F.BLANK);
    await w.data.write(iso);
    // 16000 − (image + 11400 for the first session's lead-out, lead-in, pre-gap) < 6902.
    assert.equal(await w.data.getCurrentMediaStatus(), F.APPENDABLE | F.FINAL_SESSION);
    await w.data.write(iso);
    assert.equal(await w.data.getCurrentMediaStatus(), F.FINALIZED, 'the drive closed the disc');
  });
});

describe('FINAL_SESSION on DVD±R and BD-R', () => {
  // The smallest track (a 16-block ECC block on DVD, a 32-block cluster on BD), the overhead
  // before another session, and another smallest track: a disc with one block less is final.
  for (const [media, needed] of [
    ['dvd+r', 16 + 2048 + 16],
    ['dvd+r-dl', 16 + 2048 + 16],
    ['dvd-r', 16 + 28688 + 16],
    ['dvd-rw', 16 + 28688 + 16],
    ['bd-r', 32 + 32],
  ] as const) {
    it(`${media}: a blank disc with room for less than two sessions is final`, async () => {
      const small = await dataWriter(`virtual:${media}?capacity=${needed - 1}`);
      assert.equal(await small.data.getCurrentMediaStatus(), F.BLANK | F.FINAL_SESSION);
      const big = await dataWriter(`virtual:${media}?capacity=${needed}`);
      assert.equal(await big.data.getCurrentMediaStatus(), F.BLANK);
    });
  }

  it('DVD+R: the second session is the last once the free blocks cannot take a third', async () => {
    const { bytes: iso } = await isoImage();
    const blocks = Math.ceil(iso.length / 2048 / 16) * 16;
    // After the first session: blocks + 100 free, fewer than 16 + 2048 + 16, enough for the image.
    const w = await dataWriter(`virtual:dvd+r?capacity=${2 * blocks + 2048 + 100}`);
    w.data.disableConsumerDvdCompatibilityMode = true;
    assert.equal(await w.data.getCurrentMediaStatus(), F.BLANK);
    await w.data.write(iso);
    assert.equal(await w.data.getCurrentMediaStatus(), F.APPENDABLE | F.FINAL_SESSION);
    await w.data.write(iso);
    assert.equal(await w.data.getCurrentMediaStatus(), F.FINALIZED, 'the drive closed the disc');
  });

  it('DVD-R: later borders cost less than the first (12,288 blocks, not 28,688)', async () => {
    const { bytes: iso } = await isoImage();
    const blocks = Math.ceil(iso.length / 2048 / 16) * 16;
    const first = blocks + 28688;
    const final = await dataWriter(`virtual:dvd-r?capacity=${first + 16 + 12288 + 15}`);
    await final.data.write(iso);
    assert.equal(await final.data.getCurrentMediaStatus(), F.APPENDABLE | F.FINAL_SESSION);
    const roomy = await dataWriter(`virtual:dvd-r?capacity=${first + 16 + 12288 + 16}`);
    await roomy.data.write(iso);
    assert.equal(await roomy.data.getCurrentMediaStatus(), F.APPENDABLE);
  });
});

describe('multisessionInterfaces', () => {
  it('sequential media: first session, then the previous session and the NWA', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd+r');
    const [blank] = await w.data.getMultisessionInterfaces();
    assert.ok(blank !== undefined && blank.kind === 'sequential');
    assert.equal(blank.isFirstDataSession, true);
    assert.equal(blank.isSupportedOnCurrentMediaState, false, 'nothing to build on yet');
    assert.equal(blank.startAddressOfPreviousSession, -1);
    assert.equal(blank.writeUnitSize, 16);
    w.data.disableConsumerDvdCompatibilityMode = true;
    await w.data.write(iso);
    const [m] = await w.data.getMultisessionInterfaces();
    assert.ok(m !== undefined && m.kind === 'sequential');
    assert.equal(m.isSupportedOnCurrentMediaState, true);
    assert.equal(m.isFirstDataSession, false);
    assert.equal(m.inUse, false);
    assert.equal(m.startAddressOfPreviousSession, 0);
    assert.equal(
      m.lastWrittenAddressOfPreviousSession,
      await w.data.getLastWrittenAddressOfPreviousSession(),
    );
    assert.equal(m.nextWritableAddress, w.drive.control.media.nwa);
    assert.equal(m.freeSectorsOnMedia, await w.data.getFreeSectorsOnMedia());
  });

  it('overwrite media: one random-write interface; closed and unsupported media', async () => {
    const w = await dataWriter('virtual:dvd+rw?formatted=on');
    const [m] = await w.data.getMultisessionInterfaces();
    assert.ok(m !== undefined && m.kind === 'random-write');
    assert.equal(m.isSupportedOnCurrentMediaState, true);
    assert.equal(m.writeUnitSize, 16);
    assert.equal(m.totalSectorsOnMedia, w.drive.control.media.capacity);
    const blank = await dataWriter('virtual:bd-re');
    const [b] = await blank.data.getMultisessionInterfaces();
    assert.equal(b?.isSupportedOnCurrentMediaState, false, 'unformatted');

    const { bytes: iso } = await isoImage();
    const closed = await dataWriter('virtual:dvd+r');
    await closed.data.write(iso); // compatibility mode: finalized
    const [c] = await closed.data.getMultisessionInterfaces();
    assert.equal(c?.isSupportedOnCurrentMediaState, false);
  });
});

describe('DVD+R DL layer break', () => {
  it('is in the burn result and in info (READ DISC STRUCTURE 20h)', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd+r-dl?capacity=200000');
    const r = await w.data.write(iso);
    assert.equal(r.layerBreak, 100000);
    const info = await gatherInfo(w.recorder, 'virtual:dvd+r-dl');
    assert.equal(info.layerBreak, 100000);
    assert.match(infoText(info), /layer break: +LBA 100000/);
    const single = await dataWriter('virtual:dvd+r');
    assert.equal((await single.data.write(iso)).layerBreak, undefined);
    assert.equal((await gatherInfo(single.recorder, 'virtual:dvd+r')).layerBreak, undefined);
  });
});
