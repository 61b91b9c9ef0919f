// closeMedia (`discwright close`) over the virtual drive at the CDB level: closing what an earlier
// write left open, per profile, and the refusals.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeMedia } from '../../src/format/index.js';
import { Format2DataMediaState as F } from '../../src/device/types.js';
import { HR } from '../../src/errors.js';
import { closeFunctions, dataWriter } from '../helpers/format.js';
import { pattern, rejectsWith, setCdWriteMode } from '../helpers/recorder.js';

/** Another program's write: 32 blocks at LBA 0, the track left open. */
async function leftOpen(media: string) {
  const w = await dataWriter(`virtual:${media}`);
  if (media.startsWith('cd')) await setCdWriteMode(w.recorder, 1, 8);
  const cdb = Uint8Array.of(0x2a, 0, 0, 0, 0, 0, 0, 0, 32, 0);
  assert.equal((await w.recorder.sendCommandSendDataToDevice(cdb, 10, pattern(32 * 2048))).hr, 0);
  assert.equal(await w.data.getCurrentMediaStatus(), F.APPENDABLE | F.NON_EMPTY_SESSION);
  return w;
}

describe('closeMedia', () => {
  it('closes the track, then the session, of a DVD+R an earlier write left open', async () => {
    const w = await leftOpen('dvd+r');
    assert.deepEqual((await closeMedia(w.recorder, 'track')).closeFunctions, [1]);
    assert.equal(await w.data.getCurrentMediaStatus(), F.APPENDABLE | F.NON_EMPTY_SESSION);
    assert.deepEqual((await closeMedia(w.recorder, 'session')).closeFunctions, [2]);
    assert.equal(await w.data.getCurrentMediaStatus(), F.APPENDABLE);
    assert.deepEqual((await closeMedia(w.recorder, 'session')).closeFunctions, []);
    assert.deepEqual((await closeMedia(w.recorder, 'finalize')).closeFunctions, [5]);
    assert.equal(await w.data.getCurrentMediaStatus(), F.FINALIZED);
    const e = await rejectsWith(closeMedia(w.recorder, 'session'));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
  });

  it('finalizes CD-R with Multi-session 00b and CLOSE SESSION, BD-R with 110b', async () => {
    const cd = await leftOpen('cd-r');
    await closeMedia(cd.recorder, 'finalize');
    assert.deepEqual(closeFunctions(cd.log), [1, 2]);
    assert.equal(cd.drive.control.media.writeParameters.multiSession, 0);
    assert.equal(await cd.data.getCurrentMediaStatus(), F.FINALIZED);
    const bd = await leftOpen('bd-r');
    await closeMedia(bd.recorder, 'finalize');
    assert.deepEqual(closeFunctions(bd.log), [1, 6]);
    assert.equal(await bd.data.getCurrentMediaStatus(), F.FINALIZED);
  });

  it('closes a DVD+RW session (010b), and refuses a blank disc or a track on overwrite media', async () => {
    const plus = await dataWriter('virtual:dvd+rw?formatted=on');
    assert.deepEqual((await closeMedia(plus.recorder, 'session')).closeFunctions, [2]);
    const e = await rejectsWith(closeMedia(plus.recorder, 'track'));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    const blank = await dataWriter('virtual:dvd-r');
    const b = await rejectsWith(closeMedia(blank.recorder, 'session'));
    assert.equal(b.hr, HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    assert.deepEqual(closeFunctions(blank.log), []);
  });
});
