// DiscFormat2Erase (BLANK with IMMED, TEST UNIT READY polled for progress) and formatMedia (FORMAT
// UNIT from READ FORMAT CAPACITIES) over the virtual drive at the CDB level.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DiscFormat2Erase, formatMedia } from '../../src/format/index.js';
import {
  BurnVerificationLevel,
  Format2DataMediaState as F,
  MediaPhysicalType,
} from '../../src/device/types.js';
import { HR } from '../../src/errors.js';
import { pattern, rejectsWith, rig } from '../helpers/recorder.js';
import { dataWriter } from '../helpers/format.js';

async function eraser(r: Awaited<ReturnType<typeof rig>>): Promise<DiscFormat2Erase> {
  const erase = new DiscFormat2Erase({ clock: r.clock });
  await erase.setRecorder(r.recorder);
  erase.clientName = 'discwright test';
  return erase;
}

/** FORMAT UNIT commands in the log (FmtData set, format code 001b: CDB byte 1 = 11h). */
function formats(r: Awaited<ReturnType<typeof rig>>): number[] {
  return r.log.filter((e) => e.opcode === 0x04).map((e) => e.cdb[1]!);
}

describe('DiscFormat2Erase', () => {
  it('erases a finalized CD-RW (minimal blank), which then burns again', async () => {
    const w = await dataWriter('virtual:cd-rw');
    w.data.forceMediaToBeClosed = true;
    await w.data.write(pattern(2048 * 32));
    assert.equal(await w.data.getCurrentMediaStatus(), F.FINALIZED | F.ERASE_REQUIRED);
    const erase = await eraser(w);
    assert.equal(await erase.getCurrentPhysicalMediaType(), MediaPhysicalType.CDRW);
    const updates: [number, number][] = [];
    erase.on('update', (_s, elapsed, total) => updates.push([elapsed, total]));
    await erase.eraseMedia();
    const blank = w.log.filter((e) => e.opcode === 0xa1);
    assert.equal(blank.length, 1);
    assert.equal(blank[0]!.cdb[1], 0x10 | 0x01, 'BLANK with IMMED, minimal');
    assert.equal(await w.data.getCurrentMediaStatus(), F.BLANK);
    assert.ok(updates.length >= 2);
    assert.deepEqual(updates.at(-1), [updates.at(-1)![0], updates.at(-1)![0]]);
    await w.data.write(pattern(2048 * 32));
  });

  it('polls TEST UNIT READY while the drive is not ready, reporting each poll', async () => {
    const r = await rig('virtual:dvd-rw');
    const erase = await eraser(r);
    erase.fullErase = true;
    const updates: number[] = [];
    erase.on('update', (_s, elapsed) => {
      // The blank has been sent: the drive now answers 02/04/07 to the next three commands.
      if (updates.length === 0) r.drive.control.faults.busy(3, 7, { commands: 'all' });
      updates.push(elapsed);
    });
    await erase.eraseMedia();
    assert.equal(r.log.find((e) => e.opcode === 0xa1)!.cdb[1], 0x10, 'BLANK with IMMED, full');
    const turs = r.log.filter((e) => e.opcode === 0x00);
    assert.equal(turs.length, 4, 'three answered NOT READY, the fourth GOOD');
    assert.equal(updates.length, 5, 'start, three polls, end');
    assert.ok(updates.at(-1)! >= 3, 'polled once a second on the drive clock');
  });

  it('refuses media it cannot erase with E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED', async () => {
    const r = await rig('virtual:dvd+rw');
    const erase = await eraser(r);
    const e = await rejectsWith(erase.eraseMedia());
    assert.equal(e.hr, HR.E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED);
    assert.equal(r.log.filter((x) => x.opcode === 0xa1).length, 0);
  });

  it('maps an unexpected answer while polling to E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE', async () => {
    const r = await rig('virtual:cd-rw');
    const erase = await eraser(r);
    erase.on('update', () => r.drive.control.faults.unitAttention(0x29, 0x00));
    const e = await rejectsWith(erase.eraseMedia());
    assert.equal(e.hr, HR.E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE);
  });
});

describe('formatMedia', () => {
  it('formats DVD+RW with 26h and the size READ FORMAT CAPACITIES offers', async () => {
    const r = await rig('virtual:dvd+rw?capacity=50000');
    const choice = await formatMedia(r.recorder);
    assert.deepEqual(choice, {
      formatType: 0x26,
      numberOfBlocks: 50000,
      typeDependentParameter: 0,
    });
    assert.deepEqual(formats(r), [0x11]);
    assert.equal(r.drive.control.media.formatted, true);
  });

  it('formats BD-RE with spare areas by default and without them on request', async () => {
    const a = await rig('virtual:bd-re');
    await formatMedia(a.recorder);
    const b = await rig('virtual:bd-re');
    const none = await formatMedia(b.recorder, { spareAreas: 'none' });
    assert.equal(none.formatType, 0x31);
    assert.equal(b.drive.control.media.capacity, 12219392, 'no spare areas: the whole disc');
    assert.ok(a.drive.control.media.capacity < b.drive.control.media.capacity);
  });

  it('formats DVD-RW quick (15h) or full (10h) into restricted overwrite', async () => {
    const q = await rig('virtual:dvd-rw');
    assert.equal((await formatMedia(q.recorder)).formatType, 0x15);
    assert.equal(q.drive.control.media.profile, 0x13);
    const f = await rig('virtual:dvd-rw');
    assert.equal((await formatMedia(f.recorder, { mode: 'full' })).formatType, 0x10);
    assert.equal(f.drive.control.media.profile, 0x13);
  });

  it('refuses media without a format (E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE), sending none', async () => {
    for (const media of ['cd-r', 'dvd+r']) {
      const r = await rig(`virtual:${media}`);
      const e = await rejectsWith(formatMedia(r.recorder));
      assert.equal(e.hr, HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE, media);
      assert.equal(formats(r).length, 0, media);
    }
  });

  it('formats a blank BD-R with spare areas (32h, as real drives offer it): still blank, smaller', async () => {
    const r = await rig('virtual:bd-r');
    const before = r.drive.control.media.capacity;
    const choice = await formatMedia(r.recorder);
    assert.equal(choice.formatType, 0x32);
    assert.equal(formats(r).length, 1);
    const after = r.drive.control.media.capacity;
    assert.ok(after < before, `capacity ${after} is below ${before}`);
    assert.equal(after, choice.numberOfBlocks);
    assert.equal(r.drive.control.media.formatted, false, 'a BD-R stays sequential');
  });

  it('lets DiscFormat2Data burn a DVD-RW formatted for restricted overwrite, padded to 16 blocks', async () => {
    const w = await dataWriter('virtual:dvd-rw');
    await formatMedia(w.recorder);
    assert.equal(await w.data.getCurrentMediaStatus(), F.OVERWRITE_ONLY);
    w.data.burnVerificationLevel = BurnVerificationLevel.FULL;
    const image = pattern(2048 * 37); // not a whole number of ECC blocks
    const r = await w.data.write(image);
    assert.equal(r.startLba, 0);
    assert.equal(r.blocks, 37);
    assert.equal(r.closing, 'open');
    const disc = await w.drive.control.media.readBlocks(0, 48);
    assert.ok(Buffer.from(disc.subarray(0, image.length)).equals(Buffer.from(image)));
    assert.ok(
      disc.subarray(image.length).every((b) => b === 0),
      'the padding is zeros',
    );
    const written = w.log.filter((e) => e.opcode === 0x2a || e.opcode === 0xaa);
    const blocks = written.reduce((n, e) => n + ((e.cdb[7]! << 8) | e.cdb[8]!), 0);
    assert.equal(blocks, 48, 'whole ECC blocks only');
  });
});
