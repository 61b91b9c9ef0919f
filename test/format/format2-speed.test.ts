// The IMAPI2 members DiscFormat2RawCD and DiscFormat2TrackAtOnce share through DiscFormat2Base, on
// the virtual CD-R/RW at the CDB level: SetWriteSpeed sent by prepareMedia as SET CD SPEED (bytes
// decoded here), the drive's choice read back (CurrentWriteSpeed, CurrentRotationTypeIsPureCAV),
// SupportedWriteSpeeds/Descriptors from GET PERFORMANCE, CurrentPhysicalMediaType, each refusal
// with the interface's own code; and TAO's events with the IWriteEngine2EventArgs fields.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DiscFormat2RawCD,
  DiscFormat2TrackAtOnce,
  type DiscFormat2TrackAtOnceEventArgs,
} from '../../src/format/index.js';
import { MediaPhysicalType } from '../../src/device/types.js';
import { HR } from '../../src/errors.js';
import type { LogEntry } from '../../src/transport/emulated/index.js';
import { cdbLba, rejectsWith, rig, throwsWith, writes } from '../helpers/recorder.js';
import { checkWriteEvents, recordEvents, seen } from '../helpers/format2-events.js';

/** SET CD SPEED CDBs in the log: [rotational control, write speed kB/s]. */
const setCdSpeeds = (log: readonly LogEntry[]) =>
  log.filter((e) => e.opcode === 0xbb).map((e) => [e.cdb[1]! & 0x03, (e.cdb[4]! << 8) | e.cdb[5]!]);

const kinds = [
  {
    name: 'DiscFormat2RawCD',
    make: async (r: Awaited<ReturnType<typeof rig>>) => {
      const f = new DiscFormat2RawCD({ clock: r.clock });
      await f.setRecorder(r.recorder);
      return f;
    },
    fresh: () => new DiscFormat2RawCD(),
    prepared: HR.E_IMAPI_DF2RAW_MEDIA_IS_PREPARED,
    noRecorder: HR.E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED,
  },
  {
    name: 'DiscFormat2TrackAtOnce',
    make: (r: Awaited<ReturnType<typeof rig>>) => {
      const f = new DiscFormat2TrackAtOnce({ clock: r.clock });
      f.setRecorder(r.recorder);
      return Promise.resolve(f);
    },
    fresh: () => new DiscFormat2TrackAtOnce(),
    prepared: HR.E_IMAPI_DF2TAO_MEDIA_IS_PREPARED,
    noRecorder: HR.E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED,
  },
];

for (const k of kinds) {
  describe(`${k.name}: write speeds and the media type`, () => {
    it('prepareMedia sends the requested speed; the drive picks the nearest it can', async () => {
      const r = await rig('virtual:cd-r');
      const f = await k.make(r);
      const supported = await f.getSupportedWriteSpeeds();
      // The virtual CD-R lists 48x down to 4x (GET PERFORMANCE 03h, kB/s); 2,352 bytes a sector.
      const listed = await r.recorder.writeSpeeds();
      assert.equal(listed.length, 6);
      assert.deepEqual(await f.getSupportedWriteSpeedDescriptors(), listed);
      const expected = listed.map((d) => Math.round((d.writeSpeedKBps * 1000) / 2352));
      assert.deepEqual(
        supported,
        expected.sort((a, b) => b - a),
      );
      assert.ok(Math.abs(supported[0]! - 48 * 75) < 48, '48x is about 3600 sectors/s');
      assert.equal(await f.getCurrentPhysicalMediaType(), MediaPhysicalType.CDR);
      assert.equal(f.requestedWriteSpeed, 0xffffffff, 'the fastest until set');
      assert.equal(throwsWith(() => f.setWriteSpeed(0)).hr, HR.E_INVALIDARG);
      f.setWriteSpeed(750); // 10x: between 8x and 16x
      assert.equal(f.requestedWriteSpeed, 750);
      assert.equal(f.requestedRotationTypeIsPureCAV, false);
      const before = r.log.length;
      await f.prepareMedia();
      assert.deepEqual(setCdSpeeds(r.log.slice(before)), [[0, 1764]], 'CLV, 750 × 2.352 kB/s');
      assert.equal(
        await f.getCurrentWriteSpeed(),
        supported[4],
        'the drive chose 8x, which it lists',
      );
      assert.equal(await f.getCurrentRotationTypeIsPureCAV(), false);
      assert.equal(throwsWith(() => f.setWriteSpeed(600)).hr, k.prepared);
      await f.releaseMedia();
    });

    it('pure CAV and the fastest (-1) as SET CD SPEED sends them; a CD-RW is CDRW', async () => {
      const r = await rig('virtual:cd-rw');
      const f = await k.make(r);
      assert.equal(await f.getCurrentPhysicalMediaType(), MediaPhysicalType.CDRW);
      f.setWriteSpeed(-1, true);
      assert.equal(f.requestedWriteSpeed, 0xffffffff);
      assert.equal(f.requestedRotationTypeIsPureCAV, true);
      await f.prepareMedia();
      assert.deepEqual(setCdSpeeds(r.log), [[1, 0xffff]], 'pure CAV, maximum');
      await f.releaseMedia();
    });

    it('without a recorder: the interface code, nothing sent', async () => {
      const f = k.fresh();
      assert.equal((await rejectsWith(f.getCurrentWriteSpeed())).hr, k.noRecorder);
      assert.equal((await rejectsWith(f.getCurrentPhysicalMediaType())).hr, k.noRecorder);
      assert.equal((await rejectsWith(f.getSupportedWriteSpeeds())).hr, k.noRecorder);
      assert.equal((await rejectsWith(f.getCurrentRotationTypeIsPureCAV())).hr, k.noRecorder);
    });
  });
}

describe('DiscFormat2TrackAtOnce events', () => {
  it('carry the track section (IWriteEngine2EventArgs) with true times; none after the track', async () => {
    const r = await rig('virtual:cd-r?speed=16x');
    const tao = new DiscFormat2TrackAtOnce({ clock: r.clock });
    tao.setRecorder(r.recorder);
    await tao.prepareMedia();
    const { events, listener } = recordEvents(r.clock, (a: DiscFormat2TrackAtOnceEventArgs) =>
      seen(a.currentAction, a.elapsedTimeMs, a.remainingTimeMs, a),
    );
    tao.on('update', listener);
    const calledAt = r.clock.now();
    await tao.addAudioTrack(new Uint8Array(6000 * 2352));
    const start = cdbLba(writes(r.log)[0]!);
    checkWriteEvents(events, calledAt, { startLba: start, sectorCount: 6000 });
    const count = events.length;
    await tao.releaseMedia();
    await r.clock.sleep(10_000);
    assert.equal(events.length, count);
  });
});
