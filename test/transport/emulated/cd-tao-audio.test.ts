// Track-at-Once audio on the virtual CD-R at the CDB level: page 05h Track Mode audio, 2,352-byte
// blocks, a track with RESERVE TRACK and two without, each after the 2 link blocks and the
// 150-sector pause the drive writes; then READ TOC, READ CD (silence and Q in the pause, index 1
// from the track start) and READ SUB-CHANNEL. Q bytes are checked field by field here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ok, rig, type Rig } from '../../helpers/recorder.js';
import { cat, h } from '../../helpers/bytes.js';
import { decodeSense } from '../../../src/scsi/sense.js';
import { ScsiStatus } from '../../../src/scsi/command.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { closeTrackSession } from '../../../src/scsi/mmc/close-track-session.js';
import { reserveTrack } from '../../../src/scsi/mmc/reserve-track.js';
import { readCd } from '../../../src/scsi/mmc/read-cd.js';
import { readTocPmaAtip } from '../../../src/scsi/mmc/read-toc-pma-atip.js';
import { readSubChannel } from '../../../src/scsi/mmc/read-sub-channel.js';
import { unpackRawPW } from '../../../src/scsi/cd/index.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../../../src/scsi/mmc/mode-pages/write-parameters.js';

const audio = (lba: number) => Uint8Array.from({ length: 2352 }, (_, i) => (lba + i * 11) & 0xff);

async function writeTrack(r: Rig, start: number, sectors: number): Promise<void> {
  for (let lba = start; lba < start + sectors; lba += 25) {
    const data = cat(...Array.from({ length: 25 }, (_, i) => audio(lba + i)));
    await ok(r, write10({ lba, transferLength: 25, data }));
  }
}

async function taoAlbum(): Promise<Rig> {
  const r = await rig('virtual:cd-r');
  const page = decodeWriteParametersPage(await r.recorder.getModePage(0x05, 0));
  await r.recorder.setModePage(
    0,
    encodeWriteParametersPage({ ...page, writeType: 1, trackMode: 0, dataBlockType: 0 }),
  );
  await writeTrack(r, 0, 300);
  await ok(r, closeTrackSession({ closeFunction: 1, logicalTrackNumber: 1 }));
  // Track 2 reserved: it starts after 2 link blocks and the 150-sector pause.
  await ok(r, reserveTrack({ arsv: false, reservationSize: 300 }));
  await writeTrack(r, 452, 300);
  await ok(r, closeTrackSession({ closeFunction: 1, logicalTrackNumber: 2 }));
  await writeTrack(r, 904, 300);
  await ok(r, closeTrackSession({ closeFunction: 2 }));
  return r;
}

describe('virtual CD-R: Track-at-Once audio with pauses', () => {
  it('lays tracks 152 sectors apart; the TOC lists them as audio', async () => {
    const r = await taoAlbum();
    const toc = await ok(r, readTocPmaAtip({ format: 0, allocationLength: 100 }));
    assert.deepEqual(
      [...toc],
      [
        ...h(`00 22 01 03  00 10 01 00 00 00 00 00  00 10 02 00 00 00 01 C4
              00 10 03 00 00 00 03 88  00 10 AA 00 00 00 04 B4`),
      ],
    );
    // No CD-TEXT: the header alone.
    assert.deepEqual(
      [...(await ok(r, readTocPmaAtip({ format: 5, allocationLength: 100 })))],
      [0, 2, 0, 0],
    );
  });

  it('READ CD: the pause reads as silence with Q index 0 counting down, the track from index 1', async () => {
    const r = await taoAlbum();
    const q = async (lba: number) => {
      const d = await ok(
        r,
        readCd({
          lba,
          transferLength: 1,
          userData: true,
          subChannelSelection: 1,
          bytesPerSector: 2352 + 96,
        }),
      );
      const ch = unpackRawPW(d.subarray(2352));
      return { main: d.subarray(0, 2352), q: [...ch[1]!.subarray(0, 10)], p: ch[0]![0] === 0xff };
    };
    const first = await q(302);
    assert.ok(first.main.every((b) => b === 0));
    // Track 2 index 0, 149 frames to index 1 (00:01:74), absolute 452 frames = 00:06:02.
    assert.deepEqual(first.q, [...h('01 02 00 00 01 74 00 00 06 02')]);
    assert.equal(first.p, true);
    const last = await q(451);
    assert.deepEqual(last.q, [...h('01 02 00 00 00 00 00 00 08 01')]);
    const start = await q(452);
    assert.deepEqual(start.main, audio(452));
    assert.deepEqual(start.q, [...h('01 02 01 00 00 00 00 00 08 02')]);
    assert.equal(start.p, false);
    // The two link blocks between track 1 and the pause were never recorded.
    const res = await r.drive.execute(
      readCd({ lba: 300, transferLength: 1, bytesPerSector: 2352 }),
    );
    assert.equal(res.status, ScsiStatus.CHECK_CONDITION);
    assert.equal(decodeSense(res.sense).asc, 0x21);
    // READ SUB-CHANNEL: where READ CD left off (track 2 index 1, 8 frames in).
    await ok(r, readCd({ lba: 460, transferLength: 1, bytesPerSector: 2352 }));
    assert.deepEqual(
      [...(await ok(r, readSubChannel({ format: 1 })))],
      [...h('00 15 00 0C 01 10 02 01 00 00 01 CC 00 00 00 08')],
    );
  });
});
