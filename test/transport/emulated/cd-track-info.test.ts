// READ TRACK INFORMATION and READ DISC INFORMATION against READ TOC on the virtual CD-R, for a
// mixed-mode Session-at-Once disc (a Mode 1 track and an audio track written with a cue sheet)
// and a raw disc-at-once disc (a data + audio image from the lead-in): the drive reports each
// track of the TOC, by number, by LBA (a pause belongs to the track after it) and by session,
// with its start, its size up to the next track's pause or the lead-out, its mode, and no NWA.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MIXED_MODE_CUE,
  ok,
  rig,
  sendCueSheet,
  setCdWriteMode,
  type Rig,
} from '../../helpers/recorder.js';
import { cat } from '../../helpers/bytes.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import {
  decodeFormattedToc,
  readTocPmaAtip,
  type FormattedToc,
} from '../../../src/scsi/mmc/read-toc-pma-atip.js';
import { ReadTrackAddressType } from '../../../src/device/types.js';
import { CdSectorType, DiscFormat2RawCD, RawCDImageCreator } from '../../../src/format/index.js';

async function toc(r: Rig): Promise<FormattedToc> {
  return decodeFormattedToc(await ok(r, readTocPmaAtip({ format: 0, allocationLength: 804 })));
}

/**
 * Every track of the TOC by number: its start and control as the TOC says, its size up to the
 * next entry (less `gaps[i]`, the pause before the next track), recorded and closed.
 */
async function agrees(r: Rig, t: FormattedToc, gaps: readonly number[]): Promise<void> {
  const tracks = t.descriptors.filter((d) => d.trackNumber !== 0xaa);
  for (const [i, d] of tracks.entries()) {
    const next = t.descriptors[i + 1]!;
    const info = await r.recorder.trackInformation(d.trackNumber, ReadTrackAddressType.TRACK);
    const what = `track ${d.trackNumber}`;
    assert.equal(info.logicalTrackNumber, d.trackNumber, what);
    assert.equal(info.logicalTrackStartAddress, d.trackStartAddress, what);
    assert.equal(info.trackMode, d.control, what);
    assert.equal(
      info.logicalTrackSize,
      next.trackStartAddress - d.trackStartAddress - (gaps[i] ?? 0),
      what,
    );
    assert.equal(info.blank, false, what);
    assert.equal(info.damage, false, what);
    assert.equal(info.nwaV, false, what);
    assert.equal(info.lraV, true, what);
    assert.equal(info.freeBlocks, 0, what);
    assert.equal(info.lastRecordedAddress, d.trackStartAddress + info.logicalTrackSize - 1, what);
  }
}

/** MIXED_MODE_CUE recorded: track 1 Mode 1 (pregap −150, index 1 at 0), track 2 audio (pause at
 *  300, index 1 at 450), lead-out at 750 (00:12:00). */
async function saoDisc(): Promise<Rig> {
  const r = await rig('virtual:cd-r');
  await setCdWriteMode(r.recorder, 2, 0);
  await ok(r, sendCueSheet(MIXED_MODE_CUE));
  const send = async (from: number, to: number, size: number) => {
    for (let lba = from; lba < to; lba += 25) {
      const bytes = cat(...Array.from({ length: 25 }, () => new Uint8Array(size).fill(lba & 0xff)));
      await ok(r, write10({ lba, transferLength: 25, data: bytes }));
    }
  };
  await send(-150, 300, 2048);
  await send(450, 750, 2352);
  await ok(r, synchronizeCache10());
  return r;
}

describe('virtual CD-R: READ TRACK INFORMATION agrees with READ TOC', () => {
  it('a mixed-mode SAO disc: two tracks, by number, LBA and session', async () => {
    const r = await saoDisc();
    const t = await toc(r);
    assert.deepEqual(
      t.descriptors.map((d) => [d.trackNumber, d.trackStartAddress]),
      [
        [1, 0],
        [2, 450],
        [0xaa, 750],
      ],
    );
    // Track 1 ends where track 2's 150-sector pause begins.
    await agrees(r, t, [150, 0]);
    const one = await r.recorder.trackInformation(1, ReadTrackAddressType.TRACK);
    assert.equal(one.dataMode, 1, 'Mode 1 data');
    const two = await r.recorder.trackInformation(2, ReadTrackAddressType.TRACK);
    assert.equal(two.dataMode, 1, 'audio reports 1, as TAO audio does');
    assert.equal(two.sessionNumber, 1);
    // By LBA: the last sector of track 1, a sector of track 2's pause, track 2's last sector.
    for (const [lba, n] of [
      [299, 1],
      [320, 2],
      [749, 2],
    ] as const) {
      const info = await r.recorder.trackInformation(lba, ReadTrackAddressType.LBA);
      assert.equal(info.logicalTrackNumber, n, `LBA ${lba}`);
    }
    const bySession = await r.recorder.trackInformation(1, ReadTrackAddressType.SESSION);
    assert.equal(bySession.logicalTrackNumber, 1);
    // A track the TOC does not have: 05/24/00.
    await assert.rejects(r.recorder.trackInformation(3, ReadTrackAddressType.TRACK));
    const d = await r.recorder.discInformation();
    assert.equal(d.numberOfFirstTrackOnDisc, 1);
    assert.equal(d.firstTrackNumberInLastSession, 1);
    assert.equal(d.lastTrackNumberInLastSession, 2);
  });

  it('a raw DAO disc from the lead-in: the tracks of its Q, the open track numbered on', async () => {
    const r = await rig('virtual:cd-r');
    const c = new RawCDImageCreator();
    await c.addTrack(CdSectorType.MODE1, new Uint8Array(300 * 2048).fill(0x5a));
    await c.addTrack(CdSectorType.AUDIO, new Uint8Array(300 * 2352).fill(0x33));
    await c.addTrack(CdSectorType.AUDIO, new Uint8Array(400 * 2352).fill(0x44));
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    await raw.prepareMedia();
    await raw.writeMedia2(c.createResultImage({ leadInStartLba: -11634 }), -150 + 11634);
    await raw.releaseMedia();
    const t = await toc(r);
    assert.deepEqual(
      t.descriptors.map((d) => d.trackNumber),
      [1, 2, 3, 0xaa],
    );
    for (const [i, d] of t.descriptors.slice(0, 3).entries()) {
      assert.equal(d.trackStartAddress, c.trackInfo(i + 1).startingLba, `track ${i + 1}`);
    }
    // The creator puts a 150-sector pregap at the change from data to audio, none between the
    // two audio tracks.
    await agrees(r, t, [150, 0, 0]);
    const three = await r.recorder.trackInformation(3, ReadTrackAddressType.TRACK);
    assert.equal(three.trackMode, 0);
    assert.equal(three.logicalTrackSize, 400);
    const d = await r.recorder.discInformation();
    assert.equal(d.firstTrackNumberInLastSession, 1);
    assert.equal(d.lastTrackNumberInLastSession, 3);
  });

  it('after an appendable SAO session the open track is the TOC’s next number', async () => {
    const r = await rig('virtual:cd-r');
    const { decodeWriteParametersPage, encodeWriteParametersPage } =
      await import('../../../src/scsi/mmc/mode-pages/write-parameters.js');
    const page = decodeWriteParametersPage(await r.recorder.getModePage(0x05, 0));
    await r.recorder.setModePage(
      0,
      encodeWriteParametersPage({ ...page, writeType: 2, multiSession: 3 }),
    );
    await ok(r, sendCueSheet(MIXED_MODE_CUE));
    for (const [from, to, size] of [
      [-150, 300, 2048],
      [450, 750, 2352],
    ] as const) {
      for (let lba = from; lba < to; lba += 25) {
        await ok(r, write10({ lba, transferLength: 25, data: new Uint8Array(25 * size) }));
      }
    }
    await ok(r, synchronizeCache10());
    const d = await r.recorder.discInformation();
    assert.equal(d.numberOfSessions, 2);
    assert.equal(d.firstTrackNumberInLastSession, 3);
    assert.equal(d.lastTrackNumberInLastSession, 3);
    const open = await r.recorder.trackInformation(3, ReadTrackAddressType.TRACK);
    assert.equal(open.sessionNumber, 2);
    assert.equal(open.blank, true);
    assert.equal(open.nwaV, true);
    assert.equal(open.nextWritableAddress, 750 + 11400);
    const ff = await r.recorder.trackInformation(0xff, ReadTrackAddressType.TRACK);
    assert.equal(ff.logicalTrackNumber, 3);
    const bySession = await r.recorder.trackInformation(2, ReadTrackAddressType.SESSION);
    assert.equal(bySession.logicalTrackNumber, 3);
  });
});
