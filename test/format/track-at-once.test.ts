// DiscFormat2TrackAtOnce on the virtual CD-R/RW at the CDB level: page 05h as prepareMedia sets it
// (bytes decoded here), each track's WRITEs at the NWA READ TRACK INFORMATION gave and its CLOSE
// TRACK, the PCM read back with READ CD, the sector counts and the expected TOC against the
// drive's READ TOC, the finalizing CLOSE SESSION (or none), events, cancel, and every
// E_IMAPI_DF2TAO_* refusal the library makes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DiscFormat2TrackAtOnce,
  Format2TaoWriteAction,
  type DiscFormat2TrackAtOnceEventArgs,
} from '../../src/format/index.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';
import { HR } from '../../src/errors.js';
import { cdbBlocks, cdbLba, rejectsWith, rig, throwsWith, writes } from '../helpers/recorder.js';
import { wavFile } from '../helpers/wav.js';

const pcm = (sectors: number, seed: number, extra = 0) =>
  Uint8Array.from({ length: sectors * 2352 + extra }, (_, i) => (i * seed + (i >> 10)) & 0xff);

const closes = (log: readonly { opcode: number; cdb: Uint8Array }[]) =>
  log.filter((e) => e.opcode === 0x5b).map((e) => [e.cdb[2]! & 0x07, (e.cdb[4]! << 8) | e.cdb[5]!]);

/** `count` audio sectors read back with READ CD (user data only), 20 at a time. */
async function readAudio(
  r: Awaited<ReturnType<typeof rig>>,
  lba: number,
  count: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(count * 2352);
  for (let s = 0; s < count; s += 20) {
    const n = Math.min(20, count - s);
    const res = await r.recorder.executeCommand(
      readCd({
        lba: lba + s,
        transferLength: n,
        expectedSectorType: 1,
        userData: true,
        bytesPerSector: 2352,
      }),
    );
    out.set(res.dataIn, s * 2352);
  }
  return out;
}

describe('DiscFormat2TrackAtOnce on the virtual CD-R', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-tao-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes audio tracks one by one (PCM and WAVE), closes each, and finalizes', async () => {
    const r = await rig('virtual:cd-r');
    const a = pcm(300, 7);
    const b = pcm(320, 11, 1000); // a partial last sector
    await writeFile(join(dir, 'b.wav'), wavFile(b));
    const tao = new DiscFormat2TrackAtOnce({ clock: r.clock });
    tao.setRecorder(r.recorder);
    tao.clientName = 'tao-test';
    const events: DiscFormat2TrackAtOnceEventArgs[] = [];
    tao.on('update', (_s, e) => events.push(e));
    await tao.prepareMedia();
    const page = await r.recorder.getModePage(0x05, 0);
    assert.equal(page[2]! & 0x0f, 1, 'Write Type TAO');
    assert.equal(page[3]! >> 6, 0, 'Multi-session 00b: the session close finalizes');
    assert.equal(page[3]! & 0x0f, 0, 'Track Mode 0: two-channel audio');
    assert.equal(page[4]! & 0x0f, 0, 'Data Block Type 0: raw 2352');
    const total = tao.totalSectorsOnMedia;
    assert.ok(total > 300_000);
    assert.equal(tao.freeSectorsOnMedia, total);
    assert.equal(tao.usedSectorsOnMedia, 0);
    assert.equal(tao.numberOfExistingTracks, 0);
    assert.equal(
      throwsWith(() => tao.expectedTableOfContents).hr,
      HR.E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC,
    );

    assert.equal(await tao.addAudioTrack(a), 1);
    const afterOne = r.log.length;
    assert.equal(await tao.addAudioTrack(join(dir, 'b.wav')), 2);
    assert.equal(tao.numberOfExistingTracks, 2);
    const w = writes(r.log);
    assert.equal(cdbLba(w[0]!), 0, 'track 1 at LBA 0');
    const t2 = writes(r.log.slice(afterOne));
    const t2Start = cdbLba(t2[0]!);
    assert.equal(
      t2.reduce((n, e) => n + cdbBlocks(e), 0),
      321,
    );
    assert.deepEqual(closes(r.log), [
      [1, 1],
      [1, 2],
    ]);
    assert.ok(tao.usedSectorsOnMedia >= 621);
    assert.equal(tao.freeSectorsOnMedia + tao.usedSectorsOnMedia, total);

    assert.deepEqual(await readAudio(r, 0, 300), a);
    const back = await readAudio(r, t2Start, 321);
    assert.deepEqual(back.subarray(0, b.length), b);
    assert.deepEqual(back.subarray(b.length), new Uint8Array(321 * 2352 - b.length));

    const toc = tao.expectedTableOfContents;
    assert.deepEqual(
      toc.descriptors.map((d) => [d.trackNumber, d.trackStartAddress]),
      [
        [1, 0],
        [2, t2Start],
        [0xaa, t2Start + 321],
      ],
    );
    // Events: each track prepares, writes, finishes, in order.
    const actions = events.filter((e) => e.currentTrackNumber === 2).map((e) => e.currentAction);
    assert.equal(actions[0], Format2TaoWriteAction.PREPARING);
    assert.ok(actions.includes(Format2TaoWriteAction.WRITING));
    assert.equal(actions[actions.length - 1], Format2TaoWriteAction.FINISHING);

    await tao.releaseMedia();
    assert.deepEqual(closes(r.log).at(-1), [2, 0], 'CLOSE SESSION');
    const info = await r.recorder.discInformation();
    assert.equal(info.discStatus, 2, 'finalized: the disc is complete');
    const again = new DiscFormat2TrackAtOnce({ clock: r.clock });
    again.setRecorder(r.recorder);
    assert.equal(
      (await rejectsWith(again.prepareMedia())).hr,
      HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK,
    );
  });

  it('doNotFinalizeMedia leaves the session open (no CLOSE SESSION); the disc stays appendable', async () => {
    const r = await rig('virtual:cd-rw');
    const tao = new DiscFormat2TrackAtOnce({ clock: r.clock });
    tao.setRecorder(r.recorder);
    tao.doNotFinalizeMedia = true;
    await tao.prepareMedia();
    const page = await r.recorder.getModePage(0x05, 0);
    assert.equal(page[3]! >> 6, 3, 'Multi-session 11b');
    await tao.addAudioTrack(pcm(300, 5));
    await tao.releaseMedia();
    assert.deepEqual(closes(r.log), [[1, 1]]);
    assert.notEqual((await r.recorder.discInformation()).discStatus, 2);
  });

  it('cancelAddTrack stops the write; the partial track is closed and counted', async () => {
    const r = await rig('virtual:cd-r?speed=1x');
    const tao = new DiscFormat2TrackAtOnce({ clock: r.clock });
    tao.setRecorder(r.recorder);
    assert.equal(
      throwsWith(() => tao.cancelAddTrack()).hr,
      HR.E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS,
    );
    await tao.prepareMedia();
    let cancelled = false;
    tao.on('update', (_s, e) => {
      if (!cancelled && e.engine !== undefined && e.engine.blocksWritten > 0) {
        cancelled = true;
        tao.cancelAddTrack();
      }
    });
    const e = await rejectsWith(tao.addAudioTrack(pcm(3000, 3)));
    assert.equal(e.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.deepEqual(closes(r.log), [[1, 1]]);
    assert.equal(tao.numberOfExistingTracks, 1);
    assert.ok(tao.expectedTableOfContents.descriptors[1]!.trackStartAddress < 3000);
    await tao.releaseMedia();
  });

  it('refusals: no recorder, not prepared, prepared twice, DVD media, properties while prepared, no space', async () => {
    const tao = new DiscFormat2TrackAtOnce();
    assert.equal(
      (await rejectsWith(tao.prepareMedia())).hr,
      HR.E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED,
    );
    assert.equal(
      throwsWith(() => (tao.clientName = '')).hr,
      HR.E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID,
    );
    const dvd = await rig('virtual:dvd+r');
    tao.setRecorder(dvd.recorder);
    assert.equal(
      (await rejectsWith(tao.prepareMedia())).hr,
      HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED,
    );
    assert.equal(writes(dvd.log).length, 0);

    const r = await rig('virtual:cd-r');
    const t = new DiscFormat2TrackAtOnce({ clock: r.clock });
    t.setRecorder(r.recorder);
    assert.equal(
      (await rejectsWith(t.addAudioTrack(pcm(300, 1)))).hr,
      HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED,
    );
    assert.equal(
      throwsWith(() => t.freeSectorsOnMedia).hr,
      HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED,
    );
    assert.equal((await rejectsWith(t.releaseMedia())).hr, HR.E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED);
    await t.prepareMedia();
    assert.equal((await rejectsWith(t.prepareMedia())).hr, HR.E_IMAPI_DF2TAO_MEDIA_IS_PREPARED);
    assert.equal(
      throwsWith(() => (t.doNotFinalizeMedia = true)).hr,
      HR.E_IMAPI_DF2TAO_MEDIA_IS_PREPARED,
    );
    assert.equal(
      throwsWith(() => t.setRecorder(r.recorder)).hr,
      HR.E_IMAPI_DF2TAO_MEDIA_IS_PREPARED,
    );
    const huge = t.freeSectorsOnMedia + 1;
    const path = join(dir, 'huge.pcm');
    await writeFile(path, new Uint8Array(0));
    const { truncate } = await import('node:fs/promises');
    await truncate(path, huge * 2352); // sparse: nothing is written when it is refused
    assert.equal((await rejectsWith(t.addAudioTrack(path))).hr, HR.E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE);
    assert.equal(writes(r.log).length, 0);
    await t.releaseMedia();
    assert.equal(closes(r.log).length, 0, 'nothing written: no session is closed');
  });
});
