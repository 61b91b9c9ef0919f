// Session-at-Once of a second session on the virtual CD-R, at the CDB level: session 1 (a Mode 1
// track and an audio track) is recorded with a cue sheet and closed with page 05h Multi-session
// 11b; the next session starts 11,400 blocks after its lead-out (6,750 lead-out, 4,500 lead-in,
// 150 pregap); a cue sheet in absolute times for track 3 records session 2. READ TOC formats
// 0/1/2, READ DISC INFORMATION, READ TRACK INFORMATION and READ CD then describe both sessions.
// Expected bytes are written by hand (binary MSF in the cue sheet and the raw TOC, BCD in Q).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MIXED_MODE_CUE,
  ok,
  refused,
  rig,
  sendCueSheet,
  writeSectors,
  type Rig,
} from '../../helpers/recorder.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../../../src/scsi/mmc/mode-pages/write-parameters.js';
import { h } from '../../helpers/bytes.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { readCd } from '../../../src/scsi/mmc/read-cd.js';
import { readTocPmaAtip } from '../../../src/scsi/mmc/read-toc-pma-atip.js';
import { DiscStatus, LastSessionState } from '../../../src/scsi/mmc/read-disc-information.js';
import { ReadTrackAddressType } from '../../../src/device/types.js';

async function saoMode(r: Rig, multiSession: number): Promise<void> {
  const page = decodeWriteParametersPage(await r.recorder.getModePage(0x05, 0));
  await r.recorder.setModePage(
    0,
    encodeWriteParametersPage({ ...page, writeType: 2, multiSession }),
  );
}

const data = (lba: number) => Uint8Array.from({ length: 2048 }, (_, i) => (lba * 7 + i) & 0xff);
const audio = (lba: number) => Uint8Array.from({ length: 2352 }, (_, i) => (lba + i * 5) & 0xff);

// Session 2 starts at 750 + 11,400 = 12,150: lead-in and track 3's index 0 at its pregap 12,000
// (02:42:00), index 1 at 12,150 (02:44:00), lead-out at 12,450 (02:48:00).
const CUE_2 = h(`
  41 00 00 14 00 02 2A 00
  41 03 00 10 00 02 2A 00
  41 03 01 10 00 02 2C 00
  41 AA 01 14 00 02 30 00`);

/** Session 1, left open for another (Multi-session 11b): MIXED_MODE_CUE's track 1 Mode 1 (pregap
 *  −150, index 1 at 0) and track 2 audio (pause at 300, index 1 at 450), lead-out at 750. */
async function sessionOne(): Promise<Rig> {
  const r = await rig('virtual:cd-r');
  await saoMode(r, 3);
  await ok(r, sendCueSheet(MIXED_MODE_CUE));
  await writeSectors(r, -150, 300, data);
  await writeSectors(r, 450, 750, audio);
  await ok(r, synchronizeCache10());
  return r;
}

async function twoSessions(lastMultiSession: number): Promise<Rig> {
  const r = await sessionOne();
  const open = await r.recorder.trackInformation(0xff, ReadTrackAddressType.TRACK);
  assert.equal(open.nextWritableAddress, 12150, 'lead-out + 6,750 + 4,500 + 150');
  await saoMode(r, lastMultiSession);
  await ok(r, sendCueSheet(CUE_2));
  await writeSectors(r, 12000, 12450, data);
  await ok(r, synchronizeCache10());
  return r;
}

describe('virtual CD-R: Session-at-Once of a second session', () => {
  it('records session 2 where the first left room; READ TOC lists both sessions', async () => {
    const r = await twoSessions(0);
    const toc = await ok(r, readTocPmaAtip({ format: 0, allocationLength: 100 }));
    assert.deepEqual(
      [...toc],
      [
        ...h(`00 22 01 03  00 14 01 00 00 00 00 00  00 10 02 00 00 00 01 C2
              00 14 03 00 00 00 2F 76  00 14 AA 00 00 00 30 A2`),
      ],
    );
    const ms = await ok(r, readTocPmaAtip({ format: 1, allocationLength: 12 }));
    assert.deepEqual([...ms], [...h('00 0A 01 02  00 14 03 00 00 00 2F 76')]);
    const full = await ok(r, readTocPmaAtip({ format: 2, allocationLength: 200 }));
    assert.equal(full.length, 4 + 11 * 11);
    assert.deepEqual([...full.subarray(0, 4)], [0x00, 0x7b, 0x01, 0x02]);
    const entry = (i: number) => [...full.subarray(4 + i * 11, 4 + (i + 1) * 11)];
    // Session 1's lead-in: A0 A1 A2, tracks 1 and 2, B0 (session 2's program area at 02:44:00,
    // 2 pointers), C0 (the ATIP's lead-in start 97:26:66).
    assert.deepEqual(entry(0), [...h('01 14 00 A0 00 00 00 00 01 00 00')]);
    assert.deepEqual(entry(1), [...h('01 10 00 A1 00 00 00 00 02 00 00')]);
    assert.deepEqual(entry(2), [...h('01 10 00 A2 00 00 00 00 00 0C 00')]);
    assert.deepEqual(entry(3), [...h('01 14 00 01 00 00 00 00 00 02 00')]);
    assert.deepEqual(entry(4), [...h('01 10 00 02 00 00 00 00 00 08 00')]);
    assert.deepEqual(entry(5).slice(0, 8), [...h('01 50 00 B0 02 2C 00 02')]);
    assert.deepEqual(entry(6), [...h('01 50 00 C0 00 00 00 00 61 1A 42')]);
    // Session 2's lead-in: A0/A1 track 3, A2 02:48:00, track 3 at 02:44:00; closed: no B0.
    assert.deepEqual(entry(7), [...h('02 14 00 A0 00 00 00 00 03 00 00')]);
    assert.deepEqual(entry(8), [...h('02 14 00 A1 00 00 00 00 03 00 00')]);
    assert.deepEqual(entry(9), [...h('02 14 00 A2 00 00 00 00 02 30 00')]);
    assert.deepEqual(entry(10), [...h('02 14 00 03 00 00 00 00 02 2C 00')]);
  });

  it('READ DISC INFORMATION: complete, two sessions; READ CD reads track 3 with its Q', async () => {
    const r = await twoSessions(0);
    const d = await r.recorder.discInformation({ msf: true });
    assert.equal(d.discStatus, DiscStatus.COMPLETE);
    assert.equal(d.stateOfLastSession, LastSessionState.COMPLETE);
    assert.equal(d.numberOfSessions, 2);
    const s = await ok(
      r,
      readCd({
        lba: 12150,
        transferLength: 1,
        headerCodes: 1,
        userData: true,
        subChannelSelection: 2,
        bytesPerSector: 4 + 2048 + 16,
      }),
    );
    // Header 02:44:00 mode 1 (BCD), the host's data, Q: track 3 index 1, relative 0, 02:44:00.
    assert.deepEqual([...s.subarray(0, 4)], [0x02, 0x44, 0x00, 0x01]);
    assert.deepEqual(s.subarray(4, 2052), data(12150));
    assert.deepEqual([...s.subarray(2052, 2062)], [...h('41 03 01 00 00 00 00 02 44 00')]);
  });

  it('leaves session 2 appendable with Multi-session 11b: B0 in both lead-ins', async () => {
    const r = await twoSessions(3);
    const d = await r.recorder.discInformation({ msf: true });
    assert.equal(d.discStatus, DiscStatus.INCOMPLETE);
    assert.equal(d.numberOfSessions, 3, 'session 3 open and empty');
    assert.equal(d.stateOfLastSession, LastSessionState.EMPTY);
    // The third session: 12,450 + 2,250 + 4,500 + 150 = 19,350 (04:20:00).
    const open = await r.recorder.trackInformation(0xff, ReadTrackAddressType.TRACK);
    assert.equal(open.logicalTrackStartAddress, 19350);
    assert.equal(d.lastSessionLeadInStartAddress, 19350 - 150 - 4500);
    const full = await ok(r, readTocPmaAtip({ format: 2, allocationLength: 200 }));
    assert.equal(full.length, 4 + 12 * 11);
    const b0 = full.subarray(4 + 11 * 11);
    assert.deepEqual([...b0.subarray(0, 8)], [...h('02 54 00 B0 04 14 00 02')]);
  });

  it('while session 2 has only its pregap, READ TOC still lists session 1 from its Q', async () => {
    const r = await sessionOne();
    await ok(r, sendCueSheet(CUE_2));
    await writeSectors(r, 12000, 12150, data);
    const toc = await ok(r, readTocPmaAtip({ format: 0, allocationLength: 100 }));
    assert.deepEqual(
      [...toc],
      [
        ...h(
          '00 1A 01 02  00 14 01 00 00 00 00 00  00 10 02 00 00 00 01 C2  00 10 AA 00 00 00 02 EE',
        ),
      ],
    );
    const d = await r.recorder.discInformation();
    assert.equal(d.firstTrackNumberInLastSession, 3, 'the stream being written is track 3');
  });

  it('refuses a session-2 cue sheet that is not where the session starts or renumbers', async () => {
    const r = await sessionOne();
    const atZero = Uint8Array.from(CUE_2);
    atZero.set([0, 0, 0], 5);
    assert.deepEqual(await refused(r, sendCueSheet(atZero)), [5, 0x26, 0, false, 5]);
    const trackOne = Uint8Array.from(CUE_2);
    trackOne[9] = 1;
    trackOne[17] = 1;
    assert.deepEqual(await refused(r, sendCueSheet(trackOne)), [5, 0x26, 0, false, 9]);
    // The right one is taken, and the stream starts at the session's pregap.
    await ok(r, sendCueSheet(CUE_2));
    assert.deepEqual(
      (await refused(r, write10({ lba: -150, transferLength: 1, data: data(0) }))).slice(0, 3),
      [5, 0x21, 2],
    );
  });
});
