// DiscFormat2Data's refusals with their IMAPI2 codes (each before any WRITE reaches the drive),
// cancel, verification failures detected through the virtual drive (an injected read error, a
// disc image corrupted between the write and the verification), test writes and write speeds.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeSync, closeSync } from 'node:fs';
import { DiscRecorder } from '../../src/device/recorder.js';
import { DiscFormat2Data, MAX_WRITE_SPEED } from '../../src/format/index.js';
import {
  BurnVerificationLevel,
  Format2DataMediaState as F,
  Format2DataWriteAction as A,
} from '../../src/device/types.js';
import { HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import { isoImage } from '../helpers/iso.js';
import { scratchImages } from '../helpers/images.js';
import { pattern, rejectsWith, setCdWriteMode, throwsWith, writes } from '../helpers/recorder.js';
import { dataWriter } from '../helpers/format.js';

const { imagePath } = scratchImages('discwright-format-');

describe('DiscFormat2Data refuses', () => {
  it('a write without clientName (E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID)', async () => {
    const { data, log } = await dataWriter('virtual:dvd+r');
    const fresh = new DiscFormat2Data();
    await fresh.setRecorder(data.recorder!);
    const e = await rejectsWith(fresh.write(pattern(2048 * 16)));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID);
    assert.equal(throwsWith(() => (fresh.clientName = 'bad/name')).code, e.code);
    assert.equal(writes(log).length, 0);
  });

  it('an image larger than the free space (STREAM_TOO_LARGE_FOR_CURRENT_MEDIA)', async () => {
    const { data, log } = await dataWriter('virtual:dvd+r?capacity=1000');
    const e = await rejectsWith(data.write(pattern(2048 * 1001)));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA);
    assert.match(e.message, /1001 sectors.*1000/);
    assert.equal(writes(log).length, 0);
  });

  it('a source that is not whole 2048-byte sectors (STREAM_NOT_SUPPORTED)', async () => {
    const { data, log } = await dataWriter('virtual:dvd+r');
    const e = await rejectsWith(data.write(pattern(2048 * 3 + 5)));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED);
    const stream = await rejectsWith(data.write((async function* () {})()));
    assert.equal(stream.hr, HR.E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED, 'a stream without a size');
    assert.equal(writes(log).length, 0);
  });

  it('a rewritable disc holding a file system unless forceOverwrite (MEDIA_NOT_BLANK)', async () => {
    const { bytes: iso } = await isoImage();
    const { data, log } = await dataWriter('virtual:dvd+rw');
    await data.write(iso);
    assert.equal(await data.getMediaHeuristicallyBlank(), false);
    const before = writes(log).length;
    const e = await rejectsWith(data.write(iso));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_MEDIA_NOT_BLANK);
    assert.equal(writes(log).length, before);
    data.forceOverwrite = true;
    await data.write(iso);
    assert.ok(writes(log).length > before);
  });

  it('an open session holding data (NON_EMPTY_SESSION → INVALID_MEDIA_STATE)', async () => {
    const { data, recorder, log } = await dataWriter('virtual:dvd+r');
    // Another program wrote 16 blocks and left the track open.
    const cdb = Uint8Array.of(0x2a, 0, 0, 0, 0, 0, 0, 0, 16, 0);
    assert.equal((await recorder.sendCommandSendDataToDevice(cdb, 10, pattern(16 * 2048))).hr, 0);
    assert.equal(await data.getCurrentMediaStatus(), F.APPENDABLE | F.NON_EMPTY_SESSION);
    const before = writes(log).length;
    const e = await rejectsWith(data.write(pattern(2048 * 16)));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    assert.equal(writes(log).length, before);
  });

  it('a damaged last session (DAMAGED → INVALID_MEDIA_STATE)', async () => {
    // CD-R at 16x without BUFE: the buffer runs dry between two WRITEs and the track is lost.
    const { data, recorder, clock, log } = await dataWriter('virtual:cd-r?speed=16x&bufe=off');
    await setCdWriteMode(recorder, 1, 8);
    const write = (lba: number) =>
      recorder.sendCommandSendDataToDevice(
        Uint8Array.of(0x2a, 0, 0, 0, 0, lba, 0, 0, 16, 0),
        10,
        pattern(16 * 2048),
      );
    assert.equal((await write(0)).hr, HR.S_OK);
    await clock.sleep(5000);
    assert.equal((await write(16)).hr, HR.S_IMAPI_COMMAND_HAS_SENSE_DATA);
    assert.equal(await data.getCurrentMediaStatus(), F.APPENDABLE | F.DAMAGED);
    const before = writes(log).length;
    const e = await rejectsWith(data.write(pattern(2048 * 16)));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    assert.equal(writes(log).length, before);
  });

  it('a test write on media without simulation, and records nothing on CD-R', async () => {
    const plus = await dataWriter('virtual:dvd+r');
    plus.data.testWrite = true;
    const e = await rejectsWith(plus.data.write(pattern(2048 * 16)));
    assert.equal(e.hr, HR.E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED);
    assert.equal(writes(plus.log).length, 0);

    const cd = await dataWriter('virtual:cd-r');
    cd.data.testWrite = true;
    const r = await cd.data.write(pattern(2048 * 32));
    assert.equal(r.closing, 'simulated');
    assert.ok(writes(cd.log).length > 0);
    assert.equal(cd.drive.control.media.discStatus, 'blank');
    assert.equal(cd.drive.control.media.writeParameters.testWrite, false, 'Test Write left on');
  });

  it('changes while writing (WRITE_IN_PROGRESS), and a second write', async () => {
    const { data } = await dataWriter('virtual:dvd+r');
    let inner: { option?: number | undefined; write?: number | undefined } = {};
    data.on('update', (_s, a) => {
      if (a.currentAction !== A.WRITING_DATA || inner.option !== undefined) return;
      inner = {
        option: throwsWith(() => (data.forceMediaToBeClosed = true)).hr,
      };
      data.write(pattern(2048)).then(
        () => undefined,
        (err: { hr?: number }) => (inner.write = err.hr),
      );
    });
    await data.write(pattern(2048 * 64));
    assert.equal(inner.option, HR.E_IMAPI_DF2DATA_WRITE_IN_PROGRESS);
    assert.equal(inner.write, HR.E_IMAPI_DF2DATA_WRITE_IN_PROGRESS);
    assert.equal(data.forceMediaToBeClosed, false);
  });
});

describe('DiscFormat2Data cancel', () => {
  it('cancelWrite during WRITING_DATA stops the burn and leaves an open session', async () => {
    const { data, drive } = await dataWriter('virtual:dvd+r?speed=4x');
    assert.equal(data.cancelWrite(), HR.S_IMAPI_WRITE_NOT_IN_PROGRESS);
    let cancelled: number | undefined;
    data.on('update', (_s, a) => {
      if (cancelled === undefined && (a.blocksWritten ?? 0) > 0) cancelled = data.cancelWrite();
    });
    const e = await rejectsWith(data.write(pattern(2048 * 4096)));
    assert.equal(cancelled, HR.S_OK);
    assert.equal(e.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    // Nothing closed: the disc says what happened (an open session with what was written).
    assert.equal(drive.control.log.filter((x) => x.opcode === 0x5b).length, 0);
    assert.equal(await data.getCurrentMediaStatus(), F.APPENDABLE | F.NON_EMPTY_SESSION);
    assert.ok(drive.control.media.nwa! < 4096);
  });
});

describe('DiscFormat2Data cancel in the other phases', () => {
  for (const [phase, action] of [
    ['INITIALIZING_HARDWARE', A.INITIALIZING_HARDWARE],
    ['FINALIZATION', A.FINALIZATION],
    ['VERIFYING', A.VERIFYING],
  ] as const) {
    it(`during ${phase}: rejects cancelled and the disc says what was done`, async () => {
      const { bytes: iso } = await isoImage();
      const { data, drive, log } = await dataWriter('virtual:bd-r');
      data.burnVerificationLevel = BurnVerificationLevel.FULL;
      data.on('update', (_s, a) => {
        if (a.currentAction === action) data.cancelWrite();
      });
      const e = await rejectsWith(data.write(iso));
      assert.equal(e.hr, HR.E_IMAPI_REQUEST_CANCELLED);
      const state = await data.getCurrentMediaStatus();
      if (action === A.INITIALIZING_HARDWARE) {
        assert.equal(writes(log).length, 0, 'a WRITE after the cancel');
        assert.equal(state, F.BLANK);
        return;
      }
      // Closing is never cut short: the session is closed, and the disc appendable.
      assert.equal(state, F.APPENDABLE);
      assert.deepEqual(
        log.filter((x) => x.opcode === 0x5b).map((x) => x.cdb[2]! & 7),
        [1, 2],
      );
      const lastClose = log.findLastIndex((x) => x.opcode === 0x5b);
      const reads = log.slice(lastClose).filter((x) => x.opcode === 0x28).length;
      if (action === A.FINALIZATION) assert.equal(reads, 0, 'verified after a cancel');
      // QUICK's 16 sampled blocks, then FULL stops after its first chunk.
      else assert.ok(reads <= 16 + 1, `${reads} READs despite the cancel`);
      assert.equal(drive.control.media.sessions.filter((s) => s.closed).length, 1);
    });
  }
});

describe('DiscFormat2Data verification failures', () => {
  it('QUICK: a read error at a sampled block fails with the LBA', async () => {
    const { bytes: iso } = await isoImage();
    const { data, drive } = await dataWriter('virtual:bd-r');
    const last = iso.length / 2048 - 1;
    drive.control.faults.failAt(last, { senseKey: 3, asc: 0x11, ascq: 0 }, { on: 'read' });
    data.burnVerificationLevel = BurnVerificationLevel.QUICK;
    const e = await rejectsWith(data.write(iso));
    assert.equal(e.hr, HR.E_IMAPI_BURN_VERIFICATION_FAILED);
    assert.equal(e.lba, last);
  });

  it('FULL: a block corrupted on the disc between write and verify is named', async () => {
    const { bytes: iso } = await isoImage();
    const img = imagePath();
    const clock = new VirtualClock();
    const drive = await openVirtualDrive(`virtual:dvd+r?image=${img}`, { clock });
    const recorder = await DiscRecorder.fromTransport(drive, { clock });
    try {
      const data = new DiscFormat2Data({ clock });
      await data.setRecorder(recorder);
      data.clientName = 'discwright test';
      data.burnVerificationLevel = BurnVerificationLevel.FULL;
      const bad = 21; // not one of QUICK's samples of this image
      data.on('update', (_s, a) => {
        if (a.currentAction !== A.VERIFYING || a.blocksVerified !== undefined) return;
        // The drive has written its cache out (CLOSE SESSION); change one byte on the "disc".
        const fd = openSync(img, 'r+');
        writeSync(fd, Uint8Array.of(iso[bad * 2048 + 100]! ^ 0xff), 0, 1, bad * 2048 + 100);
        closeSync(fd);
      });
      const e = await rejectsWith(data.write(iso));
      assert.equal(e.hr, HR.E_IMAPI_BURN_VERIFICATION_FAILED);
      assert.equal(e.lba, bad);
      assert.match(e.message, /LBA 21 is the first block/);
    } finally {
      await recorder.close();
    }
  });
});

describe('DiscFormat2Data write speed', () => {
  it('lists the drive speeds, selects one with SET STREAMING and reads it back (DVD)', async () => {
    const { data, log } = await dataWriter('virtual:dvd+r');
    const speeds = await data.getSupportedWriteSpeeds();
    assert.ok(speeds.length > 1);
    const slowest = speeds.at(-1)!;
    data.setWriteSpeed(slowest);
    assert.equal(data.requestedWriteSpeed, slowest);
    await data.write(pattern(2048 * 16));
    assert.ok(
      log.some((e) => e.opcode === 0xb6),
      'no SET STREAMING',
    );
    const current = await data.getCurrentWriteSpeed();
    assert.ok(Math.abs(current - slowest) <= 2, `${current} vs ${slowest}`);
  });

  it('uses SET CD SPEED on CD, FFFFh for the maximum', async () => {
    const { data, log } = await dataWriter('virtual:cd-r');
    data.setWriteSpeed(-1);
    assert.equal(data.requestedWriteSpeed, MAX_WRITE_SPEED);
    await data.write(pattern(2048 * 16));
    const set = log.find((e) => e.opcode === 0xbb);
    assert.ok(set !== undefined, 'no SET CD SPEED');
    assert.deepEqual([set.cdb[4], set.cdb[5]], [0xff, 0xff]);
    assert.equal(throwsWith(() => data.setWriteSpeed(0)).hr, HR.E_INVALIDARG);
  });
});
