// The disc model as a pure state machine: recording rules per media and the sense each refusal
// carries, without a transport in between.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Disc } from '../../../src/transport/emulated/disc.js';
import type { WriteContext } from '../../../src/transport/emulated/disc-layout.js';
import { CheckCondition } from '../../../src/transport/emulated/check.js';

const tao: WriteContext = { writeType: 1, testWrite: false, trackMode: 4, dataMode: 1 };
const inc: WriteContext = { writeType: 0, testWrite: false, trackMode: 5, dataMode: 1 };
const dao: WriteContext = { ...inc, writeType: 2 };

function senseOf(f: () => unknown): [number, number, number] {
  try {
    f();
  } catch (e) {
    if (e instanceof CheckCondition) return [e.sense.senseKey, e.sense.asc, e.sense.ascq];
    throw e;
  }
  return assert.fail('expected CHECK CONDITION');
}

function write(disc: Disc, lba: number, n: number, ctx: WriteContext): void {
  disc.commitWrite(disc.checkWrite(lba, n, ctx), lba, n, ctx);
}

describe('disc model', () => {
  it('DVD-R DAO needs RESERVE TRACK (05/2C/00), then writes inside the reservation', () => {
    const d = Disc.fresh('dvd-r');
    assert.deepEqual(
      senseOf(() => d.checkWrite(0, 16, dao)),
      [5, 0x2c, 0],
    );
    const t = d.reserve(100);
    assert.equal(t.size, 112, 'rounded up to whole 16-block ECC blocks');
    write(d, 0, 112, dao);
    assert.deepEqual(
      senseOf(() => d.checkWrite(112, 16, dao)),
      [5, 0x2c, 0],
    );
  });

  it('DVD-RW formats to restricted overwrite: profile 13h, 16-block units', () => {
    const d = Disc.fresh('dvd-rw');
    d.format(0x15, 0);
    assert.equal(d.profile, 0x13);
    write(d, 32, 16, inc);
    assert.deepEqual(
      senseOf(() => d.checkWrite(8, 16, inc)),
      [5, 0x21, 2],
    );
    d.blank(1);
    assert.equal(d.profile, 0x14);
    assert.equal(d.status().disc, 'blank');
  });

  it('BD-RE formats with or without spare areas', () => {
    const d = Disc.fresh('bd-re');
    assert.deepEqual(
      senseOf(() => d.checkWrite(0, 32, inc)),
      [5, 0x30, 0x10],
    );
    d.format(0x30, 0);
    assert.equal(d.capacity, 11826176);
    d.format(0x31, 0);
    assert.equal(d.capacity, 12219392);
    assert.deepEqual(
      senseOf(() => d.format(0x26, 0)),
      [5, 0x26, 0],
    );
    assert.deepEqual(
      senseOf(() => Disc.fresh('dvd+r').format(0x26, 0)),
      [5, 0x30, 6],
    );
  });

  it('CD sessions: closing with a next session allowed leaves an appendable disc', () => {
    const d = Disc.fresh('cd-r');
    write(d, 0, 1000, tao);
    d.close(1, 1, tao, true);
    assert.equal(d.invisibleTrack?.start, 1000 + 152, 'run-out and pre-gap before track 2');
    d.close(2, 0, tao, true);
    assert.equal(d.status().disc, 'appendable');
    assert.equal(d.invisibleTrack?.start, 1000 + 11400, 'lead-out, lead-in and pre-gap');
    assert.equal(d.invisibleTrack?.session, 2);
    assert.equal(d.lastSessionLeadIn(), 1000 + 11400 - 4650);
    // Closing the empty session without Multi-session finalizes the disc.
    d.close(2, 0, tao, false);
    assert.equal(d.status().disc, 'complete');
    assert.equal(d.sessions.length, 1);
    assert.deepEqual(
      senseOf(() => d.checkWrite(20000, 1, tao)),
      [5, 0x30, 5],
    );
  });

  it('a blank disc has nothing to close (05/2C/00); an unknown close function is 05/24/00', () => {
    const d = Disc.fresh('dvd+r');
    assert.deepEqual(
      senseOf(() => d.close(2, 0, inc, true)),
      [5, 0x2c, 0],
    );
    write(d, 0, 16, inc);
    assert.deepEqual(
      senseOf(() => d.close(7, 0, inc, true)),
      [5, 0x24, 0],
    );
    assert.deepEqual(
      senseOf(() => d.close(1, 9, inc, true)),
      [5, 0x24, 0],
    );
  });

  it('Test Write moves a simulated NWA only', () => {
    const d = Disc.fresh('cd-rw');
    const sim = { ...tao, testWrite: true };
    write(d, 0, 10, sim);
    write(d, 10, 10, sim);
    assert.equal(d.invisibleTrack?.nwa, 0);
    d.close(1, 1, sim, false);
    assert.equal(d.status().disc, 'blank');
    write(d, 0, 10, sim);
  });

  it('survives a JSON round trip', () => {
    const d = Disc.fresh('bd-r');
    d.reserve(50);
    write(d, 0, 64, inc);
    d.close(2, 0, inc, true);
    const again = Disc.fromJSON(
      JSON.parse(JSON.stringify(d.toJSON())) as ReturnType<Disc['toJSON']>,
    );
    assert.deepEqual(again.toJSON(), d.toJSON());
    assert.deepEqual(again.status(), d.status());
  });
});
