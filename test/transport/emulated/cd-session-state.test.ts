// READ DISC INFORMATION of the virtual CD-R after a raw disc-at-once write and after SAO: a raw
// session whose lead-out the host wrote is closed at the SYNCHRONIZE CACHE that follows it, and
// the lead-in the host wrote decides whether another session may follow (no B0 pointer: the disc
// is complete; a Q mode 5 B0 with the next program area's start: appendable, the next session
// starting after the lead-out, the next lead-in and the pregap). SAO: cd-sao.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rig, setCdWriteMode } from '../../helpers/recorder.js';
import { CdSectorType, DiscFormat2RawCD, RawCDImageCreator } from '../../../src/format/index.js';
import { packRawPW, qCrc, unpackRawPW } from '../../../src/scsi/cd/index.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { DiscStatus, LastSessionState } from '../../../src/scsi/mmc/read-disc-information.js';
import { ReadTrackAddressType } from '../../../src/device/types.js';

const LEAD_IN = -11634;

async function image() {
  const c = new RawCDImageCreator();
  await c.addTrack(CdSectorType.MODE1, new Uint8Array(300 * 2048).fill(0x5a));
  await c.addTrack(CdSectorType.AUDIO, new Uint8Array(300 * 2352).fill(0x33));
  return { creator: c, image: c.createResultImage({ leadInStartLba: LEAD_IN }) };
}

async function bytesOf(img: AsyncIterable<Uint8Array> & { sectorCount: number }) {
  const out = new Uint8Array(img.sectorCount * 2448);
  let at = 0;
  for await (const c of img) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** BCD of 0..99. */
const bcd = (v: number) => ((v / 10) << 4) | (v % 10);

describe('virtual CD-R session state after DAO', () => {
  it('raw DAO from the lead-in without B0: disc complete, last session complete', async () => {
    const r = await rig('virtual:cd-r');
    const { image: img } = await image();
    const raw = new DiscFormat2RawCD({ clock: r.clock });
    await raw.setRecorder(r.recorder);
    await raw.prepareMedia();
    await raw.writeMedia2(img, -150 - LEAD_IN);
    await raw.releaseMedia();
    const d = await r.recorder.discInformation({ msf: true });
    assert.equal(d.discStatus, DiscStatus.COMPLETE);
    assert.equal(d.stateOfLastSession, LastSessionState.COMPLETE);
    assert.equal(d.numberOfSessions, 1);
    assert.equal(d.lastPossibleLeadOutStartAddress, null, 'nothing more can be written');
  });

  it('raw DAO whose lead-in carries B0: appendable, a new session after the lead-out', async () => {
    const r = await rig('virtual:cd-r');
    const { creator, image: img } = await image();
    const bytes = await bytesOf(img);
    const leadOut = creator.startOfLeadout;
    const next = leadOut + 6750 + 4500 + 150;
    // Q mode 5, POINT B0: next program area (MSF of LBA next + 150), 2 mode 5 pointers, the last
    // possible lead-out 79:59:74. In place of the lead-in's first 30 Q frames (a TOC cycle).
    const q = Uint8Array.of(0x45, 0, 0xb0, 0, 0, 0, 2, bcd(79), bcd(59), bcd(74), 0, 0);
    const f = next + 150;
    q.set([bcd(Math.floor(f / 4500)), bcd(Math.floor(f / 75) % 60), bcd(f % 75)], 3);
    const crc = qCrc(q);
    q[10] = crc >> 8;
    q[11] = crc & 0xff;
    for (let i = 0; i < 30; i++) {
      const sub = bytes.subarray(i * 2448 + 2352, (i + 1) * 2448);
      const ch = unpackRawPW(sub);
      sub.set(packRawPW(ch[0]!, q, ch.slice(2)));
    }
    await setCdWriteMode(r.recorder, 3, 3);
    const total = bytes.length / 2448;
    for (let s = 0; s < total; s += 26) {
      const n = Math.min(26, total - s);
      const data = bytes.subarray(s * 2448, (s + n) * 2448);
      await r.recorder.executeCommand(write10({ lba: LEAD_IN + s, transferLength: n, data }));
    }
    await r.recorder.executeCommand(synchronizeCache10());
    const d = await r.recorder.discInformation({ msf: true });
    assert.equal(d.discStatus, DiscStatus.INCOMPLETE, 'appendable');
    assert.equal(d.numberOfSessions, 2, 'session 1 closed, session 2 empty');
    assert.equal(d.stateOfLastSession, LastSessionState.EMPTY);
    assert.equal(d.lastSessionLeadInStartAddress, next - 150 - 4500);
    const t = await r.recorder.trackInformation(
      d.lastTrackNumberInLastSession,
      ReadTrackAddressType.TRACK,
    );
    assert.equal(t.sessionNumber, 2);
    assert.equal(t.logicalTrackStartAddress, next, 'the lead-out is not counted twice');
    const one = await r.recorder.trackInformation(1, ReadTrackAddressType.TRACK);
    assert.equal(one.nwaV, false, 'session 1 takes no more writes');
  });
});
